/**
 * The signals panel (apps/planner/src/signals/SignalsPanel.tsx) in chromium, fed by the real path: the simulated
 * robot's BCI node → rosbridge → RobotClient → useBciFeedFrom (apps/planner/src/signals/bciFeed.ts) → the panel.
 * The page is an esbuild bundle of the panel and the feed alone (the operator screen mounts them in the app).
 *
 * Expected values come from outside the panel: the verdicts, impedances and phases from the summary the node
 * published last (read in Node from the node itself, simulated time stepped by the test so it is the one the
 * page shows); the raster's crossings from a scipy oracle (butter(2, [300, 6000]) band-pass, sosfilt, −k·σ with
 * σ = median|x|/0.6745, 1 ms dead time) run on the snippet the node published on /bci/snippets.
 *
 * The 3D view (the built app): with a BCI summary in the store, each planned contact gets a sphere in its
 * verdict's colour; without one, none. Pixels are classified by chromaticity in linear RGB (standard sRGB
 * decoding), as tests/planner-3d.test.ts does, against the verdict palette (an input).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { BciSnippet, BciSummary } from '@neuroplan/ros-messages';
import { bundlePage, launchChromium, skipWithoutChromium, TestServer } from './browser/harness.ts';
import {
  elementPixels,
  pixelStats,
  ROOT,
  saveScreenshot,
  startPlanner,
  waitForState,
  type Pixels,
  type Planner,
} from './planner/harness.ts';
import { startSimulatedRobot, type SimulatedRobotHandle } from '../ros/sim/src/sim.ts';

const skip = skipWithoutChromium('tests/planner-signals.test.ts');
const OUT = join(ROOT, '.tmp', 'planner-signals');
const SRC = join(ROOT, 'apps', 'planner', 'src', 'signals');
const K_SIGMA = 4.5;

/** The test page: the panel fed by a RobotClient on the bridge given as ?ws=… */
const PAGE = `
import { createElement, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RobotClient } from '@neuroplan/ros-client';
import { SignalsPanel } from ${JSON.stringify(join(SRC, 'SignalsPanel.tsx'))};
import { useBciFeedFrom } from ${JSON.stringify(join(SRC, 'bciFeed.ts'))};
const client = new RobotClient();
void client.connect(new URLSearchParams(location.search).get('ws'));
function Page() {
  const feed = useBciFeedFrom(client, { summaryThrottleMs: 0, snippetDurationS: 0.5 });
  const [selected, setSelected] = useState([]);
  useEffect(() => { globalThis.__rendered = { summary: feed.summary, snippet: feed.snippet }; });
  return createElement('div', { style: { width: '900px', background: '#0b0e11' } },
    createElement(SignalsPanel, {
      summary: feed.summary, snippet: feed.snippet, selected, onSelect: setSelected,
      onRequestSnippet: feed.requestSnippet, kSigma: ${K_SIGMA}, refreshMs: 0,
    }));
}
createRoot(document.getElementById('root')).render(createElement(Page));
`;

/** The operator screen's wiring: OperatorSignals fed by the robot store's client after connect(). */
const OPERATOR_PAGE = `
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { OperatorSignals } from ${JSON.stringify(join(SRC, 'OperatorSignals.tsx'))};
import { useRobot } from ${JSON.stringify(join(ROOT, 'apps', 'planner', 'src', 'intraop', 'robotStore.ts'))};
const q = new URLSearchParams(location.search);
useRobot.getState().setUrl(q.get('ws'));
void useRobot.getState().connect('operator', q.get('pw'));
createRoot(document.getElementById('root')).render(createElement(OperatorSignals));
`;
const PASSWORD = 'signals-panel-test';

/** The oracle: threshold crossings of each column of a snippet (JSON on stdin). */
const ORACLE = `
import json, sys
import numpy as np
from scipy import signal
s = json.load(sys.stdin)
fs = s['fs']; C = len(s['channels']); k = s['k']
x = np.asarray(s['data'], dtype=np.float64).reshape(-1, C)
sos = signal.butter(2, [300, min(6000, fs * 0.45)], btype='bandpass', fs=fs, output='sos')
dead = max(1, round(0.001 * fs))
out = []
for c in range(C):
    band = signal.sosfilt(sos, x[:, c])
    thr = -k * np.median(np.abs(band)) / 0.6745
    hits = []
    i = 1
    while i < len(band):
        if band[i] < thr and band[i - 1] >= thr:
            hits.append(i)
            i += dead
        else:
            i += 1
    out.append(hits)
print(json.dumps(out))
`;

/**
 * esbuild bundle of the operator page: the robot store pulls in the planning store, whose Vite-only imports
 * (`?url` of the DICOM codecs' wasm) and Node-only branches of npm packages are never taken here: empty stubs.
 */
async function bundleOperatorPage(entry: string, outdir: string): Promise<unknown[]> {
  const stubs: Plugin = {
    name: 'stubs',
    setup(b) {
      b.onResolve({ filter: /\?url$/ }, (a) => ({ path: a.path, namespace: 'url-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'url-stub' }, () => ({ contents: 'export default "";' }));
      b.onResolve({ filter: /^(node:)?(fs|path|crypto|module|url|worker_threads|zlib)$/ }, (a) => ({
        path: a.path,
        namespace: 'node-stub',
      }));
      b.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};' }));
    },
  };
  const result = await build({
    entryPoints: { page: entry },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    plugins: [stubs],
    loader: { '.urdf': 'text' },
    logLevel: 'silent',
  });
  return result.errors;
}

const hexToRgb = (hex: string): string => {
  const v = parseInt(hex.slice(1), 16);
  return `rgb(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255})`;
};

describe.skipIf(skip)('signals panel fed by the simulated BCI node', () => {
  let sim: SimulatedRobotHandle;
  let server: TestServer;
  let base: string;
  let operatorServer: TestServer;
  let operatorBase: string;
  let browser: Browser;
  let page: Page;
  const logs: string[] = [];
  const snippets: BciSnippet[] = [];

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'page.ts'), PAGE);
    writeFileSync(join(OUT, 'operator.ts'), OPERATOR_PAGE);
    const bundle = join(OUT, 'bundle');
    const operatorBundle = join(OUT, 'operator-bundle');
    for (const [entry, dir] of [
      ['page.ts', bundle],
      ['operator.ts', operatorBundle],
    ] as const) {
      const errors =
        entry === 'page.ts'
          ? await bundlePage({ page: join(OUT, entry) }, dir, 'signals panel')
          : await bundleOperatorPage(join(OUT, entry), dir);
      expect(errors).toEqual([]);
      // The panel's stylesheet inline (the test server serves .js and .html only).
      writeFileSync(
        join(dir, 'index.html'),
        `<!doctype html><title>signals panel</title><style>body{margin:0;background:#0b0e11}` +
          `${readFileSync(join(dir, 'page.css'), 'utf8')}</style><div id="root"></div>` +
          `<script type="module" src="/bundle/page.js"></script>\n`,
      );
    }
    operatorServer = new TestServer(operatorBundle);
    operatorBase = await operatorServer.start(false);
    // Every contact of the default electrode inserted 60 mm: the deep ones in tissue (units), the shallow ones
    // not (10 mm brain surface); the node's default faults add a shorted pair and an open contact.
    sim = await startSimulatedRobot({
      port: 0,
      realTime: false,
      env: { NEUROPLAN_OPERATOR_PASSWORD: PASSWORD },
      bci: { seed: 7, depthSource: () => 60 },
    });
    sim.graph.subscribe('/bci/snippets', 'neuroplan_interfaces/msg/BciSnippet', (m) =>
      snippets.push(m as BciSnippet),
    );
    sim.bci!.advance(3);
    server = new TestServer(bundle);
    base = await server.start(false);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 960, height: 1400 } });
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    server?.close();
    operatorServer?.close();
    await sim?.close();
  });

  it('shows the summary: verdict colours and counts, impedance table, placement lines', async () => {
    await page.goto(`${base}/?ws=${encodeURIComponent(sim.url)}`);
    // Publish summaries (simulated time) until the page shows one.
    for (let i = 0; i < 100; i++) {
      sim.bci!.advance(0.1);
      if ((await page.locator('[data-testid="signals-panel"][data-state="live"]').count()) > 0) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    // One more summary, the one to compare with: wait until the page has rendered it.
    sim.bci!.advance(0.1);
    const expected = sim.bci!.lastSummary!;
    await page
      .waitForFunction(
        (stamp) => {
          const s = (globalThis as { __rendered?: { summary: BciSummary | null } }).__rendered?.summary;
          return s?.header.stamp.sec === stamp.sec && s.header.stamp.nanosec === stamp.nanosec;
        },
        expected.header.stamp,
        { timeout: 10_000 },
      )
      .catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\n${logs.join('\n')}`);
      });

    // In-page code as text: the tests' tsconfig has no DOM types.
    const shown = (await page.evaluate(`(() => {
      const all = (sel) => [...document.querySelectorAll(sel)];
      return {
        cells: all('[data-testid="signals-contact"]').map((b) => ({
          channel: Number(b.dataset.channel),
          verdict: b.dataset.verdict,
          text: b.textContent,
          background: getComputedStyle(b).backgroundColor,
        })),
        legend: Object.fromEntries(
          all('[data-testid="signals-legend"] li').map((li) => [li.dataset.verdict, Number(li.dataset.count)]),
        ),
        rows: all('[data-testid="signals-impedance-row"]').map((r) => ({
          channel: Number(r.dataset.channel),
          impedance: r.querySelector('[data-col="impedance"]').textContent,
          phase: r.querySelector('[data-col="phase"]').textContent,
        })),
        placements: all('[data-testid="signals-placements"] li').map((li) => li.textContent),
      };
    })()`)) as {
      cells: { channel: number; verdict: string; text: string; background: string }[];
      legend: Record<string, number>;
      rows: { channel: number; impedance: string; phase: string }[];
      placements: string[];
    };

    const byIndex = new Map(expected.channels.map((c) => [c.index, c]));
    expect(shown.cells.length).toBe(expected.channels.length);
    const counts: Record<string, number> = {};
    for (const c of expected.channels) counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
    // The planted faults and the depths make several verdicts (else the colours would prove little).
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(3);
    expect(counts['ok'] ?? 0).toBeGreaterThan(0);
    const shownCounts: Record<string, number> = {};
    for (const cell of shown.cells) {
      const r = byIndex.get(cell.channel)!;
      expect(cell.verdict, `channel ${cell.channel}`).toBe(r.verdict);
      expect(cell.text).toBe(String(r.contact_number));
      shownCounts[cell.verdict] = (shownCounts[cell.verdict] ?? 0) + 1;
    }
    expect(shownCounts).toEqual(counts);
    for (const [v, n] of Object.entries(counts)) expect(shown.legend[v], v).toBe(n);
    // One colour per verdict, distinct between verdicts (the palette of contactVerdicts.ts, which the 3D view uses).
    const { CONTACT_VERDICT_COLORS } = await import('../apps/planner/src/view3d/contactVerdicts.ts');
    for (const cell of shown.cells)
      expect(cell.background).toBe(hexToRgb(CONTACT_VERDICT_COLORS[cell.verdict as 'ok']));
    expect(new Set(shown.cells.map((c) => c.background)).size).toBe(Object.keys(counts).length);

    expect(shown.rows.map((r) => r.channel)).toEqual(expected.channels.map((c) => c.index));
    for (const row of shown.rows) {
      const r = byIndex.get(row.channel)!;
      const m = /^([\d.]+) (kΩ|MΩ)$/.exec(row.impedance ?? '');
      expect(m, `|Z| of channel ${row.channel}: ${row.impedance}`).not.toBeNull();
      const kohm = Number(m![1]) * (m![2] === 'MΩ' ? 1000 : 1);
      expect(Math.abs(kohm - r.impedance_kohm)).toBeLessThanOrEqual(0.006 * r.impedance_kohm + 0.05);
      expect(row.phase).toBe(`${r.impedance_phase_deg.toFixed(0)}°`);
    }
    expect(shown.placements.length).toBe(expected.electrode_verdicts.length);
    expect(shown.placements.length).toBeGreaterThan(0);
  }, 60_000);

  it('draws traces and the spike raster of the selected channels from a requested snippet', async () => {
    const summary = sim.bci!.lastSummary!;
    const ok = summary.channels.find((c) => c.verdict === 'ok')!;
    const other = summary.channels.find((c) => c.verdict !== 'ok')!;
    expect(await page.locator('[data-testid="signals-traces"]').count()).toBe(0);
    snippets.length = 0;
    await page.locator(`[data-testid="signals-contact"][data-channel="${ok.index}"]`).click();
    await page.locator('[data-testid="signals-traces"]').waitFor({ timeout: 10_000 });
    await page.locator(`[data-testid="signals-contact"][data-channel="${other.index}"]`).click();
    await page.waitForFunction(
      (n) =>
        (globalThis as { __rendered?: { snippet: BciSnippet | null } }).__rendered?.snippet?.channels
          .length === n,
      2,
      { timeout: 10_000 },
    );
    // The reasons of both selected channels are listed.
    expect(await page.locator('[data-testid="signals-reasons"] > div').count()).toBe(2);
    const snippet = snippets.at(-1)!;
    expect(snippet.channels).toEqual([ok.index, other.index].sort((a, b) => a - b));
    expect(snippet.sample_count).toBe(0.5 * snippet.sample_rate_hz);

    const px = await elementPixels(page, '[data-testid="signals-traces"]', 'signals-traces');
    const stats = pixelStats(px);
    expect(stats.distinctColours, JSON.stringify(stats)).toBeGreaterThan(20);
    expect(stats.maxLuma - stats.minLuma).toBeGreaterThan(60);
    // Each row shows its trace: pixels brighter than the background in both halves of the canvas.
    for (const half of [0, 1]) {
      const h = pixelStats(px, {
        x: 0,
        y: (half * px.height) / 2 + 14,
        width: px.width,
        height: px.height / 2 - 14,
      });
      expect(h.maxLuma, `row ${half}`).toBeGreaterThan(60);
    }
    await elementPixels(page, '[data-testid="signals-panel"]', 'signals-panel');

    const oracle = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', ORACLE], {
        input: JSON.stringify({
          fs: snippet.sample_rate_hz,
          channels: snippet.channels,
          k: K_SIGMA,
          data: snippet.data_uv,
        }),
        maxBuffer: 64 << 20,
      }).toString(),
    ) as number[][];
    const raster =
      (await page.evaluate(`[...document.querySelectorAll('[data-testid="signals-raster"] g')].map((g) => ({
      channel: Number(g.dataset.channel),
      spikes: Number(g.dataset.spikes),
      ticks: g.querySelectorAll('line').length,
    }))`)) as { channel: number; spikes: number; ticks: number }[];
    expect(raster.map((r) => r.channel)).toEqual(snippet.channels);
    raster.forEach((r, j) => {
      expect(r.ticks).toBe(r.spikes);
      expect(Math.abs(r.spikes - oracle[j]!.length), `channel ${r.channel}`).toBeLessThanOrEqual(1);
    });
    // The contact in tissue with units fires (≥ 2 Hz is the node's threshold for "ok").
    const okRow = snippet.channels.indexOf(ok.index);
    expect(oracle[okRow]!.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("is fed by the robot store's client on the operator screen (OperatorSignals)", async () => {
    const op = await browser.newPage({ viewport: { width: 960, height: 1400 } });
    const opLogs: string[] = [];
    op.on('console', (m) => opLogs.push(`${m.type()}: ${m.text()}`));
    op.on('pageerror', (e) => opLogs.push(`pageerror: ${e.message}`));
    try {
      await op.goto(`${operatorBase}/?ws=${encodeURIComponent(sim.url)}&pw=${PASSWORD}`);
      let live = false;
      for (let i = 0; i < 100 && !live; i++) {
        sim.bci!.advance(0.1);
        live = (await op.locator('[data-testid="signals-panel"][data-state="live"]').count()) > 0;
        if (!live) await new Promise((ok) => setTimeout(ok, 100));
      }
      expect(live, opLogs.join('\n')).toBe(true);
      const expected = sim.bci!.lastSummary!;
      expect(await op.locator('[data-testid="signals-contact"]').count()).toBe(expected.channels.length);
      const ch = expected.channels[0]!.index;
      await op.locator(`[data-testid="signals-contact"][data-channel="${ch}"]`).click();
      await op.locator('[data-testid="signals-traces"]').waitFor({ timeout: 10_000 });
      expect(await op.locator('[data-testid="signals-snippet-error"]').count()).toBe(0);
    } finally {
      await op.close();
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// The 3D view's contact painting.

const srgbToLinear = (c: number): number => {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};
function chromaticity(r: number, g: number, b: number): [number, number, number] | null {
  const l = [srgbToLinear(r), srgbToLinear(g), srgbToLinear(b)];
  const sum = l[0]! + l[1]! + l[2]!;
  return sum < 0.02 ? null : [l[0]! / sum, l[1]! / sum, l[2]! / sum];
}
/** Pixels whose chromaticity is within `tol` of colour `hex`'s. */
function countColour(px: Pixels, hex: string, tol = 0.03): number {
  const v = parseInt(hex.slice(1), 16);
  const want = chromaticity((v >> 16) & 255, (v >> 8) & 255, v & 255)!;
  let n = 0;
  for (let i = 0; i < px.data.length; i += 4) {
    const c = chromaticity(px.data[i]!, px.data[i + 1]!, px.data[i + 2]!);
    if (c && Math.max(...c.map((x, k) => Math.abs(x - want[k]!))) <= tol) n++;
  }
  return n;
}

describe.skipIf(skip)('3D view: contacts painted with the BCI verdicts', () => {
  let planner: Planner;
  let page: Page;
  let logs: string[];

  beforeAll(async () => {
    planner = await startPlanner();
    page = await planner.newPage();
    logs = planner.logs(page);
    await page.goto(planner.url);
    await waitForState(page, (s) => s.surfaces.skull && s.surfaces.brain, { timeoutMs: 240_000, logs });
  }, 600_000);

  afterAll(async () => {
    await planner?.close();
  });

  /** The 3D canvas's drawing buffer after a few animation frames. */
  async function canvasPixels(): Promise<Pixels> {
    const { width, height, base64 } = (await page.evaluate(`(async () => {
      for (let i = 0; i < 4; i++) await new Promise((ok) => requestAnimationFrame(ok));
      const canvas = globalThis.neuroplanView3D.canvas;
      const ctx = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d');
      ctx.drawImage(canvas, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000)
        s += String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 0x8000)));
      return { width: canvas.width, height: canvas.height, base64: btoa(s) };
    })()`)) as { width: number; height: number; base64: string };
    return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
  }

  it('paints each contact of a planned electrode in its verdict colour, and nothing without a summary', async () => {
    const { CONTACT_VERDICT_COLORS } = await import('../apps/planner/src/view3d/contactVerdicts.ts');
    // A trajectory from the vertex to 25 mm right of the head's centre, with the anatomy hidden.
    const placed = (await page.evaluate(`(() => {
      const store = globalThis.__neuroplan;
      const s = store.getState();
      for (const n of ['skull', 'brain', 'vessels', 'ventricles']) s.setSurfaceOpacity(n, 0);
      const o = s.scene.headFrame.originLps;
      const target = [o[0] - 25, o[1], o[2] + 5];
      const p = s.scene.skull.positionsLps;
      let best = 0, bestScore = -Infinity;
      for (let i = 0; i < p.length; i += 3) {
        const d = [p[i] - target[0], p[i + 1] - target[1], p[i + 2] - target[2]];
        const score = (-0.3 * d[0] - 0.2 * d[1] + 0.93 * d[2]) / Math.hypot(d[0], d[1], d[2]);
        if (score > bestScore) [bestScore, best] = [score, i];
      }
      s.setPickMode('target');
      store.getState().pickPoint(target);
      store.getState().pickPoint([p[best], p[best + 1], p[best + 2]]);
      const id = store.getState().selectedId;
      return { id };
    })()`)) as { id: string | null };
    expect(placed.id).not.toBeNull();
    await page.locator('[data-view="3d"] [data-action="focus-selected"]').click();
    const before = await canvasPixels();
    expect(countColour(before, CONTACT_VERDICT_COLORS.short)).toBe(0);

    // A summary for this electrode: odd contacts shorted (purple), even ones ok (green), 1–16.
    const report = (n: number) => ({
      index: n - 1,
      label: `${placed.id}-${n}`,
      electrode_id: placed.id,
      contact_number: n,
      verdict: n % 2 ? 'short' : 'ok',
      reasons: [],
      noise_uv: 5,
      spike_rate_hz: 0,
      impedance_kohm: 5,
      impedance_phase_deg: -10,
      lfp_power_uv2: 0,
    });
    const summary = {
      header: { stamp: { sec: 0, nanosec: 0 }, frame_id: '' },
      channels: Array.from({ length: 16 }, (_, i) => report(i + 1)),
      electrode_verdicts: [],
    };
    await page.evaluate(
      (m) =>
        (
          globalThis as unknown as { __neuroplanBci: { getState(): { setSummary(m: unknown): void } } }
        ).__neuroplanBci
          .getState()
          .setSummary(m),
      summary,
    );
    const painted = await canvasPixels();
    await saveScreenshot(page, 'view3d-contact-verdicts', '[data-view="3d"]');
    const purple = countColour(painted, CONTACT_VERDICT_COLORS.short);
    expect(purple).toBeGreaterThan(8);
    expect(countColour(painted, CONTACT_VERDICT_COLORS.ok)).toBeGreaterThan(8);

    await page.evaluate(() =>
      (
        globalThis as unknown as { __neuroplanBci: { getState(): { setSummary(m: unknown): void } } }
      ).__neuroplanBci
        .getState()
        .setSummary(null),
    );
    expect(countColour(await canvasPixels(), CONTACT_VERDICT_COLORS.short)).toBe(0);
  }, 120_000);
});

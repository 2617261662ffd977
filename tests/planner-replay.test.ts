/**
 * Replay in the planner, end to end in Chromium: a recording is made the way `neuroplan sim --record` makes
 * one (attachSimRecording on a RosGraph; the publishers are the synthetic case of packages/cases/test/
 * simCase.ts, 20 s of simulated time at the spec's rates), served by the bridge's recordingsHttpHandler on
 * an ephemeral port (the page is cross-origin isolated and the server another origin), and opened in the
 * real planner build's Replay mode from the server list and from the file input.
 *
 * Expected values are the messages the test itself published (simCase keeps each one with its log time):
 * after a seek to t, the depth, phase and trajectory shown must be those of the last
 * /robot/insertion_status published at or before t; clicking an event seeks to its recorded time; playing
 * at 10× advances recorded time faster than the wall clock. The bytes a seek reads must be a small part of
 * the file (the index is used, the file is not scanned).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RosGraph,
  recordingsHttpHandler,
  startRosbridgeServer,
  type RosbridgeServer,
} from '@neuroplan/ros-sim';
import { attachSimRecording } from '@neuroplan/cases/node';
import { runSimCase, T0_NS, type Published, type SimResult } from '../packages/cases/test/simCase.ts';
import { ReplayRecording, blobReadable } from '../apps/planner/src/replay/recording.ts';
import { skipWithoutChromium } from './browser/harness.ts';
import { saveScreenshot, startPlanner, type Planner } from './planner/harness.ts';
import { scrubTo, settled } from './planner/replayPage.ts';

const skip = skipWithoutChromium('planner-replay.test.ts');

interface Ins {
  phase: string;
  trajectory_id: string;
  depth_mm: number;
}

let dir: string;
let file: string;
let sim: SimResult;
let server: RosbridgeServer;
let base: string;
let planner: Planner;

/** The last insertion status published at or before `tNs` (the oracle: what the test itself sent). */
function expectedAt(tNs: bigint): Published & { msg: Ins } {
  let found: Published | undefined;
  for (const p of sim.published) if (p.topic === '/robot/insertion_status' && p.logTimeNs <= tNs) found = p;
  if (!found) throw new Error(`no insertion status at or before ${tNs}`);
  return found as Published & { msg: Ins };
}

async function checkShownMatchesRecording(page: Page): Promise<bigint> {
  const shown = await settled(page);
  const want = expectedAt(shown.tNs);
  expect(shown.logNs).toBe(want.logTimeNs);
  expect(shown.depth).toBe(want.msg.depth_mm);
  expect(shown.phase).toBe(want.msg.phase);
  expect(shown.traj).toBe(want.msg.trajectory_id);
  return shown.tNs;
}

/** The planner, then Replay in its mode switch (App.tsx mounts the replay screen for that mode). */
async function openReplayMode(page: Page): Promise<void> {
  await page.goto(planner.url);
  await page.getByTestId('mode-replay').click({ timeout: 60_000 });
  await page.getByTestId('replay-view').waitFor({ timeout: 60_000 });
}

/** The recording every test here reads: made once. */
let made: Promise<void> | undefined;
function makeRecording(): Promise<void> {
  made ??= (async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-replay-'));
    const graph = new RosGraph();
    const clock = { ns: T0_NS };
    const rec = await attachSimRecording(graph, { dir, caseId: 'replay-test', clockNs: () => clock.ns });
    sim = runSimCase(rec.recorder, graph, clock, { durationMs: 20_000 });
    await rec.close();
    file = rec.file;
  })();
  return made;
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('planner replay reader (Node: the same module the page uses)', () => {
  it('gives, at 300 instants, the last message published at or before each, reading little per seek', async () => {
    await makeRecording();
    const bytes = readFileSync(file);
    const source = blobReadable(new Blob([bytes]), basename(file));
    const r = await ReplayRecording.open(source);
    expect(r.startNs).toBe(T0_NS);
    let state = 1;
    const rand = () => (state = (state * 48271) % 2147483647) / 2147483647;
    let maxSeek = 0;
    for (let i = 0; i < 300; i++) {
      const t = T0_NS + BigInt(Math.floor(rand() * 20_000_000_000));
      const before = source.bytesRead;
      const got = (await r.stateAt(t, ['/robot/insertion_status'])).get('/robot/insertion_status')!;
      maxSeek = Math.max(maxSeek, source.bytesRead - before);
      const want = expectedAt(t);
      expect(got.logTimeNs).toBe(want.logTimeNs);
      expect(got.message).toEqual(want.msg);
    }
    // Repeated chunks come from the cache; a cold seek reads a few chunks, never the file.
    expect(maxSeek).toBeLessThan(bytes.byteLength / 5);
    const events = await r.events();
    expect(events.filter((e) => e.kind === 'safety_event').map((e) => e.summary)).toContain(
      'critical estop: e-stop latched',
    );
  });
});

describe.skipIf(skip)('planner: replay a case recording (Chromium)', () => {
  beforeAll(async () => {
    await makeRecording();
    server = await startRosbridgeServer({ graph: new RosGraph(), port: 0, http: recordingsHttpHandler(dir) });
    base = `http://127.0.0.1:${server.port}`;
    planner = await startPlanner();
  }, 300_000);

  afterAll(async () => {
    await planner?.close();
    await server?.close();
  });

  it('opens a recording from the robot server, seeks through the index, plays at 10×', async () => {
    const page = await planner.newPage();
    try {
      await openReplayMode(page);
      await page.getByTestId('replay-server').fill(base);
      await page.getByTestId('replay-list').click();
      const entry = page.getByTestId('replay-server-list').getByRole('button', { name: basename(file) });
      await entry.click();
      await expect
        .poll(() => page.getByTestId('replay-case').textContent(), { timeout: 30_000 })
        .toBe('replay-test');

      // Seek into the second insertion (T2 inserts 2.2–3.4 s into the case).
      await scrubTo(page, 2345);
      const t = await checkShownMatchesRecording(page);
      expect(t).toBe(T0_NS + 2_345_000_000n);
      expect(expectedAt(t).msg.phase).toBe('inserting');
      const size = statSync(file).size;
      const seekBytes = Number(await page.getByTestId('replay-bytes').getAttribute('data-seek-bytes'));
      expect(seekBytes).toBeGreaterThan(0);
      expect(seekBytes).toBeLessThan(size / 3);

      // An event seeks to its recorded time: the e-stop latched in the safety state (published at 2.0 s).
      await page
        .getByTestId('replay-events')
        .getByRole('button', { name: /critical estop: e-stop latched/ })
        .click();
      const atEstop = await checkShownMatchesRecording(page);
      expect(atEstop).toBe(T0_NS + 2_000_000_000n);
      await expect.poll(() => page.getByTestId('replay-safety').textContent()).toMatch(/e-stop LATCHED/);
      await expect
        .poll(async () => Number(await page.getByTestId('replay-error-plot').getAttribute('data-points')))
        .toBeGreaterThan(100);

      // Play at 10× from 0.5 s for a moment.
      await scrubTo(page, 500);
      await settled(page);
      await page.getByTestId('replay-speed').selectOption('10');
      const wall0 = Date.now();
      await page.getByTestId('replay-play').click();
      await page.waitForTimeout(300);
      // Pause (unless the end was reached already: then it has stopped by itself).
      const play = page.getByTestId('replay-play');
      if ((await play.getAttribute('aria-pressed')) === 'true') await play.click();
      const wallS = (Date.now() - wall0) / 1000;
      expect(await play.getAttribute('aria-pressed')).toBe('false');
      const after = await checkShownMatchesRecording(page);
      const advancedS = Number(after - (T0_NS + 500_000_000n)) / 1e9;
      expect(advancedS).toBeGreaterThan(2 * wallS);
      expect(advancedS).toBeLessThanOrEqual(10 * wallS + 0.05);
      await saveScreenshot(page, 'replay');
      expect(planner.logs(page).filter((l) => l.startsWith('pageerror'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('opens the same recording from a local file and from a bundle folder, with the BCI summary', async () => {
    const page = await planner.newPage();
    try {
      await openReplayMode(page);
      // Not a recording: a clear error naming the file, nothing opened.
      await page.getByTestId('replay-file').setInputFiles({
        name: 'notes.mcap',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from('hello'),
      });
      await expect
        .poll(() => page.getByTestId('replay-error').textContent(), { timeout: 30_000 })
        .toMatch(/^notes\.mcap: cannot open as an indexed MCAP recording/);
      await page.getByTestId('replay-file').setInputFiles(file);
      await expect
        .poll(() => page.getByTestId('replay-case').textContent(), { timeout: 30_000 })
        .toBe('replay-test');
      await scrubTo(page, 15_000);
      const t = await checkShownMatchesRecording(page);
      expect(expectedAt(t).msg.phase).toBe('done');
      // simCase's last BCI summary: E1 has 7 ok + 1 open, E2 5 ok, 2 open, 1 noisy (counted from what it sent).
      const counts = new Map<string, Map<string, number>>();
      for (const c of sim.lastBci) {
        const m = counts.get(c.electrode_id) ?? new Map<string, number>();
        m.set(c.verdict, (m.get(c.verdict) ?? 0) + 1);
        counts.set(c.electrode_id, m);
      }
      const bci = (await page.getByTestId('replay-bci').textContent()) ?? '';
      for (const [e, m] of counts) {
        expect(bci).toContain(e);
        for (const [v, n] of m) expect(bci).toContain(`${n} ${v}`);
      }

      // A case bundle folder: its recording is found inside it.
      await page.getByTestId('replay-folder').setInputFiles(dir);
      await expect
        .poll(() => page.getByTestId('replay-source').textContent(), { timeout: 30_000 })
        .toBe(`${basename(dir)}/${basename(file)}`);
      await scrubTo(page, 2345);
      await checkShownMatchesRecording(page);
    } finally {
      await page.close();
    }
  }, 120_000);
});

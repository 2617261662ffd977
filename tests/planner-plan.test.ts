/**
 * The planner's plan UI end to end in Chromium (the real app, built by tests/planner/harness.ts): the
 * demo phantom opens and its scene is built; a deep target under the cursor is auto-planned with the A
 * shortcut (the search runs in the planning worker), the first candidate is accepted; the electrode list
 * shows its numbers; the risk profile is drawn and hovering it moves the cursor along the path; the
 * plan is approved, an entry move voids the approval (said in words), Ctrl+Z restores it; the three
 * exports are downloaded and checked here, in Node.
 *
 * Expected values come from outside the planner's code where it matters:
 *  - the accepted trajectory's vessel clearance is measured by packages/planning/test/
 *    vessel-clearance-oracle.py (numpy) against the phantom's ANALYTIC vessels (phantomGroundTruth of the
 *    same seed and size as the demo case), and must be ≥ the required margin;
 *  - the Slicer markups are validated with ajv 8 against Slicer's own schema (markups-schema-v1.0.3.json,
 *    draft-07, a fixture copied from Slicer);
 *  - the binary STL's size must be 84 + 50 · (its triangle count field) and every vertex must lie within
 *    the electrode's radius of the entry–target segment (plain geometry here);
 *  - the plan file must pass parsePlan (schema + consistency) with the accepted points, bit for bit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhantomModel, phantomGroundTruth, type PhantomGroundTruth } from '@neuroplan/imaging';
import { approvalStatus, ElectrodeCatalog, parsePlan, type Vec3 } from '@neuroplan/planning';
import { skipWithoutChromium } from './browser/harness.ts';
import {
  autoPlanOutcome,
  openDemoCase,
  readState,
  ROOT,
  saveScreenshot,
  startPlanner,
  waitForState,
  type PageState,
  type Planner,
} from './planner/harness.ts';

const skip = skipWithoutChromium('planner-plan.test.ts');
const ORACLE = join(ROOT, 'packages', 'planning', 'test', 'vessel-clearance-oracle.py');
const SCHEMA = join(ROOT, 'packages', 'planning', 'test', 'fixtures', 'slicer', 'markups-schema-v1.0.3.json');
const APPROVER = 'Dr Ada Test';

interface Ajv8 {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown };
}
// Planning's ajv 8 (the root's ajv is an older major).
const { Ajv } = createRequire(join(ROOT, 'packages', 'planning', 'package.json'))('ajv') as {
  Ajv: new (o: object) => Ajv8;
};

const work = mkdtempSync(join(tmpdir(), 'neuroplan-planner-plan-'));

/** The demo case's ground truth (the app opens phantom size 160, seed 1) and a deep target in it. */
function demoTruth(): { truth: PhantomGroundTruth; truthPath: string; targetLps: Vec3 } {
  const truth = phantomGroundTruth(buildPhantomModel({ size: 160, seed: 1 }));
  const truthPath = join(work, 'ground-truth.json');
  writeFileSync(truthPath, JSON.stringify(truth));
  // 35 mm right of and 10 mm below the brain centre along the head's own axes: ~25 mm deep in the brain
  // and ~4 mm from a vessel wall, so the best path has a real (non-zero) risk along it.
  const r = truth.anatomy.shells.brainOuter!.axesLps;
  const axis = (k: number): Vec3 => [r[k]!, r[3 + k]!, r[6 + k]!];
  const offsets = [-35, 0, -10];
  const targetLps = truth.brainCenterLps.map(
    (c, i) => c + offsets.reduce((s, o, k) => s + o * axis(k)[i]!, 0),
  ) as Vec3;
  return { truth, truthPath, targetLps };
}

const distToSegment = (p: Vec3, a: Vec3, b: Vec3): number => {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const t = Math.min(
    1,
    Math.max(
      0,
      (ab[0]! * ap[0]! + ab[1]! * ap[1]! + ab[2]! * ap[2]!) / (ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2),
    ),
  );
  return Math.hypot(ap[0]! - t * ab[0]!, ap[1]! - t * ab[1]!, ap[2]! - t * ab[2]!);
};

/** Takes the focus out of any field, so keys go to the shortcuts. */
const blur = (page: Page): Promise<void> =>
  page.evaluate(() =>
    (
      globalThis as unknown as { document: { activeElement: { blur?(): void } | null } }
    ).document.activeElement?.blur?.(),
  );

/** Calls a store action in the page: `act(page, 'moveEndpoint', id, 'entry', p)`. */
const act = (page: Page, action: string, ...args: unknown[]): Promise<void> =>
  page.evaluate(
    ([name, a]) => {
      const store = (
        globalThis as unknown as { __neuroplan: { getState(): Record<string, (...x: unknown[]) => unknown> } }
      ).__neuroplan;
      void store.getState()[name as string]!(...(a as unknown[]));
    },
    [action, args] as const,
  );

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [d] = (await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()])) as [
    Download,
    unknown,
  ];
  const path = join(work, d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

describe.skipIf(skip)('planner: plan, approve, export (Chromium)', () => {
  let planner: Planner;
  let page: Page;
  let logs: string[] = [];
  const { truthPath, targetLps } = demoTruth();
  let accepted: { id: string; entryLps: Vec3; targetLps: Vec3; electrodeId: string };

  beforeAll(async () => {
    planner = await startPlanner();
    page = await planner.newPage();
    logs = planner.logs(page);
    await openDemoCase(page, planner.url, logs);
  }, 300_000);

  afterAll(async () => {
    await planner?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('auto-plans a deep target at the cursor in the worker and accepts the best candidate', async () => {
    await page.evaluate((p) => {
      const store = (
        globalThis as unknown as { __neuroplan: { getState(): { setCursor(p: number[]): void } } }
      ).__neuroplan;
      store.getState().setCursor(p);
    }, targetLps);
    await blur(page);
    await page.keyboard.press('a'); // the auto-plan shortcut, for the cursor point
    await waitForState(
      page,
      (s: PageState) => s.autoPlanStatus === 'working' || s.autoPlanStatus === 'ready',
      {
        timeoutMs: 10_000,
        logs,
      },
    );
    const n = await autoPlanOutcome(page, { timeoutMs: 120_000, logs });
    const explanation = await readState(page, (s: PageState) => s.autoPlanExplanation as string[]);
    expect(n, explanation.join('\n')).toBeGreaterThanOrEqual(1);
    // At least 10,000 entries were tried (the search's own account, shown in the panel).
    const tried = Number(/^([\d,]+) entry candidates/.exec(explanation[0] ?? '')?.[1]?.replace(/,/g, ''));
    expect(tried).toBeGreaterThanOrEqual(10_000);
    await expect.poll(() => page.getByTestId('candidate').count()).toBe(n);
    await saveScreenshot(page, 'plan-candidates');

    await page.getByTestId('accept-candidate').first().click();
    accepted = await waitForState(page, (s: PageState) => {
      const t = s.trajectories[0];
      return t && s.selectedId === t.id && s.assessments[t.id] ? t : null;
    });
    const candidate = await readState(page, (s: PageState) => s.candidates[0].assessment.trajectory);
    expect(accepted.entryLps).toEqual(candidate.entryLps);
    expect(accepted.targetLps).toEqual(candidate.targetLps);
  });

  it('lists the electrode with its score and a vessel clearance ≥ the margin (checked against the analytic vessels)', async () => {
    const row = page.locator(`[data-testid=electrode-row][data-id="${accepted.id}"]`);
    const shown = await readState(page, (s: PageState) => {
      const a = s.assessments[s.trajectories[0].id];
      return {
        score: a.risk.score as number,
        required: s.constraints.minVesselClearanceMm + s.constraints.targetingErrorMm,
      };
    });
    await expect.poll(() => row.getByTestId('score').textContent()).toBe(shown.score.toFixed(3));
    const vesselText = (await row.getByTestId('vessel').textContent()) ?? '';
    const m = /^(-?[\d.]+) mm at ([\d.]+) mm depth$/.exec(vesselText);
    expect(m, vesselText).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(shown.required);
    await expect.poll(() => row.locator('td').nth(2).textContent()).toMatch(/^\d+\.\d mm$/);
    expect(await page.getByTestId('violation').count()).toBe(0);

    const radiusMm = new ElectrodeCatalog().get(accepted.electrodeId);
    const r = radiusMm.kind === 'array' ? 0 : radiusMm.diameterMm / 2;
    const trajFile = join(work, 'accepted.json');
    writeFileSync(
      trajFile,
      JSON.stringify([{ entryLps: accepted.entryLps, targetLps: accepted.targetLps, radiusMm: r }]),
    );
    const [oracle] = JSON.parse(
      execFileSync('/usr/bin/python3', [ORACLE, truthPath, trajFile], { encoding: 'utf8' }),
    ) as {
      clearanceMm: number;
    }[];
    expect(oracle!.clearanceMm).toBeGreaterThanOrEqual(shown.required);
  });

  it('draws the risk profile, and hovering it moves the cursor along the path', async () => {
    const svg = page.getByTestId('risk-profile');
    await expect.poll(() => svg.count()).toBe(1);
    const samples = await readState(
      page,
      (s: PageState) => s.assessments[s.trajectories[0].id].risk.profile.depthMm.length as number,
    );
    const points = await page.getByTestId('clearance-vessel').getAttribute('points');
    expect(points!.trim().split(/\s+/).length).toBe(samples);
    expect(await page.getByTestId('riskiest-point').count()).toBe(1);
    expect(await page.getByTestId('required-clearance').count()).toBe(1);
    const box = (await svg.boundingBox())!;
    await svg.hover({ position: { x: box.width / 2, y: box.height / 2 } });
    const cursor = await readState(page, (s: PageState) => s.cursorLps as Vec3);
    expect(distToSegment(cursor, accepted.entryLps, accepted.targetLps)).toBeLessThan(1e-3);
    const fromEntry = Math.hypot(...(cursor.map((c, i) => c - accepted.entryLps[i]!) as Vec3));
    const length = Math.hypot(...(accepted.targetLps.map((c, i) => c - accepted.entryLps[i]!) as Vec3));
    expect(fromEntry / length).toBeGreaterThan(0.2);
    expect(fromEntry / length).toBeLessThan(0.8);
    await saveScreenshot(page, 'plan-risk-profile', page.locator('.profile'));
  });

  it('approves, voids the approval on an entry move (in words), and undo restores it', async () => {
    const status = page.getByTestId('approval-status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('unapproved');
    await page.getByTestId('approver-name').fill(APPROVER);
    await page.getByTestId('approve').click();
    await expect.poll(() => status.getAttribute('data-state')).toBe('approved');
    expect(await status.textContent()).toContain(`Approved by ${APPROVER}`);
    await saveScreenshot(page, 'plan-approved');

    const e = accepted.entryLps;
    await act(page, 'moveEndpoint', accepted.id, 'entry', [e[0] + 1, e[1], e[2]]);
    await expect.poll(() => status.getAttribute('data-state')).toBe('void');
    expect(await status.textContent()).toMatch(
      new RegExp(`the plan changed after ${APPROVER} approved it at \\d{4}-`),
    );
    await saveScreenshot(page, 'plan-approval-void');
    await saveScreenshot(page, 'plan-approval-void-status', page.getByTestId('approval'));

    await blur(page);
    await page.keyboard.press('Control+z');
    await expect.poll(() => status.getAttribute('data-state')).toBe('approved');
    const entry = await readState(page, (s: PageState) => s.trajectories[0].entryLps as Vec3);
    expect(entry).toEqual(accepted.entryLps);
  });

  it('exports the plan JSON, the Slicer markups and the STL as downloads with valid content', async () => {
    const json = await download(page, 'export-json');
    expect(json.name).toMatch(/\.plan\.json$/);
    const plan = parsePlan(json.bytes.toString('utf8'), json.name);
    expect(plan.trajectories).toHaveLength(1);
    const t = plan.trajectories[0]!;
    expect({ id: t.id, electrodeId: t.electrodeId, entryLps: t.entryLps, targetLps: t.targetLps }).toEqual({
      id: accepted.id,
      electrodeId: accepted.electrodeId,
      entryLps: accepted.entryLps,
      targetLps: accepted.targetLps,
    });
    expect(approvalStatus(plan)).toMatchObject({ state: 'approved', by: APPROVER });
    const caseId = await readState(page, (s: PageState) => s.scene.caseRef.caseId as string);
    expect(plan.caseRef.caseId).toBe(caseId);

    const markups = await download(page, 'export-markups');
    expect(markups.name).toMatch(/\.mrk\.json$/);
    const validate = new Ajv({ strict: false, allErrors: true }).compile(
      JSON.parse(readFileSync(SCHEMA, 'utf8')) as object,
    );
    const doc = JSON.parse(markups.bytes.toString('utf8')) as {
      markups: { type: string; controlPoints: { position: Vec3 }[] }[];
    };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const line = doc.markups.find((m) => m.type === 'Line')!;
    expect(line.controlPoints.map((c) => c.position)).toEqual([accepted.entryLps, accepted.targetLps]);

    const stl = await download(page, 'export-stl');
    expect(stl.name).toMatch(/\.stl$/);
    const triangles = stl.bytes.readUInt32LE(80);
    expect(triangles).toBeGreaterThan(0);
    expect(stl.bytes.length).toBe(84 + 50 * triangles);
    const model = new ElectrodeCatalog().get(accepted.electrodeId);
    const radius = model.kind === 'array' ? Infinity : model.diameterMm / 2;
    let worst = 0;
    for (let k = 0; k < triangles; k++)
      for (let v = 0; v < 3; v++) {
        const o = 84 + 50 * k + 12 + 12 * v;
        const p: Vec3 = [
          stl.bytes.readFloatLE(o),
          stl.bytes.readFloatLE(o + 4),
          stl.bytes.readFloatLE(o + 8),
        ];
        worst = Math.max(worst, distToSegment(p, accepted.entryLps, accepted.targetLps));
      }
    expect(worst).toBeLessThanOrEqual(radius + 1e-3);
    expect(worst).toBeGreaterThan(radius * 0.9);
    await saveScreenshot(page, 'plan-panel', page.getByTestId('plan-panel'));
  });
  it('keeps the plan consistent through picking, refusals, constraint edits, shortcuts and a new case', async () => {
    const state = () =>
      readState(page, (s: PageState) => ({
        ids: s.trajectories.map((t: { id: string }) => t.id) as string[],
        pickMode: s.pickMode as string,
        pending: s.pendingTargetLps as Vec3 | null,
        selectedId: s.selectedId as string | null,
        approval: s.approvalState.state as string,
        planError: s.planError as string | null,
        canUndo: s.canUndo as boolean,
        vesselMargin: s.constraints.minVesselClearanceMm as number,
      }));
    const status = page.getByTestId('approval-status');
    expect(await state()).toMatchObject({ ids: [accepted.id], approval: 'approved' });

    // Picking a new trajectory: target, then entry; an entry on the target is refused in words.
    const second = await readState(
      page,
      (s: PageState) => s.candidates[1].assessment.trajectory as { entryLps: Vec3; targetLps: Vec3 },
    );
    await page.getByTestId('add-electrode').click();
    expect(await state()).toMatchObject({ pickMode: 'target', selectedId: null });
    await expect.poll(() => page.getByTestId('pick-prompt').textContent()).toContain('target');
    await act(page, 'pickPoint', second.targetLps);
    expect(await state()).toMatchObject({ pickMode: 'entry', pending: second.targetLps });
    await act(page, 'pickPoint', [second.targetLps[0] + 0.1, second.targetLps[1], second.targetLps[2]]);
    const refused = await state();
    expect(refused.ids).toEqual([accepted.id]);
    expect(refused.planError).toMatch(/0\.10 mm apart; they must be at least 0\.5 mm apart/);
    await expect.poll(() => page.getByTestId('plan-error').textContent()).toContain('mm apart');
    await act(page, 'pickPoint', second.entryLps);
    const picked = await state();
    expect(picked).toMatchObject({
      ids: [accepted.id, 'E2'],
      selectedId: 'E2',
      pickMode: 'none',
      pending: null,
    });
    expect(picked.approval).toBe('void'); // a new trajectory is a change too
    const e2 = await readState(page, (s: PageState) => s.trajectories[1]);
    expect([e2.entryLps, e2.targetLps]).toEqual([second.entryLps, second.targetLps]);
    await expect.poll(() => page.getByTestId('electrode-row').count()).toBe(2);

    // Keyboard: T / Escape, Delete, undo and both redo keys.
    await blur(page);
    await page.keyboard.press('t');
    expect((await state()).pickMode).toBe('target');
    await page.keyboard.press('Escape');
    expect((await state()).pickMode).toBe('none');
    await page.keyboard.press('Delete');
    expect((await state()).ids).toEqual([accepted.id]);
    await page.keyboard.press('Control+z');
    expect((await state()).ids).toEqual([accepted.id, 'E2']);
    await page.keyboard.press('Control+y');
    expect((await state()).ids).toEqual([accepted.id]);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+Shift+z');
    expect((await state()).ids).toEqual([accepted.id]);
    await expect.poll(() => status.getAttribute('data-state')).toBe('approved');

    // The constraints editor: a 10 mm vessel margin makes E1 break it (in red words), voids the approval; undo.
    const margin = page.getByTestId('constraint-minVesselClearanceMm');
    await margin.fill('10');
    await margin.press('Enter');
    await expect.poll(async () => (await state()).vesselMargin).toBe(10);
    await expect.poll(() => status.getAttribute('data-state')).toBe('void');
    const violation = page.getByTestId('violation').first();
    await expect
      .poll(() => violation.textContent())
      .toMatch(/passes \d+\.\d mm from a vessel at \d+\.\d mm depth; at least 10\.0 mm required/);
    expect(
      await violation.evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el)
            .color,
      ),
    ).toBe('rgb(255, 107, 107)');
    await saveScreenshot(page, 'plan-violation', page.getByTestId('plan-panel'));
    await blur(page);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await state()).vesselMargin).toBe(2);
    await expect.poll(() => margin.inputValue()).toBe('2');
    await expect.poll(() => status.getAttribute('data-state')).toBe('approved');
    await act(page, 'approve', '   ');
    expect((await state()).planError).toBe('type the name of the person who approves the plan');

    // The shortcuts are documented in the panel's help.
    await page.getByTitle('Keyboard shortcuts').click();
    const help = page.getByTestId('shortcuts-help');
    await expect.poll(() => help.textContent()).toMatch(/Ctrl\+Z.*undo.*Delete.*Escape.*auto-plan/s);
    await saveScreenshot(page, 'plan-shortcuts-help', page.getByTestId('plan-panel'));

    // Cancelling a search: the worker stops, the panel says so.
    await act(page, 'autoPlan', targetLps);
    await act(page, 'cancelAutoPlan');
    await waitForState(
      page,
      (s: PageState) => s.autoPlanStatus === 'idle' && s.autoPlanError === 'auto-plan was cancelled',
      { timeoutMs: 10_000, logs },
    );

    // Another case starts a new plan (trajectories, history and approval are the old case's).
    await page.evaluate(() => {
      const store = (
        globalThis as unknown as { __neuroplan: { getState(): PageState; setState(p: object): void } }
      ).__neuroplan;
      const scene = store.getState().scene;
      store.setState({ scene: { ...scene, caseRef: { ...scene.caseRef, caseId: 'another-case' } } });
    });
    expect(await state()).toMatchObject({
      ids: [],
      approval: 'unapproved',
      canUndo: false,
      selectedId: null,
    });
  });
});

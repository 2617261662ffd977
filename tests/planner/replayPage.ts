/** Driving and reading the planner's Replay mode from a browser test (planner-replay, planner-loop). */
import type { Page } from 'playwright-core';

/** Sets the range input as a user drag does (React listens to `input`). */
export async function scrubTo(page: Page, ms: number): Promise<void> {
  await page.getByTestId('replay-scrubber').evaluate((el, v) => {
    // Page-side code; the test's tsconfig has no DOM types.
    const g = globalThis as unknown as {
      HTMLInputElement: { prototype: object };
      Event: new (type: string, init: object) => unknown;
    };
    Object.getOwnPropertyDescriptor(g.HTMLInputElement.prototype, 'value')!.set!.call(el, String(v));
    (el as unknown as { dispatchEvent(e: unknown): boolean }).dispatchEvent(
      new g.Event('input', { bubbles: true }),
    );
  }, ms);
}

/** What the replay panels show once they show the state at the current time. */
export interface ReplayShown {
  tNs: bigint;
  /** Log time of the insertion status shown. */
  logNs: bigint;
  depth: number;
  phase: string;
  /** '' when none. */
  traj: string;
}

/** Waits until the panels show the state at the current time, then returns what they show. */
export async function settled(page: Page): Promise<ReplayShown> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = await page.evaluate(() => {
      type El = { dataset: Record<string, string | undefined>; textContent: string | null };
      const doc = (globalThis as unknown as { document: { querySelector(s: string): El | null } }).document;
      const q = (id: string) => doc.querySelector(`[data-testid="${id}"]`);
      return {
        t: q('replay-time')?.dataset.timeNs ?? '',
        at: q('replay-state')?.dataset.atNs ?? '',
        log: q('replay-depth')?.dataset.logNs ?? '',
        depth: q('replay-depth')?.dataset.value ?? '',
        phase: q('replay-phase')?.textContent ?? '',
        traj: q('replay-trajectory')?.textContent ?? '',
      };
    });
    // The depth's value and log time are set together.
    if (got.t !== '' && got.t === got.at && got.log !== '')
      return {
        tNs: BigInt(got.t),
        logNs: BigInt(got.log),
        depth: Number(got.depth),
        phase: got.phase,
        traj: got.traj === '—' ? '' : got.traj,
      };
    if (Date.now() > deadline) throw new Error(`replay did not settle: ${JSON.stringify(got)}`);
    await page.waitForTimeout(50);
  }
}

/** Driving the planner's Replay mode from a browser test (planner-replay, planner-loop). */
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

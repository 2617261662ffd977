/**
 * Shared by the browser tests that drive the operator screen (planner-operate, planner-loop): the demo
 * target they plan, and reading/waiting on the operator screen's store inside the page.
 */
import type { Page } from 'playwright-core';
import { buildPhantomModel, phantomGroundTruth } from '@neuroplan/imaging';
import type { Vec3 } from '@neuroplan/planning';
import type { PageState } from './harness.ts';

/** A deep target in the demo phantom (the one planner-plan.test.ts plans). */
export function demoTarget(): Vec3 {
  const truth = phantomGroundTruth(buildPhantomModel({ size: 160, seed: 1 }));
  const r = truth.anatomy.shells.brainOuter!.axesLps;
  const axis = (k: number): Vec3 => [r[k]!, r[3 + k]!, r[6 + k]!];
  const offsets = [-35, 0, -10];
  return truth.brainCenterLps.map((c, i) => c + offsets.reduce((s, o, k) => s + o * axis(k)[i]!, 0)) as Vec3;
}

/** The operator screen's store, evaluated in the page. */
export const robotState = <R>(page: Page, fn: (s: PageState) => R): Promise<R> =>
  page.evaluate((src) => {
    const store = (globalThis as { __neuroplanRobot?: { getState(): unknown } }).__neuroplanRobot;
    if (!store) return null as R;
    return (new Function('s', `return (${src})(s);`) as (s: unknown) => R)(store.getState());
  }, fn.toString()) as Promise<R>;

/** Waits until `fn` is truthy in the operator screen's store; on timeout says what the screen showed. */
export async function waitRobot<R>(
  page: Page,
  what: string,
  fn: (s: PageState) => R,
  timeoutMs = 30_000,
): Promise<R> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await robotState(page, fn);
    if (v) return v;
    if (Date.now() > end) {
      const seen = await robotState(page, (s: PageState) => ({
        log: s.log.map((l: { text: string }) => l.text),
        blocking: s.safety?.blocking_reasons ?? null,
        lastGoal: s.lastGoal,
      }));
      throw new Error(
        `waited ${timeoutMs} ms for ${what}; operator screen: ${JSON.stringify(seen, null, 1)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

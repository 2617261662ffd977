/** Numbers as the planner shows them: always with their unit. */
export const mm = (x: number, digits = 1): string => `${x.toFixed(digits)} mm`;
export const deg = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(1)}°`);
export const score = (x: number): string => x.toFixed(3);
/** "2026-11-25 02:41:07 UTC" from an ISO time. */
export const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

/** What wrote a plan (recorded in plan files and, later, case recordings). Keep in step with package.json. */
export const NEUROPLAN_SOFTWARE = { name: 'NeuroPlan', version: '0.1.0' } as const;

/**
 * 3D Slicer markups export/import. The export is validated against Slicer's own published markups
 * schema v1.0.3 (committed unchanged in fixtures/slicer, see ATTRIBUTION.md). Expected coordinates are
 * the plan's points, or written out by hand (RAS = LPS with x and y negated).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSTRAINTS } from '../src/constraints.ts';
import { DEFAULT_ELECTRODES } from '../src/electrodes/catalog.ts';
import { createPlan, type Plan, type PlanEvaluation } from '../src/plan/planFile.ts';
import {
  fromSlicerMarkups,
  SLICER_MARKUPS_SCHEMA_URL,
  toSlicerMarkups,
  toSlicerMarkupsFiles,
  trajectoryMarkups,
} from '../src/plan/slicerMarkups.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`fixtures/slicer/${name}`, import.meta.url), 'utf8'));

const evaluation: PlanEvaluation = {
  score: 0.2,
  vessel: { clearanceMm: 4, depthMm: 10 },
  ventricle: { clearanceMm: 9, depthMm: 30 },
  sulcus: { clearanceMm: 2, depthMm: 4 },
  violations: [],
};
const plan: Plan = createPlan({
  caseRef: { caseId: 'case-002', series: [{ role: 'ct' }] },
  electrodes: DEFAULT_ELECTRODES,
  trajectories: [
    {
      id: 'A',
      electrodeId: 'seeg-10',
      entryLps: [62.125, -14.5, 38.75],
      targetLps: [21.5, -3.25, 12.0],
      label: 'L amygdala',
    },
    { id: 'B', electrodeId: 'seeg-5', entryLps: [-55.2, 30.1, 48.9], targetLps: [-18.7, 12.3, 20.4] },
    { id: 'U1', electrodeId: 'utah-10x10-1.5', entryLps: [40, -20, 60], targetLps: [39.1, -19.4, 58.9] },
  ],
  evaluations: [evaluation, evaluation, evaluation],
  constraints: DEFAULT_CONSTRAINTS,
  software: { name: 'NeuroPlan', version: '0.1.0' },
  createdAt: '2026-11-25T01:00:00Z',
});

const slicerValidator = (() => {
  // Slicer's schema is draft-07 with Slicer's own conventions ('$id' fragments, 'default' values of
  // another type), so ajv's strict mode is off for it; validation itself is unchanged.
  const ajv = new Ajv({ strict: false, allErrors: true });
  return ajv.compile(fixture('markups-schema-v1.0.3.json') as object);
})();

describe('Slicer markups export', () => {
  it('is valid against Slicer’s published markups schema v1.0.3', () => {
    for (const cs of ['LPS', 'RAS'] as const) {
      const file = toSlicerMarkups(plan, { coordinateSystem: cs });
      expect(slicerValidator(file), JSON.stringify(slicerValidator.errors)).toBe(true);
    }
    for (const file of toSlicerMarkupsFiles(plan).values())
      expect(slicerValidator(file), JSON.stringify(slicerValidator.errors)).toBe(true);
    // the validator is not trivially permissive
    const bad = toSlicerMarkups(plan) as unknown as { markups: Record<string, unknown>[] };
    bad.markups[0]!.coordinateSystem = 'XYZ';
    expect(slicerValidator(bad)).toBe(false);
    expect(slicerValidator({ '@schema': SLICER_MARKUPS_SCHEMA_URL })).toBe(false);
  });

  it('writes one Line per trajectory, entry then target, plus its contacts', () => {
    const file = toSlicerMarkups(plan);
    expect(file['@schema']).toBe(SLICER_MARKUPS_SCHEMA_URL);
    const lines = file.markups.filter((m) => m.type === 'Line');
    expect(lines.map((m) => m.name)).toEqual(['A', 'B', 'U1']);
    expect(lines[0]!.coordinateSystem).toBe('LPS');
    expect(lines[0]!.controlPoints.map((p) => p.position)).toEqual([
      [62.125, -14.5, 38.75],
      [21.5, -3.25, 12.0],
    ]);
    expect(lines[0]!.controlPoints.map((p) => p.label)).toEqual(['A-entry', 'A-target']);
    expect(lines[0]!.controlPoints[0]!.description).toContain('L amygdala');
    const contacts = file.markups.filter((m) => m.type === 'Fiducial');
    expect(contacts.map((m) => [m.name, m.controlPoints.length])).toEqual([
      ['A contacts', 10],
      ['B contacts', 5],
      ['U1 contacts', 100],
    ]);
    expect(contacts[0]!.controlPoints[0]!.position).toEqual(plan.trajectories[0]!.contacts[0]!.centerLps);
    expect(toSlicerMarkups(plan, { contacts: false }).markups.every((m) => m.type === 'Line')).toBe(true);

    // RAS by hand: x and y negated
    const ras = trajectoryMarkups(plan.trajectories[0]!, { coordinateSystem: 'RAS', contacts: false });
    expect(ras[0]!.coordinateSystem).toBe('RAS');
    expect(ras[0]!.controlPoints.map((p) => p.position)).toEqual([
      [-62.125, 14.5, 38.75],
      [-21.5, 3.25, 12.0],
    ]);
    expect([...toSlicerMarkupsFiles(plan).keys()]).toEqual(['A.mrk.json', 'B.mrk.json', 'U1.mrk.json']);
  });
});

describe('Slicer markups import', () => {
  it('round trips: export then import gives the same points (LPS and RAS files)', () => {
    for (const cs of ['LPS', 'RAS'] as const) {
      const text = JSON.stringify(toSlicerMarkups(plan, { coordinateSystem: cs }));
      const lines = fromSlicerMarkups(JSON.parse(text), `plan.${cs}.mrk.json`);
      expect(lines).toEqual(
        plan.trajectories.map((t) => ({ id: t.id, entryLps: t.entryLps, targetLps: t.targetLps })),
      );
    }
    for (const [name, file] of toSlicerMarkupsFiles(plan, { coordinateSystem: 'RAS' }))
      expect(fromSlicerMarkups(file, name)).toHaveLength(1);
  });

  it('reads a RAS file laid out like Slicer writes it (point lists skipped)', () => {
    const lines = fromSlicerMarkups(
      fixture('hand-written-line-ras.mrk.json'),
      'hand-written-line-ras.mrk.json',
    );
    expect(lines).toEqual([
      { id: 'RH-amygdala', entryLps: [-68.25, 3.5, -12.0], targetLps: [-22.75, 1.25, -18.5] },
    ]);
  });

  it('accepts µm coordinates, files without a coordinate system (LPS) and unnamed lines', () => {
    const file = {
      '@schema': SLICER_MARKUPS_SCHEMA_URL,
      markups: [
        {
          type: 'Line',
          coordinateUnits: 'um',
          controlPoints: [{ position: [1000, -2500, 500] }, { position: [0, 0, 0] }],
        },
        {
          type: 'Line',
          coordinateUnits: ['mm', 'UCUM', 'millimeter'],
          controlPoints: [{ position: [1, 2, 3] }, { position: [4, 5, 6] }],
        },
        { type: 'Line', name: 'X', controlPoints: [{ position: [1, 2, 3] }, { position: [4, 5, 6] }] },
        { type: 'Line', name: 'X', controlPoints: [{ position: [1, 2, 3] }, { position: [4, 5, 7] }] },
      ],
    };
    expect(slicerValidator(file)).toBe(true);
    expect(fromSlicerMarkups(file, 'f.mrk.json')).toEqual([
      { id: 'L1', entryLps: [1, -2.5, 0.5], targetLps: [0, 0, 0] },
      { id: 'L2', entryLps: [1, 2, 3], targetLps: [4, 5, 6] },
      { id: 'X', entryLps: [1, 2, 3], targetLps: [4, 5, 6] },
      { id: 'X-2', entryLps: [1, 2, 3], targetLps: [4, 5, 7] },
    ]);
  });

  it('names the problem: a line that is not two points, no line, bad units or system', () => {
    const line = (extra: Record<string, unknown>) => ({
      '@schema': SLICER_MARKUPS_SCHEMA_URL,
      markups: [
        {
          type: 'Line',
          name: 'T1',
          controlPoints: [{ position: [0, 0, 0] }, { position: [1, 1, 1] }],
          ...extra,
        },
      ],
    });
    expect(() =>
      fromSlicerMarkups(
        line({ controlPoints: [{ position: [0, 0, 0] }, { position: [1, 1, 1] }, { position: [2, 2, 2] }] }),
        'three.mrk.json',
      ),
    ).toThrow(
      'three.mrk.json: markups[0] (T1): a trajectory line needs exactly 2 control points (entry, target), this one has 3',
    );
    expect(() =>
      fromSlicerMarkups(line({ controlPoints: [{ position: [0, 0, 0] }] }), 'one.mrk.json'),
    ).toThrow('this one has 1');
    expect(() =>
      fromSlicerMarkups({ markups: [{ type: 'Fiducial', controlPoints: [] }] }, 'pts.mrk.json'),
    ).toThrow('pts.mrk.json: the file holds no Line markup');
    expect(() => fromSlicerMarkups(line({ coordinateSystem: 'IJK' }), 'cs.mrk.json')).toThrow(
      'cs.mrk.json: markups[0] (T1): coordinate system "IJK" is neither LPS nor RAS',
    );
    expect(() => fromSlicerMarkups(line({ coordinateUnits: 'inch' }), 'u.mrk.json')).toThrow(
      'coordinate units "inch" are not supported',
    );
    expect(() =>
      fromSlicerMarkups(
        line({ controlPoints: [{ position: [0, 0] }, { position: [1, 1, 1] }] }),
        'p.mrk.json',
      ),
    ).toThrow('p.mrk.json: markups[0] (T1): control point 1 needs a position of three finite numbers');
    expect(() =>
      fromSlicerMarkups(
        line({
          controlPoints: [{ position: [0, 0, 0] }, { position: [1, 1, 1], positionStatus: 'undefined' }],
        }),
        'p.mrk.json',
      ),
    ).toThrow('control point 2 is not placed (undefined)');
    expect(() => fromSlicerMarkups({ points: [] }, 'x.json')).toThrow('x.json: not a Slicer markups file');
    expect(() => fromSlicerMarkups('{', 'x.json')).toThrow('x.json: not valid JSON');
  });
});

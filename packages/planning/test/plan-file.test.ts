/**
 * Plan file and approval. Expected values are computed independently: geometry by hand from the
 * trajectory points and the catalog numbers; the content hash by a separate RFC 8785 (JCS) + SHA-256
 * implementation in Python (hashlib), run at test time.
 */
import { execFileSync } from 'node:child_process';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSTRAINTS, resolveConstraints } from '../src/constraints.ts';
import { DEFAULT_ELECTRODES, ElectrodeCatalog } from '../src/electrodes/catalog.ts';
import { approvalStatus, approvePlan, planContentSha256, withoutApproval } from '../src/plan/approval.ts';
import { canonicalJson, sha256Hex } from '../src/plan/canonicalHash.ts';
import {
  createPlan,
  parsePlan,
  planEvaluationFromAssessment,
  serializePlan,
  type CreatePlanInput,
  type Plan,
  type PlanEvaluation,
} from '../src/plan/planFile.ts';
import type { TrajectoryAssessment } from '../src/assess.ts';
import { PLAN_SCHEMA_V1 } from '../src/plan/planSchema.ts';
import type { Trajectory } from '../src/trajectory.ts';

const evaluationOk: PlanEvaluation = {
  score: 0.125,
  vessel: { clearanceMm: 3.5, depthMm: 12.25 },
  ventricle: { clearanceMm: 8, depthMm: 40 },
  sulcus: { clearanceMm: 1.5, depthMm: 3 },
  entryAngleDeg: 12.5,
  violations: [],
};
const evaluationBad: PlanEvaluation = {
  score: 0.75,
  vessel: { clearanceMm: 0.5, depthMm: 20.5 },
  ventricle: { clearanceMm: 6, depthMm: 30 },
  sulcus: { clearanceMm: 0.25, depthMm: 5 },
  violations: [
    {
      code: 'vessel-clearance',
      message: 'passes 0.5 mm from a vessel at 20.5 mm depth; at least 2.0 mm required',
      depthMm: 20.5,
    },
  ],
};
const trajectories: Trajectory[] = [
  { id: 'E1', electrodeId: 'seeg-8', entryLps: [60, 20, 45], targetLps: [24, 8, 18], label: 'L hippocampus' },
  { id: 'D1', electrodeId: 'dbs-4-0.5', entryLps: [-30, -40, 60], targetLps: [-12, -2, -4] },
];
const input = (): CreatePlanInput => ({
  caseRef: { caseId: 'case-001', patientId: 'P1', series: [{ role: 'ct', seriesInstanceUid: '1.2.3' }] },
  electrodes: DEFAULT_ELECTRODES,
  trajectories,
  evaluations: { E1: evaluationOk, D1: evaluationBad },
  constraints: DEFAULT_CONSTRAINTS,
  software: { name: 'NeuroPlan', version: '0.1.0' },
  createdAt: '2026-11-25T01:00:00.000Z',
});
const samplePlan = (): Plan => createPlan(input());

/** Reverses the key order of every object (same JSON value, different text). */
const reversedKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversedKeys)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reversedKeys(x)]),
        )
      : v;

/**
 * Independent oracle: RFC 8785 canonical JSON written from the RFC (ECMAScript number formatting,
 * UTF-16 key order) in Python, SHA-256 by hashlib; drops 'approval' and 'modifiedAt' like the spec says.
 */
const PY_JCS = String.raw`
import sys, json, hashlib, decimal
def num(x):
    if isinstance(x, bool): raise ValueError
    if isinstance(x, int): return str(x)
    if x == 0: return '0'
    if x.is_integer() and abs(x) < 1e21: return str(int(x))
    sign, digits, exp = decimal.Decimal(repr(abs(x))).normalize().as_tuple()
    d = ''.join(map(str, digits)); k = len(d); n = exp + k
    if k <= n <= 21: s = d + '0' * (n - k)
    elif 0 < n <= 21: s = d[:n] + '.' + d[n:]
    elif -6 < n <= 0: s = '0.' + '0' * (-n) + d
    else:
        e = n - 1
        s = d[0] + ('.' + d[1:] if k > 1 else '') + 'e' + ('+' if e > 0 else '-') + str(abs(e))
    return ('-' if x < 0 else '') + s
def canon(v):
    if v is None: return 'null'
    if v is True: return 'true'
    if v is False: return 'false'
    if isinstance(v, (int, float)): return num(v)
    if isinstance(v, str): return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list): return '[' + ','.join(canon(x) for x in v) + ']'
    keys = sorted(v.keys(), key=lambda s: s.encode('utf-16-be'))
    return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + canon(v[k]) for k in keys) + '}'
plan = json.load(sys.stdin)
plan.pop('approval', None); plan.pop('modifiedAt', None)
print(hashlib.sha256(canon(plan).encode('utf-8')).hexdigest())
`;
const pythonContentHash = (text: string): string =>
  execFileSync('/usr/bin/python3', ['-c', PY_JCS], { input: text, encoding: 'utf8' }).trim();

describe('plan file', () => {
  it('creates a self-contained plan that satisfies the published JSON Schema', () => {
    const plan = samplePlan();
    const ajv = new Ajv({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(PLAN_SCHEMA_V1);
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    // the schema is not trivially permissive
    expect(validate({ ...plan, trajectories: [{ ...plan.trajectories[0], entryLps: [1, 2] }] })).toBe(false);
    expect(validate({ ...plan, extra: 1 })).toBe(false);

    // only the models used, in full
    expect(plan.electrodes.map((m) => m.id)).toEqual(['seeg-8', 'dbs-4-0.5']);
    expect(plan.electrodes[0]).toEqual(DEFAULT_ELECTRODES.find((m) => m.id === 'seeg-8'));
    expect(plan.constraints).toEqual(DEFAULT_CONSTRAINTS);
    expect(plan.trajectories[1]!.evaluation).toEqual(evaluationBad);

    // derived geometry by hand: E1 delta (−36, −12, −27), length √(1296+144+729) = √2169
    const e1 = plan.trajectories[0]!;
    const L = Math.sqrt(2169);
    expect(e1.lengthMm).toBeCloseTo(L, 12);
    expect(e1.directionLps[0]).toBeCloseTo(-36 / L, 12);
    expect(e1.directionLps[2]).toBeCloseTo(-27 / L, 12);
    // seeg-8: tip to contact 1 = 0, 2 mm contacts, 1.5 mm gaps → contact k centre 1 + 3.5(k−1) mm from the tip
    expect(e1.contacts).toHaveLength(8);
    const c8 = e1.contacts[7]!;
    expect(c8.distanceFromTipMm).toBeCloseTo(25.5, 12);
    expect(c8.depthFromEntryMm).toBeCloseTo(L - 25.5, 12);
    expect(c8.centerLps[0]).toBeCloseTo(24 + (36 * 25.5) / L, 10);
  });

  it('takes the evaluation from the planner’s assessment, without the risk profile', () => {
    const assessment = {
      trajectory: trajectories[0]!,
      geometry: { lengthMm: 1, directionLps: [1, 0, 0], contacts: [] },
      risk: {
        score: 0.3,
        vessel: { clearanceMm: 2.5, depthMm: 11 },
        ventricle: { clearanceMm: 7, depthMm: 35 },
        sulcus: { clearanceMm: 0.5, depthMm: 2 },
        riskiestDepthMm: 11,
        riskiestRisk: 0.6,
        profile: { depthMm: new Float32Array(3) },
      },
      entryAngleDeg: 14,
      violations: [{ code: 'entry-angle', message: 'enters at 14° from the normal' }],
      notes: ['the target lies 1.0 mm outside the brain'],
    } as unknown as TrajectoryAssessment;
    const e = planEvaluationFromAssessment(assessment);
    expect(e).toEqual({
      score: 0.3,
      vessel: { clearanceMm: 2.5, depthMm: 11 },
      ventricle: { clearanceMm: 7, depthMm: 35 },
      sulcus: { clearanceMm: 0.5, depthMm: 2 },
      riskiestDepthMm: 11,
      riskiestRisk: 0.6,
      entryAngleDeg: 14,
      violations: [{ code: 'entry-angle', message: 'enters at 14° from the normal' }],
      notes: ['the target lies 1.0 mm outside the brain'],
    });
    expect(createPlan({ ...input(), evaluations: [e, evaluationBad] }).trajectories[0]!.evaluation).toEqual(
      e,
    );
  });

  it('accepts a catalog or a list of evaluations in trajectory order', () => {
    const a = createPlan({
      ...input(),
      electrodes: new ElectrodeCatalog(),
      evaluations: [evaluationOk, evaluationBad],
    });
    expect(a).toEqual(samplePlan());
  });

  it('names what is wrong when creating a plan', () => {
    expect(() => createPlan({ ...input(), evaluations: { E1: evaluationOk } })).toThrow(
      'no evaluation was given for trajectory D1',
    );
    expect(() =>
      createPlan({
        ...input(),
        trajectories: [{ ...trajectories[0]!, electrodeId: 'nope' }],
        evaluations: [evaluationOk],
      }),
    ).toThrow("trajectory E1 uses the unknown electrode 'nope'");
    expect(() =>
      createPlan({
        ...input(),
        trajectories: [trajectories[0]!, trajectories[0]!],
        evaluations: [evaluationOk, evaluationOk],
      }),
    ).toThrow("two trajectories have the id 'E1'");
    expect(() =>
      createPlan({
        ...input(),
        evaluations: { E1: { ...evaluationOk, score: Number.NaN }, D1: evaluationBad },
      }),
    ).toThrow(/trajectories\[0\]\.evaluation\.score/);
    expect(() => createPlan({ ...input(), createdAt: 'yesterday' })).toThrow(
      '"yesterday" is not a valid time',
    );
  });

  it('serializes stably: same plan, same bytes, whatever the key order; round trips exactly', () => {
    const plan = samplePlan();
    const text = serializePlan(plan);
    expect(text.startsWith('{\n  "format": "neuroplan-plan",\n  "version": 1,')).toBe(true);
    expect(serializePlan(reversedKeys(plan) as Plan)).toBe(text);
    const back = parsePlan(JSON.parse(text), 'plan.json');
    expect(back).toEqual(plan);
    expect(serializePlan(back)).toBe(text);
    expect(parsePlan(text, 'plan.json')).toEqual(plan); // the text itself is accepted too
  });

  it('refuses other formats and future versions in words', () => {
    const plan = samplePlan();
    expect(() => parsePlan({ ...plan, version: 2 }, 'future.json')).toThrow(
      'future.json: plan file version 2 was written by a newer NeuroPlan; this one reads version 1 only',
    );
    expect(() => parsePlan({ ...plan, format: 'other' }, 'x.json')).toThrow(
      'x.json: not a NeuroPlan plan (format is "other"',
    );
    expect(() => parsePlan('{"format": ', 'broken.json')).toThrow('broken.json: not valid JSON');
    expect(() => parsePlan([], 'list.json')).toThrow('list.json: a plan file is a JSON object');
  });

  it('reports schema errors with the file and the JSON path', () => {
    const bad = structuredClone(samplePlan()) as unknown as Record<string, unknown> & {
      trajectories: unknown[];
    };
    (bad.trajectories[1] as Record<string, unknown>).entryLps = [1, 2];
    expect(() => parsePlan(bad, 'case/plan.json')).toThrow(
      'case/plan.json: trajectories[1].entryLps must NOT have fewer than 3 items',
    );
    const extra = { ...samplePlan(), colour: 'red' };
    expect(() => parsePlan(extra, 'p.json')).toThrow("p.json: (the top level): unknown field 'colour'");
    const missing = structuredClone(samplePlan()) as unknown as { constraints: Record<string, unknown> };
    delete missing.constraints.maxLengthMm;
    expect(() => parsePlan(missing, 'p.json')).toThrow(
      "p.json: constraints: the field 'maxLengthMm' is missing",
    );
    const code = structuredClone(samplePlan());
    (code.trajectories[1]!.evaluation.violations[0] as { code: string }).code = 'too-close';
    expect(() => parsePlan(code, 'p.json')).toThrow(
      'p.json: trajectories[1].evaluation.violations[0].code must be one of "vessel-clearance"',
    );
    const array = structuredClone(samplePlan());
    (array.electrodes[0] as unknown as Record<string, unknown>).kind = 'array';
    expect(() => parsePlan(array, 'p.json')).toThrow(
      /p\.json: electrodes\[0\]: the field '(rows|columns|pitchMm)' is missing/,
    );
  });

  it('reports inconsistent content by trajectory', () => {
    const moved = samplePlan();
    moved.trajectories[0]!.entryLps[0] += 1;
    expect(() => parsePlan(moved, 'p.json')).toThrow('p.json: trajectories[0] (E1): lengthMm');
    const unknown = samplePlan();
    unknown.trajectories[1]!.electrodeId = 'seeg-5';
    expect(() => parsePlan(unknown, 'p.json')).toThrow(
      "p.json: trajectories[1] (D1): the electrode 'seeg-5' is not among the plan's electrodes",
    );
    const twice = samplePlan();
    twice.trajectories[1]!.id = 'E1';
    expect(() => parsePlan(twice, 'p.json')).toThrow("the id 'E1' is used by an earlier trajectory");
    const contact = samplePlan();
    contact.trajectories[0]!.contacts[2]!.centerLps[1] += 0.5;
    expect(() => parsePlan(contact, 'p.json')).toThrow('trajectories[0] (E1): contacts[2] does not match');
    const model = samplePlan();
    (model.electrodes[0] as { contactCount: number }).contactCount = 50;
    expect(() => parsePlan(model, 'p.json')).toThrow("p.json: electrodes[0]: electrode 'seeg-8'");
    const step = samplePlan();
    step.constraints.sampleStepMm = 0.3;
    expect(() => parsePlan(step, 'p.json')).toThrow('p.json: constraints.sampleStepMm must be <= 0.25');
  });
});

describe('approval', () => {
  it('SHA-256 and canonical JSON agree with independent implementations', () => {
    // FIPS 180-2 test vector, and hashlib on a non-ASCII string
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const s = 'Électrode µ → 深';
    const py = execFileSync(
      '/usr/bin/python3',
      ['-c', 'import sys,hashlib;print(hashlib.sha256(sys.stdin.read().encode()).hexdigest())'],
      {
        input: s,
        encoding: 'utf8',
      },
    ).trim();
    expect(sha256Hex(s)).toBe(py);
    expect(canonicalJson({ b: [1, 2.5, -0, 1e21, 1e-7], a: { d: 'x', c: null } })).toBe(
      '{"a":{"c":null,"d":"x"},"b":[1,2.5,0,1e+21,1e-7]}',
    );
    expect(() => canonicalJson({ x: Number.POSITIVE_INFINITY })).toThrow();
  });

  it('binds the approval to a hash anyone can recompute (Python JCS oracle)', () => {
    const plan = approvePlan(
      samplePlan(),
      { name: 'Dr. Ada Lovelace', role: 'neurosurgeon' },
      '2026-11-25T02:00:00Z',
    );
    expect(plan.approval).toEqual({
      by: 'Dr. Ada Lovelace',
      role: 'neurosurgeon',
      at: '2026-11-25T02:00:00.000Z',
      contentSha256: planContentSha256(plan),
    });
    const text = serializePlan(plan);
    expect(pythonContentHash(text)).toBe(plan.approval!.contentSha256);
    expect(approvalStatus(plan)).toEqual({
      state: 'approved',
      by: 'Dr. Ada Lovelace',
      role: 'neurosurgeon',
      at: '2026-11-25T02:00:00.000Z',
    });
    // survives writing and reading, key order, and bookkeeping fields
    expect(approvalStatus(parsePlan(text, 'p.json')).state).toBe('approved');
    expect(approvalStatus(reversedKeys(plan) as Plan).state).toBe('approved');
    expect(approvalStatus({ ...plan, modifiedAt: '2026-11-26T00:00:00.000Z' }).state).toBe('approved');
    expect(approvalStatus(withoutApproval(plan))).toEqual({ state: 'unapproved' });
    expect(approvalStatus(samplePlan())).toEqual({ state: 'unapproved' });
  });

  it('is voided by any change of content', () => {
    const approved = approvePlan(samplePlan(), 'Dr. B', '2026-11-25T02:00:00.000Z');
    const voidReason = 'the plan changed after Dr. B approved it at 2026-11-25T02:00:00.000Z';
    const changes: [string, (p: Plan) => Plan][] = [
      [
        'entry moved by 1 µm (plan rebuilt, approval carried over)',
        (p) => {
          const moved = trajectories.map((t) =>
            t.id === 'E1'
              ? { ...t, entryLps: [t.entryLps[0] + 0.001, t.entryLps[1], t.entryLps[2]] as typeof t.entryLps }
              : t,
          );
          return { ...createPlan({ ...input(), trajectories: moved }), approval: p.approval! };
        },
      ],
      [
        'entry edited by 1 µm in place',
        (p) => {
          p.trajectories[0]!.entryLps[2] -= 0.001;
          return p;
        },
      ],
      [
        'a constraint changed',
        (p) => ({ ...p, constraints: resolveConstraints({ minVesselClearanceMm: 1.5 }) }),
      ],
      [
        'the targeting error changed',
        (p) => ({ ...p, constraints: { ...p.constraints, targetingErrorMm: 0.5 } }),
      ],
      [
        'an electrode model changed',
        (p) => {
          (p.electrodes[0] as { diameterMm: number }).diameterMm = 0.86;
          return p;
        },
      ],
      [
        'an evaluation changed',
        (p) => {
          p.trajectories[1]!.evaluation.violations = [];
          return p;
        },
      ],
      ['the case changed', (p) => ({ ...p, caseRef: { ...p.caseRef, patientId: 'P2' } })],
      [
        'a label added',
        (p) => {
          p.trajectories[1]!.label = 'STN';
          return p;
        },
      ],
    ];
    for (const [what, change] of changes) {
      const status = approvalStatus(change(structuredClone(approved)));
      expect(status, what).toEqual({
        state: 'void',
        by: 'Dr. B',
        at: '2026-11-25T02:00:00.000Z',
        reason: voidReason,
      });
    }
    // a void plan can be approved again
    const edited = changes[2]![1](structuredClone(approved));
    expect(approvalStatus(approvePlan(edited, 'Dr. C')).state).toBe('approved');
  });

  it('refuses an approval without a name or of an invalid plan', () => {
    expect(() => approvePlan(samplePlan(), '  ')).toThrow('approval: the approver needs a name');
    const bad = samplePlan();
    bad.trajectories[0]!.targetLps[0] += 2;
    expect(() => approvePlan(bad, 'Dr. D')).toThrow('plan to approve: trajectories[0] (E1)');
    expect(() => approvePlan(samplePlan(), 'Dr. D', 'soon')).toThrow(
      'approval time: "soon" is not a valid time',
    );
  });
});

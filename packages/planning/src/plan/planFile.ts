/**
 * The plan file: one JSON document (format 'neuroplan-plan', version 1) that is self-contained — the case
 * it belongs to, the full electrode models, the trajectories with their derived geometry (length,
 * direction, contacts), each trajectory's evaluation, the constraints it was checked with, the software
 * and an optional approval (see approval.ts). `parsePlan` checks a file against the JSON Schema, then
 * that it is consistent (known electrodes, unique ids, derived numbers that match the points), and
 * names the file and the JSON path of the first problems.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { TrajectoryAssessment, Violation } from '../assess.ts';
import { resolveConstraints, type PlanningConstraints } from '../constraints.ts';
import { parseElectrodeModel, type ElectrodeCatalog, type ElectrodeModel } from '../electrodes/catalog.ts';
import type { ClosestApproach } from '../risk/riskModel.ts';
import type { CaseReference } from '../scene/types.ts';
import { trajectoryGeometry, type ContactPosition, type Trajectory } from '../trajectory.ts';
import type { Vec3 } from '../vec.ts';
import { PLAN_FORMAT, PLAN_SCHEMA_V1, PLAN_VERSION } from './planSchema.ts';

/** What the planner found for one trajectory, as stored in the plan (the risk profile is not stored). */
export interface PlanEvaluation {
  /** Risk score, 0 (nothing within any falloff) to 1 (see risk/riskModel.ts). */
  score: number;
  /** Closest approach of the electrode's surface to each structure (clearance and depth from the entry). */
  vessel: ClosestApproach;
  ventricle: ClosestApproach;
  sulcus: ClosestApproach;
  riskiestDepthMm?: number;
  riskiestRisk?: number;
  entryAngleDeg?: number;
  /** Hard constraints broken; empty when the trajectory is feasible. */
  violations: Violation[];
  notes?: string[];
}

/** A trajectory as stored: the user's points plus what derives from them and the electrode. */
export interface PlanTrajectory extends Trajectory {
  lengthMm: number;
  directionLps: Vec3;
  contacts: ContactPosition[];
  evaluation: PlanEvaluation;
}

export interface PlanSoftware {
  name: string;
  version: string;
}

export interface PlanApproval {
  /** Name of the person who approved. */
  by: string;
  role?: string;
  /** ISO 8601 time of the approval. */
  at: string;
  /** SHA-256 (hex) of the canonical JSON of the plan without `approval` and `modifiedAt`. */
  contentSha256: string;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  software: PlanSoftware;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; bookkeeping only, not part of the approved content. */
  modifiedAt?: string;
  caseRef: CaseReference;
  constraints: PlanningConstraints;
  /** The models the trajectories use, in full (a plan does not depend on the reader's catalog). */
  electrodes: ElectrodeModel[];
  trajectories: PlanTrajectory[];
  approval?: PlanApproval;
}

export interface CreatePlanInput {
  caseRef: CaseReference;
  /** The models to draw from (a catalog or a list); only those the trajectories use are stored. */
  electrodes: ElectrodeCatalog | readonly ElectrodeModel[];
  trajectories: readonly Trajectory[];
  /** Per trajectory, by trajectory id, or in the order of `trajectories`. */
  evaluations: Readonly<Record<string, PlanEvaluation>> | readonly PlanEvaluation[];
  constraints: PlanningConstraints;
  software: PlanSoftware;
  /** Default: now. */
  createdAt?: Date | string;
}

/** The stored evaluation from the planner's assessment of one trajectory (the profile is dropped). */
export function planEvaluationFromAssessment(a: TrajectoryAssessment): PlanEvaluation {
  const r = a.risk;
  const out: PlanEvaluation = {
    score: r.score,
    vessel: { ...r.vessel },
    ventricle: { ...r.ventricle },
    sulcus: { ...r.sulcus },
    riskiestDepthMm: r.riskiestDepthMm,
    riskiestRisk: r.riskiestRisk,
    violations: a.violations.map((v) => ({ ...v })),
  };
  if (a.entryAngleDeg !== undefined) out.entryAngleDeg = a.entryAngleDeg;
  if (a.notes.length > 0) out.notes = [...a.notes];
  return out;
}

/** ISO 8601 (UTC) text of a time; `what` names it in the error for an invalid one. */
export function toIsoTime(t: Date | string, what: string): string {
  const d = typeof t === 'string' ? new Date(t) : t;
  if (Number.isNaN(d.getTime())) throw new Error(`${what}: ${JSON.stringify(t)} is not a valid time`);
  return d.toISOString();
}

/** Builds a plan from the planner's parts; throws a named error when a part is missing or invalid. */
export function createPlan(input: CreatePlanInput): Plan {
  const models = Array.isArray(input.electrodes)
    ? (input.electrodes as readonly ElectrodeModel[])
    : (input.electrodes as ElectrodeCatalog).list();
  const byId = new Map(models.map((m) => [m.id, m]));
  const used: ElectrodeModel[] = [];
  const seen = new Set<string>();
  const trajectories = input.trajectories.map((t, i): PlanTrajectory => {
    if (seen.has(t.id)) throw new Error(`plan: two trajectories have the id '${t.id}'`);
    seen.add(t.id);
    const model = byId.get(t.electrodeId);
    if (!model) throw new Error(`plan: trajectory ${t.id} uses the unknown electrode '${t.electrodeId}'`);
    if (!used.includes(model)) used.push(model);
    const evaluation = Array.isArray(input.evaluations)
      ? (input.evaluations as readonly PlanEvaluation[])[i]
      : (input.evaluations as Readonly<Record<string, PlanEvaluation>>)[t.id];
    if (!evaluation) throw new Error(`plan: no evaluation was given for trajectory ${t.id}`);
    const g = trajectoryGeometry(t, model);
    const out: PlanTrajectory = {
      id: t.id,
      electrodeId: t.electrodeId,
      entryLps: [...t.entryLps],
      targetLps: [...t.targetLps],
      lengthMm: g.lengthMm,
      directionLps: [...g.directionLps],
      contacts: g.contacts.map((c) => ({ ...c, centerLps: [...c.centerLps] })),
      evaluation: structuredClone(evaluation),
    };
    if (t.label !== undefined) out.label = t.label;
    return out;
  });
  const plan: Plan = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    software: { name: input.software.name, version: input.software.version },
    createdAt: toIsoTime(input.createdAt ?? new Date(), 'plan: createdAt'),
    caseRef: structuredClone(input.caseRef),
    constraints: structuredClone(input.constraints),
    electrodes: used.map((m) => structuredClone(m)),
    trajectories,
  };
  checkPlan(plan, 'new plan');
  return plan;
}

let validator: ValidateFunction | undefined;
/** The compiled schema validator (compiled once, on first use). */
function validatePlanSchema(value: unknown): readonly ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats.default(ajv, ['date-time']);
    validator = ajv.compile(PLAN_SCHEMA_V1);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** `/trajectories/0/entryLps` → `trajectories[0].entryLps`. */
function jsonPath(pointer: string): string {
  if (pointer === '') return '(the top level)';
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function describe(e: ErrorObject): string {
  const where = jsonPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties':
      return `${where}: unknown field '${String(p.additionalProperty)}'`;
    case 'required':
      return `${where}: the field '${String(p.missingProperty)}' is missing`;
    case 'enum':
      return `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${where} must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

/** The first few schema errors in words (if/then/else wrappers dropped: they repeat the inner error). */
function schemaProblems(value: unknown, max = 3): string[] {
  const errors = validatePlanSchema(value).filter((e) => e.keyword !== 'if');
  const out: string[] = [];
  for (const e of errors) {
    const d = describe(e);
    if (!out.includes(d)) out.push(d);
    if (out.length === max) break;
  }
  return out;
}

const close = (a: number, b: number, tol: number): boolean =>
  Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Schema and consistency checks; throws `<source>: <problem>`. */
function checkPlan(plan: Plan, source: string): void {
  const problems = schemaProblems(plan);
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  try {
    resolveConstraints(plan.constraints);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const models = new Map<string, ElectrodeModel>();
  plan.electrodes.forEach((m, i) => {
    parseElectrodeModel(m, `${source}: electrodes[${i}]`);
    if (models.has(m.id)) throw new Error(`${source}: electrodes[${i}]: the id '${m.id}' appears twice`);
    models.set(m.id, m);
  });
  const ids = new Set<string>();
  plan.trajectories.forEach((t, i) => {
    const where = `${source}: trajectories[${i}] (${t.id})`;
    if (ids.has(t.id)) throw new Error(`${where}: the id '${t.id}' is used by an earlier trajectory`);
    ids.add(t.id);
    const model = models.get(t.electrodeId);
    if (!model)
      throw new Error(`${where}: the electrode '${t.electrodeId}' is not among the plan's electrodes`);
    let g;
    try {
      g = trajectoryGeometry(t, model);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    // Derived numbers are stored for readers without our code; they must match the points and the model.
    const tol = 1e-9;
    if (!close(t.lengthMm, g.lengthMm, tol))
      throw new Error(`${where}: lengthMm ${t.lengthMm} does not match entry→target (${g.lengthMm} mm)`);
    if (!t.directionLps.every((x, k) => close(x, g.directionLps[k]!, tol)))
      throw new Error(`${where}: directionLps does not match entry→target`);
    if (t.contacts.length !== g.contacts.length)
      throw new Error(
        `${where}: ${t.contacts.length} contacts stored, the electrode '${model.id}' has ${g.contacts.length}`,
      );
    t.contacts.forEach((c, k) => {
      const e = g.contacts[k]!;
      const ok =
        c.index === e.index &&
        close(c.depthFromEntryMm, e.depthFromEntryMm, tol) &&
        close(c.distanceFromTipMm, e.distanceFromTipMm, tol) &&
        c.centerLps.every((x, j) => close(x, e.centerLps[j]!, tol));
      if (!ok) throw new Error(`${where}: contacts[${k}] does not match the electrode model and the points`);
    });
  });
}

/** Validates a plan object (e.g. before writing); throws `<source>: <problem>`. */
export function validatePlan(plan: Plan, source = 'plan'): void {
  checkPlan(plan, source);
}

/**
 * Reads a plan from parsed JSON (or its text). Refuses other formats and future versions with a message
 * saying so, then reports the first schema errors by JSON path, then consistency problems.
 */
export function parsePlan(json: unknown, source: string): Plan {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${source}: a plan file is a JSON object`);
  const o = value as Record<string, unknown>;
  if (o.format !== PLAN_FORMAT)
    throw new Error(
      `${source}: not a NeuroPlan plan (format is ${JSON.stringify(o.format)}, expected "${PLAN_FORMAT}")`,
    );
  if (typeof o.version !== 'number' || !Number.isInteger(o.version) || o.version < 1)
    throw new Error(
      `${source}: the plan version must be a whole number ≥ 1, got ${JSON.stringify(o.version)}`,
    );
  if (o.version > PLAN_VERSION)
    throw new Error(
      `${source}: plan file version ${o.version} was written by a newer NeuroPlan; this one reads version ${PLAN_VERSION} only — update NeuroPlan to open it`,
    );
  const plan = structuredClone(value) as Plan;
  checkPlan(plan, source);
  return plan;
}

/** Keys written first, in this order, at any level (the rest follow sorted): readable files. */
const KEY_ORDER: readonly string[] = [
  'format',
  'version',
  'software',
  'createdAt',
  'modifiedAt',
  'caseRef',
  'constraints',
  'electrodes',
  'trajectories',
  'approval',
  'caseId',
  'id',
  'name',
  'kind',
  'electrodeId',
  'label',
  'entryLps',
  'targetLps',
  'lengthMm',
  'directionLps',
  'evaluation',
  'contacts',
  'index',
  'score',
  'violations',
  'code',
  'message',
  'by',
  'role',
  'at',
];

/** Pretty JSON with keys in a fixed order (KEY_ORDER, then sorted) and number arrays on one line. */
function pretty(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => typeof v === 'number'))
      return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    const rank = (k: string): number => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
    keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    const body = keys.map(
      (k) => `${inner}${JSON.stringify(k)}: ${pretty((value as Record<string, unknown>)[k], inner)}`,
    );
    return `{\n${body.join(',\n')}\n${indent}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined || (typeof value === 'number' && !Number.isFinite(value)))
    throw new Error(`plan: ${String(value)} cannot be written to JSON`);
  return text;
}

/** The plan file's text: validated, stable (same plan → same bytes), pretty, ending in a newline. */
export function serializePlan(plan: Plan): string {
  checkPlan(plan, 'plan to write');
  return pretty(plan, '') + '\n';
}

/**
 * The electrode catalog: data, not code. Every model is a plain JSON-able object; users extend the
 * catalog with their own JSON file (`parseElectrodeCatalog`), which is validated field by field so a bad
 * entry is named with its reason and never reaches the planner.
 *
 * Geometry conventions (millimetres):
 *  - linear electrodes ('seeg', 'dbs', 'thread') are inserted along the trajectory; the tip is at the
 *    target. Contact 1 is the deepest (nearest the tip); its distal edge is `tipToFirstContactMm` from
 *    the tip; contacts are `contactLengthMm` long with `contactGapMm` of insulation between them.
 *  - arrays ('array', Utah-style) sit on the cortex: the trajectory runs from the array's insertion
 *    point (entry, on the cortical surface) along its shanks to the depth of the shank tips (target).
 */

export type ElectrodeKind = 'seeg' | 'dbs' | 'thread' | 'array';

interface ElectrodeCommon {
  /** Unique key, e.g. 'seeg-8'. */
  id: string;
  name: string;
  manufacturer?: string;
  /** What the numbers come from (datasheet, paper). */
  reference?: string;
}

/** A shaft with a row of contacts along it: SEEG depth electrodes, DBS leads, flexible micro-threads. */
export interface LinearElectrodeModel extends ElectrodeCommon {
  kind: 'seeg' | 'dbs' | 'thread';
  /** Shaft diameter (for flat threads: the width). */
  diameterMm: number;
  contactCount: number;
  contactLengthMm: number;
  /** Insulation between neighbouring contacts (edge to edge). */
  contactGapMm: number;
  /** From the tip to the distal edge of contact 1. */
  tipToFirstContactMm: number;
  /** Longest usable insertion (shaft length). */
  maxInsertionMm: number;
  /** Threads only: the depth range a robot inserts them to. */
  insertionDepthRangeMm?: [number, number];
}

/** A Utah-style grid of shanks on a base plate, each shank ending in one contact (its tip). */
export interface ArrayElectrodeModel extends ElectrodeCommon {
  kind: 'array';
  rows: number;
  columns: number;
  /** Centre-to-centre spacing of shanks. */
  pitchMm: number;
  shankLengthMm: number;
  /** Diameter at the shank base. */
  shankDiameterMm: number;
  baseThicknessMm: number;
}

export type ElectrodeModel = LinearElectrodeModel | ArrayElectrodeModel;

/**
 * Radius used for clearance: the electrode's half-width (linear) or, for an array, the radius of the
 * circle around its footprint (the whole base lands on the cortex).
 */
export function clearanceRadiusMm(model: ElectrodeModel): number {
  if (model.kind === 'array') {
    const w = (model.columns - 1) * model.pitchMm + model.shankDiameterMm;
    const h = (model.rows - 1) * model.pitchMm + model.shankDiameterMm;
    return Math.hypot(w, h) / 2;
  }
  return model.diameterMm / 2;
}

/** Length of the contact-bearing part of a linear electrode, tip included. */
export const activeLengthMm = (m: LinearElectrodeModel): number =>
  m.tipToFirstContactMm + m.contactCount * m.contactLengthMm + (m.contactCount - 1) * m.contactGapMm;

const seeg = (contacts: number): LinearElectrodeModel => ({
  id: `seeg-${contacts}`,
  name: `SEEG depth electrode, ${contacts} contacts`,
  kind: 'seeg',
  diameterMm: 0.8,
  contactCount: contacts,
  contactLengthMm: 2,
  contactGapMm: 1.5,
  tipToFirstContactMm: 0,
  maxInsertionMm: 120,
  reference: 'Typical SEEG depth electrode: 0.8 mm, 2 mm contacts, 1.5 mm insulation (3.5 mm pitch)',
});

/** The built-in catalog. Users add to it; ids must stay unique. */
export const DEFAULT_ELECTRODES: readonly ElectrodeModel[] = [
  seeg(5),
  seeg(8),
  seeg(10),
  seeg(12),
  seeg(15),
  seeg(18),
  {
    id: 'dbs-4-0.5',
    name: 'DBS lead, 4 contacts, 0.5 mm spacing',
    kind: 'dbs',
    diameterMm: 1.27,
    contactCount: 4,
    contactLengthMm: 1.5,
    contactGapMm: 0.5,
    tipToFirstContactMm: 1.5,
    maxInsertionMm: 120,
    reference: 'Quadripolar DBS lead 1.27 mm, 1.5 mm contacts, 0.5 mm spacing (3389-type)',
  },
  {
    id: 'dbs-4-1.5',
    name: 'DBS lead, 4 contacts, 1.5 mm spacing',
    kind: 'dbs',
    diameterMm: 1.27,
    contactCount: 4,
    contactLengthMm: 1.5,
    contactGapMm: 1.5,
    tipToFirstContactMm: 1.5,
    maxInsertionMm: 120,
    reference: 'Quadripolar DBS lead 1.27 mm, 1.5 mm contacts, 1.5 mm spacing (3387-type)',
  },
  {
    id: 'utah-10x10-1.0',
    name: 'Utah-style array 10×10, 1.0 mm shanks',
    kind: 'array',
    rows: 10,
    columns: 10,
    pitchMm: 0.4,
    shankLengthMm: 1.0,
    shankDiameterMm: 0.08,
    baseThicknessMm: 0.25,
    reference: 'Utah-style array: 10×10 silicon shanks, 400 µm pitch, 1.0 mm long',
  },
  {
    id: 'utah-10x10-1.5',
    name: 'Utah-style array 10×10, 1.5 mm shanks',
    kind: 'array',
    rows: 10,
    columns: 10,
    pitchMm: 0.4,
    shankLengthMm: 1.5,
    shankDiameterMm: 0.08,
    baseThicknessMm: 0.25,
    reference: 'Utah-style array: 10×10 silicon shanks, 400 µm pitch, 1.5 mm long',
  },
  {
    id: 'thread-16',
    name: 'Flexible micro-thread, 16 contacts',
    kind: 'thread',
    diameterMm: 0.05,
    contactCount: 16,
    contactLengthMm: 0.015,
    contactGapMm: 0.185,
    tipToFirstContactMm: 0.1,
    maxInsertionMm: 8,
    insertionDepthRangeMm: [3, 8],
    reference: 'Robot-inserted polymer thread: ~50 µm wide, 16 contacts at 200 µm pitch, 3–8 mm deep',
  },
  {
    id: 'thread-32',
    name: 'Flexible micro-thread, 32 contacts',
    kind: 'thread',
    diameterMm: 0.05,
    contactCount: 32,
    contactLengthMm: 0.015,
    contactGapMm: 0.085,
    tipToFirstContactMm: 0.1,
    maxInsertionMm: 8,
    insertionDepthRangeMm: [3, 8],
    reference: 'Robot-inserted polymer thread: ~50 µm wide, 32 contacts at 100 µm pitch, 3–8 mm deep',
  },
];

/** Catalog lookup that names the id and the known ids when it is missing. */
export class ElectrodeCatalog {
  private readonly byId = new Map<string, ElectrodeModel>();
  constructor(models: readonly ElectrodeModel[] = DEFAULT_ELECTRODES) {
    for (const m of models) this.add(m);
  }
  add(model: ElectrodeModel): void {
    if (this.byId.has(model.id)) throw new Error(`electrode catalog: the id '${model.id}' is already used`);
    this.byId.set(model.id, model);
  }
  get(id: string): ElectrodeModel {
    const m = this.byId.get(id);
    if (!m) throw new Error(`unknown electrode '${id}'; the catalog has ${[...this.byId.keys()].join(', ')}`);
    return m;
  }
  has(id: string): boolean {
    return this.byId.has(id);
  }
  list(): ElectrodeModel[] {
    return [...this.byId.values()];
  }
}

type Check = (v: unknown) => boolean;
const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const count: Check = (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1024;
const text: Check = (v) => typeof v === 'string' && v.length > 0;

const LINEAR_FIELDS: Record<string, [Check, string]> = {
  diameterMm: [positive, 'a positive number (mm)'],
  contactCount: [count, 'an integer from 1 to 1024'],
  contactLengthMm: [positive, 'a positive number (mm)'],
  contactGapMm: [nonNegative, 'a number ≥ 0 (mm)'],
  tipToFirstContactMm: [nonNegative, 'a number ≥ 0 (mm)'],
  maxInsertionMm: [positive, 'a positive number (mm)'],
};
const ARRAY_FIELDS: Record<string, [Check, string]> = {
  rows: [count, 'an integer from 1 to 1024'],
  columns: [count, 'an integer from 1 to 1024'],
  pitchMm: [positive, 'a positive number (mm)'],
  shankLengthMm: [positive, 'a positive number (mm)'],
  shankDiameterMm: [positive, 'a positive number (mm)'],
  baseThicknessMm: [nonNegative, 'a number ≥ 0 (mm)'],
};

/** Validates one model; throws `<source>: electrode <id>: <reason>`. */
export function parseElectrodeModel(value: unknown, source: string): ElectrodeModel {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${source}: an electrode must be an object`);
  const o = value as Record<string, unknown>;
  if (!text(o.id)) throw new Error(`${source}: an electrode needs a non-empty string id`);
  const where = `${source}: electrode '${o.id as string}'`;
  if (!text(o.name)) throw new Error(`${where}: needs a non-empty name`);
  const kinds: ElectrodeKind[] = ['seeg', 'dbs', 'thread', 'array'];
  if (!kinds.includes(o.kind as ElectrodeKind))
    throw new Error(`${where}: kind must be one of ${kinds.join(', ')}, got ${JSON.stringify(o.kind)}`);
  const fields = o.kind === 'array' ? ARRAY_FIELDS : LINEAR_FIELDS;
  for (const [key, [ok, what]] of Object.entries(fields))
    if (!ok(o[key])) throw new Error(`${where}: ${key} must be ${what}, got ${JSON.stringify(o[key])}`);
  for (const key of ['manufacturer', 'reference'])
    if (o[key] !== undefined && typeof o[key] !== 'string') throw new Error(`${where}: ${key} must be text`);
  if (o.kind !== 'array') {
    const range = o.insertionDepthRangeMm;
    if (range !== undefined) {
      if (!Array.isArray(range) || range.length !== 2 || !positive(range[0]) || !positive(range[1]))
        throw new Error(`${where}: insertionDepthRangeMm must be [min, max] in mm`);
      if ((range[0] as number) > (range[1] as number))
        throw new Error(`${where}: insertionDepthRangeMm min ${range[0]} exceeds max ${range[1]}`);
    }
    const m = o as unknown as LinearElectrodeModel;
    if (activeLengthMm(m) > m.maxInsertionMm)
      throw new Error(
        `${where}: its contacts span ${activeLengthMm(m).toFixed(2)} mm, longer than maxInsertionMm ${m.maxInsertionMm}`,
      );
  }
  return structuredClone(o) as unknown as ElectrodeModel;
}

/**
 * A user catalog file: `{"electrodes":[...]}` or a bare array. Returns the default catalog extended by
 * the file's models (an id that repeats a built-in one is an error: name it differently).
 */
export function parseElectrodeCatalog(
  json: unknown,
  source: string,
  base = DEFAULT_ELECTRODES,
): ElectrodeCatalog {
  const list = Array.isArray(json)
    ? json
    : typeof json === 'object' &&
        json !== null &&
        Array.isArray((json as { electrodes?: unknown }).electrodes)
      ? (json as { electrodes: unknown[] }).electrodes
      : undefined;
  if (!list)
    throw new Error(`${source}: an electrode catalog is {"electrodes": [...]} or an array of electrodes`);
  const catalog = new ElectrodeCatalog(base);
  list.forEach((entry, i) => {
    const model = parseElectrodeModel(entry, `${source} [${i}]`);
    if (catalog.has(model.id))
      throw new Error(`${source} [${i}]: the id '${model.id}' is already in the catalog`);
    catalog.add(model);
  });
  return catalog;
}

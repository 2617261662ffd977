/**
 * 3D Slicer markups (`.mrk.json`, markups schema v1.0.3): each trajectory is a "Line" markup with two
 * control points, entry then target; its contacts optionally a "Fiducial" (point list) markup. We write
 * LPS (Slicer's file default; its scene is RAS and it converts on load). Reading accepts LPS or RAS
 * files — RAS negates x and y — and mm or µm units.
 */
import type { Vec3 } from '../vec.ts';
import type { Plan, PlanTrajectory } from './planFile.ts';

export const SLICER_MARKUPS_SCHEMA_URL =
  'https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#';

export type SlicerCoordinateSystem = 'LPS' | 'RAS';

export interface SlicerControlPoint {
  id: string;
  label: string;
  description: string;
  position: Vec3;
  selected: boolean;
  locked: boolean;
  visibility: boolean;
  positionStatus: 'defined';
}

export interface SlicerMarkup {
  type: 'Line' | 'Fiducial';
  name: string;
  coordinateSystem: SlicerCoordinateSystem;
  coordinateUnits: 'mm';
  locked: boolean;
  fixedNumberOfControlPoints: boolean;
  labelFormat: string;
  lastUsedControlPointNumber: number;
  controlPoints: SlicerControlPoint[];
  measurements: { name: string; enabled: boolean; value?: number; units: string; printFormat: string }[];
}

export interface SlicerMarkupsFile {
  '@schema': string;
  markups: SlicerMarkup[];
}

export interface SlicerExportOptions {
  /** Coordinate system written (default 'LPS'). */
  coordinateSystem?: SlicerCoordinateSystem;
  /** Also write each trajectory's contacts as a point list (default true). */
  contacts?: boolean;
}

const toSystem = (p: Vec3, cs: SlicerCoordinateSystem): Vec3 =>
  cs === 'LPS' ? [p[0], p[1], p[2]] : [-p[0], -p[1], p[2]];

function point(id: number, label: string, description: string, p: Vec3, cs: SlicerCoordinateSystem) {
  return {
    id: String(id),
    label,
    description,
    position: toSystem(p, cs),
    selected: true,
    locked: true,
    visibility: true,
    positionStatus: 'defined' as const,
  };
}

/** The markups of one trajectory: its line, then (optionally) its contacts. */
export function trajectoryMarkups(t: PlanTrajectory, options: SlicerExportOptions = {}): SlicerMarkup[] {
  const cs = options.coordinateSystem ?? 'LPS';
  // The markup's name is the trajectory id, so a file read back gives the same ids.
  const name = t.id;
  const about = t.label ? `${t.id}: ${t.label}` : t.id;
  const line: SlicerMarkup = {
    type: 'Line',
    name,
    coordinateSystem: cs,
    coordinateUnits: 'mm',
    locked: true,
    fixedNumberOfControlPoints: true,
    labelFormat: '%N-%d',
    lastUsedControlPointNumber: 2,
    controlPoints: [
      point(1, `${t.id}-entry`, `entry of ${about} (${t.electrodeId})`, t.entryLps, cs),
      point(2, `${t.id}-target`, `target of ${about} (${t.electrodeId})`, t.targetLps, cs),
    ],
    measurements: [
      { name: 'length', enabled: true, value: t.lengthMm, units: 'mm', printFormat: '%-#4.4g%s' },
    ],
  };
  if (options.contacts === false || t.contacts.length === 0) return [line];
  const contacts: SlicerMarkup = {
    type: 'Fiducial',
    name: `${t.id} contacts`,
    coordinateSystem: cs,
    coordinateUnits: 'mm',
    locked: true,
    fixedNumberOfControlPoints: true,
    labelFormat: '%N-%d',
    lastUsedControlPointNumber: t.contacts.length,
    controlPoints: t.contacts.map((c) =>
      point(
        c.index,
        `${t.id}${c.index}`,
        `contact ${c.index} of ${t.id}, ${c.depthFromEntryMm.toFixed(2)} mm from the entry`,
        c.centerLps,
        cs,
      ),
    ),
    measurements: [],
  };
  return [line, contacts];
}

/** One markups file with every trajectory of the plan (Slicer loads each markup as its own node). */
export function toSlicerMarkups(plan: Plan, options: SlicerExportOptions = {}): SlicerMarkupsFile {
  return {
    '@schema': SLICER_MARKUPS_SCHEMA_URL,
    markups: plan.trajectories.flatMap((t) => trajectoryMarkups(t, options)),
  };
}

/** A name safe in any file system: letters, digits, '.', '_' and '-' kept, the rest '_'. */
export const safeFileName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');

/** One markups file per trajectory, by file name (`<trajectory id>.mrk.json`). */
export function toSlicerMarkupsFiles(
  plan: Plan,
  options: SlicerExportOptions = {},
): Map<string, SlicerMarkupsFile> {
  const files = new Map<string, SlicerMarkupsFile>();
  for (const t of plan.trajectories) {
    let name = `${safeFileName(t.id)}.mrk.json`;
    for (let k = 2; files.has(name); k++) name = `${safeFileName(t.id)}-${k}.mrk.json`;
    files.set(name, { '@schema': SLICER_MARKUPS_SCHEMA_URL, markups: trajectoryMarkups(t, options) });
  }
  return files;
}

/** A line read from a markups file: a trajectory without an electrode (the caller picks one). */
export interface ImportedLine {
  /** The markup's name (made unique with '-2', '-3'...), or 'L<n>' for an unnamed one. */
  id: string;
  entryLps: Vec3;
  targetLps: Vec3;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** File units per millimetre; the units may be a string or a DICOM-style [code, scheme, meaning] triple. */
function unitsPerMm(units: unknown, where: string): number {
  const code = Array.isArray(units) ? units[0] : units;
  if (code === undefined || code === 'mm') return 1;
  if (code === 'um') return 1000;
  throw new Error(`${where}: coordinate units ${JSON.stringify(units)} are not supported (mm or um)`);
}

/**
 * The Line markups of a Slicer markups file as trajectories-to-be (entry = first control point, target =
 * second), in LPS mm. Other markup types (point lists, curves...) are skipped; a file without any line,
 * or a line that is not exactly two defined points, is an error naming the markup.
 */
export function fromSlicerMarkups(json: unknown, source: string): ImportedLine[] {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(value) || !Array.isArray(value.markups))
    throw new Error(`${source}: not a Slicer markups file (no "markups" array)`);
  const lines: ImportedLine[] = [];
  const used = new Set<string>();
  value.markups.forEach((m, i) => {
    const where = `${source}: markups[${i}]`;
    if (!isObject(m)) throw new Error(`${where}: a markup must be an object`);
    if (m.type !== 'Line') return;
    const label = typeof m.name === 'string' && m.name.trim() ? m.name.trim() : undefined;
    const named = label ? `${where} (${label})` : where;
    const cs = m.coordinateSystem ?? 'LPS';
    if (cs !== 'LPS' && cs !== 'RAS')
      throw new Error(`${named}: coordinate system ${JSON.stringify(cs)} is neither LPS nor RAS`);
    const perMm = unitsPerMm(m.coordinateUnits, named);
    const cps = Array.isArray(m.controlPoints) ? m.controlPoints : [];
    if (cps.length !== 2)
      throw new Error(
        `${named}: a trajectory line needs exactly 2 control points (entry, target), this one has ${cps.length}`,
      );
    const [entryLps, targetLps] = cps.map((cp, k): Vec3 => {
      const p = isObject(cp) ? cp.position : undefined;
      if (isObject(cp) && cp.positionStatus !== undefined && cp.positionStatus !== 'defined')
        throw new Error(`${named}: control point ${k + 1} is not placed (${String(cp.positionStatus)})`);
      if (!Array.isArray(p) || p.length !== 3 || !p.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw new Error(`${named}: control point ${k + 1} needs a position of three finite numbers`);
      const mm = p.map((x) => (x as number) / perMm) as Vec3;
      return cs === 'LPS' ? mm : [-mm[0] || 0, -mm[1] || 0, mm[2]];
    }) as [Vec3, Vec3];
    const base = label ?? `L${lines.length + 1}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
    used.add(id);
    lines.push({ id, entryLps, targetLps });
  });
  if (lines.length === 0) throw new Error(`${source}: the file holds no Line markup (a trajectory)`);
  return lines;
}

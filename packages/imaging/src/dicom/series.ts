/**
 * DicomHeader[] → VolumePlan[]: which image planes form which volume, in which order, on which grid.
 *
 * Slices are grouped by study, series, orientation, matrix, pixel spacing and stack, then sorted by
 * their position along the slice normal n = row × column (never by InstanceNumber). Whatever is not a
 * clean uniform stack is either split (other orientations, large gaps, separate acquisitions) or
 * resampled onto a uniform orthogonal grid (missing slices, uneven spacing, gantry tilt), and every
 * such decision is reported in words in the plan's warnings.
 */
import { add, cross, dot, mat3FromColumns, normalize, scale, sub, type Vec3 } from '../math.ts';
import type { VolumeMetadata } from '../volume.ts';
import type {
  DicomHeader,
  FrameRef,
  GridGeometry,
  LoadError,
  PlaneGeometry,
  VolumePlan,
  VoxelType,
} from './types.ts';

/** IOP components of one orientation agree within this (after normalising). */
const ORIENTATION_TOLERANCE = 1e-4;
/** Slices closer than this along the normal occupy the same position. */
const SAME_POSITION_MM = 1e-3;
/** A gap larger than this many dominant spacings splits the stack. */
const BIG_GAP_FACTOR = 5;
/** In-plane offsets between slices beyond this are a shear (gantry tilt or shifted slices). */
const SHEAR_TOLERANCE_MM = 0.01;
/** Header tilt and measured tilt agree within this. */
const TILT_AGREEMENT_DEG = 0.5;

interface Slice {
  header: DicomHeader;
  frame: FrameRef;
}

interface PlacedSlice extends Slice {
  geometry: PlaneGeometry;
  /** Position along the group's slice normal, mm. */
  positionMm: number;
}

/** A set of slices that becomes one volume, with what was said about it so far. */
interface Part {
  slices: Slice[];
  placed: boolean;
  normal?: Vec3;
  warnings: string[];
  timePoints?: number;
}

const fmt = (x: number, digits = 2): string => {
  const s = x.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
};
const vec = (v: Vec3, digits = 3): string => `(${v.map((x) => fmt(x, digits)).join(', ')})`;
const baseName = (file: string): string => file.split(/[\\/]/).at(-1) ?? file;
const uniqueFiles = (slices: readonly Slice[]): string[] => [...new Set(slices.map((s) => s.header.file))];
const sliceRows = (s: Slice): number => s.frame.tile?.rows ?? s.header.pixel.rows;
const sliceColumns = (s: Slice): number => s.frame.tile?.columns ?? s.header.pixel.columns;
const seriesName = (s: Slice): string => s.header.seriesInstanceUid || baseName(s.header.file);

const minOf = (values: readonly number[]): number => values.reduce((a, b) => Math.min(a, b), Infinity);
const maxOf = (values: readonly number[]): number => values.reduce((a, b) => Math.max(a, b), -Infinity);

/** The median; for an even count the lower middle value, so one huge gap among two cannot hide itself. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
}

/** Deterministic order independent of the order files were given in; not the stacking order. */
function compareForDeterminism(a: Slice, b: Slice): number {
  for (const key of ['studyInstanceUid', 'seriesInstanceUid'] as const)
    if (a.header[key] !== b.header[key]) return a.header[key] < b.header[key] ? -1 : 1;
  const ia = a.header.instanceNumber ?? Number.MAX_SAFE_INTEGER;
  const ib = b.header.instanceNumber ?? Number.MAX_SAFE_INTEGER;
  if (ia !== ib) return ia - ib;
  if (a.header.file !== b.header.file) return a.header.file < b.header.file ? -1 : 1;
  return a.frame.frameIndex - b.frame.frameIndex;
}

export function planVolumes(headers: DicomHeader[]): { plans: VolumePlan[]; errors: LoadError[] } {
  const errors: LoadError[] = [];
  const slices: Slice[] = [];
  for (const header of headers) {
    if (header.pixel.samplesPerPixel !== 1) {
      errors.push({
        file: header.file,
        reason:
          `colour image (${header.pixel.photometricInterpretation}, ${header.pixel.samplesPerPixel} samples ` +
          'per pixel): colour images are not loaded as volumes',
      });
      continue;
    }
    if (header.frames.length === 0) {
      errors.push({ file: header.file, reason: 'the file holds no image planes' });
      continue;
    }
    for (const frame of header.frames) slices.push({ header, frame });
  }
  slices.sort(compareForDeterminism);

  // Files without a series UID are never stacked with anything else.
  const bySeries = new Map<string, Slice[]>();
  for (const s of slices) {
    const key = `${s.header.studyInstanceUid}\u0000${s.header.seriesInstanceUid || `\u0000${s.header.file}`}`;
    const list = bySeries.get(key);
    if (list) list.push(s);
    else bySeries.set(key, [s]);
  }

  const plans: VolumePlan[] = [];
  const ids = new Set<string>();
  for (const members of bySeries.values()) {
    const parts = planSeries(members, errors);
    const base = seriesName(members[0]!);
    parts.forEach((part, p) => {
      let id = parts.length === 1 ? base : `${base}#${p + 1}`;
      for (let n = 2; ids.has(id); n++) id = `${base}#${p + 1}~${n}`;
      ids.add(id);
      plans.push(buildPlan(part, id));
    });
  }
  return { plans, errors };
}

// ---------------------------------------------------------------- grouping

function planSeries(members: Slice[], errors: LoadError[]): Part[] {
  const uid = seriesName(members[0]!);
  const placed = members.filter((s) => s.frame.geometry !== undefined);
  const unplaced = members.filter((s) => s.frame.geometry === undefined);
  const parts: Part[] = [];
  const seriesWarnings: string[] = [];

  if (unplaced.length > 0) {
    const placedFiles = new Set(placed.map((s) => s.header.file));
    const files = uniqueFiles(unplaced);
    if (placed.length > 0) {
      for (const file of files) {
        if (placedFiles.has(file)) {
          const n = unplaced.filter((s) => s.header.file === file).length;
          seriesWarnings.push(`${n} frame(s) of ${baseName(file)} have no plane position and were left out.`);
        } else
          errors.push({
            file,
            reason:
              `no patient geometry (ImagePositionPatient, ImageOrientationPatient, PixelSpacing) while the ` +
              `other images of series ${uid} have it; left out`,
          });
      }
    } else if (files.length === 1) {
      const first = unplaced[0]!;
      const name = baseName(first.header.file);
      const unplacedNote =
        'shown as one slice at the origin with identity orientation and 1 mm voxels; its positions are not ' +
        'patient coordinates.';
      const part: Part = { slices: [first], placed: false, warnings: [] };
      if (unplaced.length > 1) {
        part.timePoints = unplaced.length;
        part.warnings.push(
          `${name} is a multi-frame image without per-frame positions (e.g. a cine): only the first of its ` +
            `${unplaced.length} frames was loaded, ${unplacedNote}`,
        );
      } else
        part.warnings.push(
          `${name} has no patient geometry (no ImagePositionPatient/ImageOrientationPatient/PixelSpacing, ` +
            `e.g. a secondary capture): ${unplacedNote}`,
        );
      parts.push(part);
    } else {
      for (const file of files)
        errors.push({
          file,
          reason:
            `one of ${files.length} images of series ${uid} without patient geometry (no ImagePositionPatient/` +
            'ImageOrientationPatient/PixelSpacing, e.g. secondary captures): they cannot be stacked into a volume',
        });
    }
  }
  if (placed.length === 0) return parts;

  const groups = groupByPlane(placed);
  const splitNote = groups.length > 1 ? describeSplit(uid, groups) : undefined;
  groups.forEach((group, g) => {
    const warnings = [...seriesWarnings];
    if (splitNote) warnings.push(`${splitNote.text} This volume: ${splitNote.each[g]}.`);
    parts.push(...planStack(group, warnings, errors));
  });
  return parts;
}

const sameOrientation = (a: PlaneGeometry, b: PlaneGeometry): boolean => {
  for (let c = 0; c < 3; c++) {
    if (Math.abs(a.rowDirectionLps[c]! - b.rowDirectionLps[c]!) > ORIENTATION_TOLERANCE) return false;
    if (Math.abs(a.columnDirectionLps[c]! - b.columnDirectionLps[c]!) > ORIENTATION_TOLERANCE) return false;
  }
  return true;
};
const sameSpacing = (a: PlaneGeometry, b: PlaneGeometry): boolean =>
  a.pixelSpacingMm.every((x, i) => Math.abs(x - b.pixelSpacingMm[i]!) <= 1e-4 * Math.max(1, x));
const matrixKey = (s: Slice): string =>
  `${s.header.pixel.rows}x${s.header.pixel.columns}/${sliceRows(s)}x${sliceColumns(s)}`;

/** Orientation, matrix, spacing and stack groups, in order of first appearance. */
function groupByPlane(placed: Slice[]): Slice[][] {
  const groups: Slice[][] = [];
  for (const s of placed) {
    const g = s.frame.geometry!;
    const home = groups.find((group) => {
      const r = group[0]!;
      const rg = r.frame.geometry!;
      return (
        r.frame.stackId === s.frame.stackId &&
        matrixKey(r) === matrixKey(s) &&
        sameOrientation(rg, g) &&
        sameSpacing(rg, g)
      );
    });
    if (home) home.push(s);
    else groups.push([s]);
  }
  return groups;
}

function describeSplit(uid: string, groups: Slice[][]): { text: string; each: string[] } {
  const refs = groups.map((g) => g[0]!);
  const distinct = <T>(values: T[], same: (a: T, b: T) => boolean): number =>
    values.reduce<T[]>((seen, v) => (seen.some((x) => same(x, v)) ? seen : [...seen, v]), []).length;
  const orientations = distinct(
    refs.map((r) => r.frame.geometry!),
    sameOrientation,
  );
  const reasons: string[] = [];
  if (orientations > 1)
    reasons.push(
      `${orientations} orientations (slices that are not parallel, e.g. a localizer or a radial scan)`,
    );
  const matrices = distinct(refs.map(matrixKey), (a, b) => a === b);
  if (matrices > 1) reasons.push(`${matrices} image sizes`);
  const spacings = distinct(
    refs.map((r) => r.frame.geometry!),
    sameSpacing,
  );
  if (spacings > 1) reasons.push(`${spacings} pixel spacings`);
  const stacks = distinct(
    refs.map((r) => r.frame.stackId ?? ''),
    (a, b) => a === b,
  );
  if (stacks > 1) reasons.push(`${stacks} stacks (StackID, echo or other dimension)`);
  const text = `Series ${uid} was split into ${groups.length} volumes because its images have ${reasons.join(', ')}.`;
  const each = refs.map((r) => {
    const g = r.frame.geometry!;
    const parts = [
      `slice normal ${vec(normalize(cross(g.rowDirectionLps, g.columnDirectionLps)))}`,
      `${sliceColumns(r)}×${sliceRows(r)} pixels of ${fmt(g.pixelSpacingMm[1], 4)}×${fmt(g.pixelSpacingMm[0], 4)} mm`,
    ];
    if (r.frame.stackId !== undefined) parts.push(r.frame.stackId);
    return parts.join(', ');
  });
  return { text, each };
}

// ---------------------------------------------------------------- one orientation group

/** Sorts one plane group along its normal; resolves duplicate positions; splits at large gaps. */
function planStack(group: Slice[], warnings: string[], errors: LoadError[]): Part[] {
  const g0 = group[0]!.frame.geometry!;
  const normal = normalize(cross(g0.rowDirectionLps, g0.columnDirectionLps));
  const uid = seriesName(group[0]!);
  const placed: PlacedSlice[] = group.map((s) => ({
    ...s,
    geometry: s.frame.geometry!,
    positionMm: dot(s.frame.geometry!.imagePositionLps, normal),
  }));
  placed.sort((a, b) => a.positionMm - b.positionMm); // stable: ties keep the deterministic order

  const clusters: PlacedSlice[][] = [];
  for (const s of placed) {
    const last = clusters.at(-1);
    if (last && s.positionMm - last[0]!.positionMm <= SAME_POSITION_MM) last.push(s);
    else clusters.push([s]);
  }
  const notes = [...warnings];
  let stack: PlacedSlice[];
  let timePoints: number | undefined;
  if (clusters.every((c) => c.length === 1)) stack = placed;
  else {
    const resolved = resolveDuplicates(clusters, uid, notes, errors);
    if ('split' in resolved)
      return resolved.split.flatMap(([note, sub]) => planStack(sub, [...warnings, note], errors));
    stack = resolved.stack;
    timePoints = resolved.timePoints;
  }

  const runs = splitAtBigGaps(stack);
  if (runs.length > 1) {
    const gaps = runs.slice(1).map((run, r) => {
      const before = runs[r]!.at(-1)!.positionMm;
      const after = run[0]!.positionMm;
      return `${fmt(after - before)} mm between ${fmt(before)} mm and ${fmt(after)} mm`;
    });
    const text =
      `Series ${uid} has ${gaps.length === 1 ? 'a gap' : 'gaps'} of ${gaps.join('; ')} along the slice normal ` +
      `${vec(normal)}, more than ${BIG_GAP_FACTOR}× the ${stack.length > 2 ? 'usual slice spacing' : 'slice thickness'}: ` +
      `split into ${runs.length} volumes.`;
    return runs.map((run) => {
      const part: Part = {
        slices: run,
        placed: true,
        normal,
        warnings: [
          ...notes,
          run.length === 1
            ? `${text} This volume is the single slice at ${fmt(run[0]!.positionMm)} mm.`
            : `${text} This volume covers ${fmt(run[0]!.positionMm)} to ${fmt(run.at(-1)!.positionMm)} mm (${run.length} slices).`,
        ],
      };
      if (timePoints !== undefined) part.timePoints = timePoints;
      return part;
    });
  }
  const part: Part = { slices: stack, placed: true, normal, warnings: notes };
  if (timePoints !== undefined) part.timePoints = timePoints;
  return [part];
}

type Resolved = { stack: PlacedSlice[]; timePoints?: number } | { split: [string, Slice[]][] };

/**
 * Several images at one position: time points of 4D data (keep the first), mosaics of a time series
 * (keep the first file), separate acquisitions (split), or plain duplicates (keep one, name the rest).
 */
function resolveDuplicates(
  clusters: PlacedSlice[][],
  uid: string,
  notes: string[],
  errors: LoadError[],
): Resolved {
  const multi = clusters.filter((c) => c.length > 1);
  const distinctIn = (c: PlacedSlice[], key: (s: PlacedSlice) => number | string | undefined) => {
    const values = c.map(key);
    return values.every((v) => v !== undefined) && new Set(values).size === values.length;
  };

  if (multi.every((c) => distinctIn(c, (s) => s.frame.temporalIndex))) {
    const timePoints = maxOf(clusters.map((c) => c.length));
    const stack = clusters.map((c) =>
      c.reduce((best, s) => (s.frame.temporalIndex! < best.frame.temporalIndex! ? s : best)),
    );
    const first = minOf(stack.map((s) => s.frame.temporalIndex ?? Infinity));
    notes.push(
      `4D data: up to ${timePoints} time points at each of ${clusters.length} positions; only the first ` +
        `time point (temporal index ${first}) was loaded.`,
    );
    return { stack, timePoints };
  }

  if (clusters.every((c) => c.every((s) => s.frame.tile !== undefined))) {
    // A series of mosaics at the same positions is a time series (fMRI, diffusion): keep the first file.
    const headerOf = new Map(clusters.flat().map((s) => [s.header.file, s.header]));
    const files = [...headerOf.keys()].sort((a, b) => {
      const ha = headerOf.get(a)!;
      const hb = headerOf.get(b)!;
      const d = (ha.acquisitionNumber ?? 0) - (hb.acquisitionNumber ?? 0);
      return d !== 0 ? d : (ha.instanceNumber ?? 0) - (hb.instanceNumber ?? 0);
    });
    const keep = files[0]!;
    const stack = clusters.map((c) => c.find((s) => s.header.file === keep) ?? c[0]!);
    notes.push(
      `${files.length} mosaic images at the same slice positions (a time series such as fMRI): only the first, ` +
        `${baseName(keep)}, was loaded.`,
    );
    return { stack, timePoints: files.length };
  }

  const acquisitions = [...new Set(clusters.flat().map((s) => s.header.acquisitionNumber))];
  if (
    acquisitions.length > 1 &&
    multi.every((c) => distinctIn(c, (s) => s.header.acquisitionNumber)) &&
    acquisitions.every((a) => a !== undefined)
  ) {
    acquisitions.sort((a, b) => a! - b!);
    const text =
      `Series ${uid} holds ${acquisitions.length} acquisitions at the same slice positions: ` +
      'split into one volume per acquisition.';
    return {
      split: acquisitions.map((a) => [
        `${text} This volume: acquisition ${a}.`,
        clusters.flat().filter((s) => s.header.acquisitionNumber === a),
      ]),
    };
  }

  const dropped: PlacedSlice[] = [];
  const stack = clusters.map((c) => {
    dropped.push(...c.slice(1));
    return c[0]!;
  });
  const kept = new Map(clusters.flatMap((c) => c.slice(1).map((s) => [s, c[0]!] as const)));
  const shown = dropped
    .slice(0, 12)
    .map((s) => `${describeSlice(s)} (kept ${describeSlice(kept.get(s)!)})`)
    .join('; ');
  // Beyond the 12 images described, still name (the first 12 of) the files that lost images.
  const moreFiles = uniqueFiles(dropped.slice(12)).map(baseName);
  const more =
    dropped.length > 12
      ? `; and ${dropped.length - 12} more, of ${moreFiles.slice(0, 12).join(', ')}` +
        (moreFiles.length > 12 ? ` and ${moreFiles.length - 12} other files` : '')
      : '';
  notes.push(
    `${dropped.length} image(s) at an already occupied slice position were dropped: ${shown}${more}.`,
  );
  // A file none of whose images is used is listed in `errors` too, so every input file is accounted for.
  const used = new Set(stack.map((k) => k.header.file));
  for (const file of uniqueFiles(dropped).filter((f) => !used.has(f))) {
    const first = dropped.find((d) => d.header.file === file)!;
    errors.push({
      file,
      reason:
        `duplicate: its image at ${fmt(first.positionMm)} mm along the slice normal repeats ` +
        `${baseName(kept.get(first)!.header.file)} of series ${uid}; not used`,
    });
  }
  return { stack };
}

const describeSlice = (s: PlacedSlice): string =>
  `${baseName(s.header.file)}${s.header.numberOfFrames > 1 ? ` frame ${s.frame.frameIndex + 1}` : ''} at ${fmt(s.positionMm)} mm`;

/**
 * Splits a sorted stack wherever consecutive slices are more than BIG_GAP_FACTOR dominant spacings
 * apart. Two slices have no usual spacing: their gap is compared with the slice thickness instead.
 */
function splitAtBigGaps(stack: PlacedSlice[]): PlacedSlice[][] {
  if (stack.length < 2) return [stack];
  const gaps = stack.slice(1).map((s, i) => s.positionMm - stack[i]!.positionMm);
  const thickness = stack[0]!.geometry.sliceThicknessMm;
  const dominant = stack.length > 2 ? median(gaps) : thickness;
  if (dominant === undefined) return [stack];
  const runs: PlacedSlice[][] = [[stack[0]!]];
  gaps.forEach((gap, i) => {
    if (gap > BIG_GAP_FACTOR * dominant) runs.push([]);
    runs.at(-1)!.push(stack[i + 1]!);
  });
  return runs.length === 1 ? runs : runs.flatMap(splitAtBigGaps);
}

// ---------------------------------------------------------------- grid and plan

const STORED_TYPES: [VoxelType, number, number][] = [
  ['uint8', 0, 255],
  ['int16', -32768, 32767],
  ['uint16', 0, 65535],
  ['int32', -2147483648, 2147483647],
  ['uint32', 0, 4294967295],
];

/**
 * The smallest integer type that holds every rescaled value the stored bit depth allows, when every
 * slope and intercept is an integer; float32 otherwise (and always for RT Dose and float pixel data).
 */
function chooseVoxelType(slices: Slice[], modality: string): VoxelType {
  if (modality === 'RTDOSE') return 'float32';
  let lo = Infinity;
  let hi = -Infinity;
  for (const { header, frame } of slices) {
    if (header.pixel.floatPixelData) return 'float32';
    const { rescaleSlope: slope, rescaleIntercept: intercept } = frame;
    if (!Number.isInteger(slope) || !Number.isInteger(intercept)) return 'float32';
    const bits = Math.min(header.pixel.bitsStored, 32);
    const [min, max] =
      header.pixel.pixelRepresentation === 1 ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
    const a = min * slope + intercept;
    const b = max * slope + intercept;
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  for (const [type, min, max] of STORED_TYPES) if (lo >= min && hi <= max) return type;
  return 'float32';
}

function metadataOf(part: Part): VolumeMetadata {
  const h = part.slices[0]!.header;
  const m: VolumeMetadata = { source: 'dicom', valueUnit: h.valueUnit };
  const copy = <K extends keyof VolumeMetadata>(key: K, value: VolumeMetadata[K] | undefined) => {
    if (value !== undefined && value !== '') m[key] = value;
  };
  copy('studyInstanceUid', h.studyInstanceUid);
  copy('seriesInstanceUid', h.seriesInstanceUid);
  copy('frameOfReferenceUid', h.frameOfReferenceUid);
  copy('seriesDescription', h.seriesDescription);
  copy('seriesNumber', h.seriesNumber);
  copy('patientId', h.patientId);
  copy('patientName', h.patientName);
  copy('studyDate', h.studyDate);
  copy('windowCenter', h.windowCenter);
  copy('windowWidth', h.windowWidth);
  if (h.pixel.photometricInterpretation.toUpperCase() === 'MONOCHROME1') m.displayInverted = true;
  copy('timePoints', part.timePoints);
  return m;
}

/** What readDicomHeader tolerated in the files of a volume, each note once with the files it concerns. */
function fileNotes(slices: readonly Slice[]): string[] {
  const filesByNote = new Map<string, Set<string>>();
  for (const { header } of slices)
    for (const note of header.notes ?? []) {
      const files = filesByNote.get(note) ?? new Set<string>();
      files.add(baseName(header.file));
      filesByNote.set(note, files);
    }
  return [...filesByNote].map(([note, set]) => {
    const files = [...set];
    const who =
      files.length === 1
        ? files[0]!
        : `${files.length} files (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''})`;
    return `${who}: ${note}.`;
  });
}

function buildPlan(part: Part, id: string): VolumePlan {
  const first = part.slices[0]!;
  const header = first.header;
  const warnings = [...part.warnings, ...fileNotes(part.slices)];
  let grid: GridGeometry;
  let reconstruction: VolumePlan['reconstruction'] = { kind: 'direct' };
  if (!part.placed) {
    grid = {
      dimensions: [sliceColumns(first), sliceRows(first), 1],
      spacingMm: [1, 1, 1],
      originLps: [0, 0, 0],
      directionLps: mat3FromColumns([1, 0, 0], [0, 1, 0], [0, 0, 1]),
    };
  } else {
    const stacked = stackGeometry(part.slices as PlacedSlice[], part.normal!, warnings);
    grid = stacked.grid;
    reconstruction = stacked.reconstruction;
  }
  const modality = header.modality;
  return {
    id,
    modality,
    pixel: header.pixel,
    voxelType: chooseVoxelType(part.slices, modality),
    metadata: metadataOf(part),
    warnings,
    sources: part.slices.map((s) => ({ file: s.header.file, frame: s.frame })),
    grid,
    reconstruction,
  };
}

/**
 * The grid of a sorted, duplicate-free stack. Uniform, unsheared stacks map slice s to k = s. Otherwise
 * the grid is orthogonal (k along the slice normal) at the dominant spacing, covers every slice, and the
 * voxels are interpolated from the stack.
 */
function stackGeometry(
  stack: PlacedSlice[],
  normal: Vec3,
  warnings: string[],
): { grid: GridGeometry; reconstruction: VolumePlan['reconstruction'] } {
  const s0 = stack[0]!;
  const g0 = s0.geometry;
  const row = g0.rowDirectionLps;
  const column = g0.columnDirectionLps;
  const [rowSpacing, columnSpacing] = g0.pixelSpacingMm;
  const columns = sliceColumns(s0);
  const rows = sliceRows(s0);
  const directionLps = mat3FromColumns(row, column, normal);
  const origin0 = g0.imagePositionLps;
  const tiltHeader = s0.header.gantryTiltDeg;

  if (stack.length === 1) {
    let thickness = g0.sliceThicknessMm;
    if (thickness === undefined) {
      thickness = 1;
      warnings.push('Single slice without SliceThickness: its extent along the normal is shown as 1 mm.');
    }
    return {
      grid: {
        dimensions: [columns, rows, 1],
        spacingMm: [columnSpacing, rowSpacing, thickness],
        originLps: origin0,
        directionLps,
      },
      reconstruction: { kind: 'direct' },
    };
  }

  const positions = stack.map((s) => s.positionMm);
  const gaps = positions.slice(1).map((p, i) => p - positions[i]!);
  const dominant = median(gaps);
  const tolerance = Math.max(0.01 * dominant, Math.min(0.01, 0.25 * dominant));
  const extent = positions.at(-1)! - positions[0]!;
  // Uniform: every gap matches the even spacing first-to-last and no position drifts from it (the
  // micrometre slack absorbs decimal-string rounding of positions written to 0.01 mm).
  const even = extent / (stack.length - 1);
  const drift = maxOf(positions.map((p, s) => Math.abs(p - positions[0]! - s * even)));
  const uniform = gaps.every((g) => Math.abs(g - even) <= tolerance + 1e-6) && drift <= tolerance + 1e-6;

  // In-plane offset of each slice's corner from the first slice's, in mm along row and column.
  const offsets = stack.map((s) => {
    const d = sub(s.geometry.imagePositionLps, origin0);
    return [dot(d, row), dot(d, column)] as [number, number];
  });
  const sheared = offsets.some(([u, v]) => Math.hypot(u, v) > SHEAR_TOLERANCE_MM);

  if (uniform && !sheared) {
    if (tiltHeader !== undefined && Math.abs(tiltHeader) > 0.01)
      warnings.push(
        `The header's Gantry/Detector Tilt (0018,1120) is ${fmt(tiltHeader)}°, but the slice positions are not ` +
          'sheared: the geometry is used as the positions give it.',
      );
    return {
      grid: {
        dimensions: [columns, rows, stack.length],
        spacingMm: [columnSpacing, rowSpacing, extent / (stack.length - 1)],
        originLps: origin0,
        directionLps,
      },
      reconstruction: { kind: 'direct' },
    };
  }

  let spacingK: number;
  let nk: number;
  if (uniform) {
    spacingK = extent / (stack.length - 1);
    nk = stack.length;
  } else {
    spacingK = dominant;
    nk = Math.floor(extent / dominant + 0.02) + 1;
    warnings.push(describeSpacing(gaps, positions, dominant, tolerance, nk, drift));
  }

  let ni = columns;
  let nj = rows;
  let originLps = origin0;
  if (sheared) {
    const us = offsets.map(([u]) => u);
    const vs = offsets.map(([, v]) => v);
    const [minU, maxU, minV, maxV] = [minOf(us), maxOf(us), minOf(vs), maxOf(vs)];
    ni = Math.ceil((maxU - minU) / columnSpacing + columns - 1 - 1e-6) + 1;
    nj = Math.ceil((maxV - minV) / rowSpacing + rows - 1 - 1e-6) + 1;
    originLps = add(add(origin0, scale(row, minU)), scale(column, minV));
    warnings.push(describeShear(offsets, positions, tiltHeader, [ni, nj, nk]));
  }
  return {
    grid: {
      dimensions: [ni, nj, nk],
      spacingMm: [columnSpacing, rowSpacing, spacingK],
      originLps,
      directionLps,
    },
    reconstruction: { kind: 'resample', sliceOriginsLps: stack.map((s) => s.geometry.imagePositionLps) },
  };
}

function describeSpacing(
  gaps: number[],
  positions: number[],
  dominant: number,
  tolerance: number,
  nk: number,
  drift: number,
): string {
  const missing: string[] = [];
  const uneven: string[] = [];
  let missingCount = 0;
  gaps.forEach((gap, i) => {
    if (Math.abs(gap - dominant) <= tolerance) return;
    const m = Math.round(gap / dominant);
    const where = `between ${fmt(positions[i]!)} mm and ${fmt(positions[i + 1]!)} mm`;
    if (m >= 2 && Math.abs(gap - m * dominant) <= tolerance) {
      missingCount += m - 1;
      missing.push(`${m - 1} ${where} (a ${fmt(gap)} mm gap)`);
    } else uneven.push(`${fmt(gap)} mm ${where}`);
  });
  const said: string[] = [];
  const upTo = (items: string[]) =>
    items.length <= 8 ? items.join('; ') : `${items.slice(0, 8).join('; ')}; and ${items.length - 8} more`;
  if (missing.length)
    said.push(
      `${missingCount} slice${missingCount > 1 ? 's are' : ' is'} missing along the normal: ${upTo(missing)}`,
    );
  if (uneven.length) said.push(`slice spacing is not uniform: ${upTo(uneven)}`);
  if (said.length === 0)
    said.push(
      `slice positions drift up to ${fmt(drift, 3)} mm from an even spacing, each gap being nearly the usual one`,
    );
  return (
    `${said.join('; and ')} (usual spacing ${fmt(dominant, 3)} mm). The stack was resampled onto a uniform ` +
    `${fmt(dominant, 3)} mm grid of ${nk} slices by linear interpolation between neighbouring slices` +
    (missing.length ? ', which fills the missing slices.' : '.')
  );
}

function describeShear(
  offsets: [number, number][],
  positions: number[],
  tiltHeader: number | undefined,
  dims: [number, number, number],
): string {
  // Least-squares shear per mm along the normal; a gantry tilt makes the offsets exactly linear.
  let su = 0;
  let sv = 0;
  let ss = 0;
  offsets.forEach(([u, v], s) => {
    const d = positions[s]! - positions[0]!;
    su += u * d;
    sv += v * d;
    ss += d * d;
  });
  const [tu, tv] = [su / ss, sv / ss];
  const residual = maxOf(
    offsets.map(([u, v], s) => {
      const d = positions[s]! - positions[0]!;
      return Math.hypot(u - tu * d, v - tv * d);
    }),
  );
  const tilt = (Math.atan(Math.hypot(tu, tv)) * 180) / Math.PI;
  const grid = `${dims[0]}×${dims[1]}×${dims[2]}`;
  const after =
    `resampled onto an orthogonal grid (k along the slice normal) of ${grid} voxels that covers every slice; ` +
    'voxels outside the acquired slices are set to the lowest value in the data.';
  if (residual > 0.05) {
    const largest = maxOf(offsets.map(([u, v]) => Math.hypot(u, v)));
    return `Slices are shifted within their planes by up to ${fmt(largest)} mm relative to each other (not a constant tilt): ${after}`;
  }
  let header = '';
  if (tiltHeader !== undefined)
    header =
      Math.abs(Math.abs(tiltHeader) - tilt) <= TILT_AGREEMENT_DEG
        ? ` (the header's Gantry/Detector Tilt (0018,1120) of ${fmt(tiltHeader)}° agrees)`
        : ` (the header's Gantry/Detector Tilt (0018,1120) says ${fmt(tiltHeader)}°; the slice positions were used)`;
  return (
    `Gantry tilt of ${fmt(tilt)}°${header}: the slices are parallel but each is shifted in its plane as the stack ` +
    `advances, so the stack is not orthogonal; ${after}`
  );
}

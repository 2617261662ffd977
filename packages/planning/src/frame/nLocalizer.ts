/**
 * N-localizer (R. A. Brown, "A computerized tomography-computer graphics approach to stereotaxic
 * localization", J Neurosurg 50:715–720, 1979; its Z formula is restated in R. A. Brown, "Comparative
 * accuracies of the N-localizer and Sturm-Pastyr localizer in the presence of image noise", Cureus,
 * https://www.cureus.com/articles/35595). Each plate of the localizer box carries an "N": two rods parallel to the
 * frame's Z axis and a diagonal rod joining the top of one to the bottom of the other. Any image plane cuts
 * the three rods in three collinear dots A (first rod), B (diagonal), C (last rod). Because A, B and C lie on
 * the line where the image plane meets the plate's plane, B's fractional position t = |AB| / |AC| along
 * A→C equals its fractional position along the diagonal, whatever the plane's tilt; so B's frame
 * coordinates are diagonalStart + t·(diagonalEnd − diagonalStart). Three plates give three such points per
 * image, each paired with its image position: the input of `registerFrame`.
 */
import { dot, isFiniteVec3, norm, sub, type Vec3 } from '../vec.ts';
import type { FramePair } from './pairedPoint.ts';

export type PlateName = 'left' | 'right' | 'anterior';

export interface NPlateGeometry {
  /** Leksell frame position (mm) of the diagonal rod's end on the plate's FIRST vertical rod (dots[0]). */
  diagonalStartXyz: Vec3;
  /** Leksell frame position (mm) of the diagonal rod's end on the plate's LAST vertical rod (dots[2]). */
  diagonalEndXyz: Vec3;
  /** Which vertical rod is the first one, in words (the order in which the dots must be given). */
  firstRod: string;
}

export interface LocalizerGeometry {
  name: string;
  plates: Partial<Record<PlateName, NPlateGeometry>>;
}

/**
 * The Leksell G CT/MR indicator box as we model it (data, not code: pass your own geometry to override).
 * Leksell frame coordinates: X grows to the patient's left, Y anteriorly, Z inferiorly, centre (100, 100,
 * 100) — see leksell.ts. Assumed from public descriptions, to be checked against the box in use: each N is
 * 120 mm wide and 120 mm tall (vertical rods from Z = 40 to Z = 160, a 45° diagonal, so on an axial image
 * Z = 40 + the distance from the first rod to the diagonal dot); the lateral plates lie 95 mm from the centre
 * (X = 195 left, X = 5 right) with rods at Y = 40 and Y = 160; the anterior plate lies at Y = 195 with rods at
 * X = 40 and X = 160 (box 190 mm across, as in the open-source Leksell Z-frame model of IM2Neuroing's
 * SlicerStereotactic, ZFrame.scad: N_HEIGHT = N_WIDTH = 120, BOX = 190). Diagonals run from the
 * superior end (Z = 40) of the first rod to the inferior end (Z = 160) of the last rod.
 */
export const LEKSELL_G_LOCALIZER: LocalizerGeometry = {
  name: 'Leksell G indicator box (assumed geometry)',
  plates: {
    left: {
      diagonalStartXyz: [195, 40, 40],
      diagonalEndXyz: [195, 160, 160],
      firstRod: 'the posterior rod',
    },
    right: {
      diagonalStartXyz: [5, 40, 40],
      diagonalEndXyz: [5, 160, 160],
      firstRod: 'the posterior rod',
    },
    anterior: {
      diagonalStartXyz: [40, 195, 40],
      diagonalEndXyz: [160, 195, 160],
      firstRod: "the rod on the patient's right",
    },
  },
};

export interface PlateDots {
  plate: PlateName;
  /** The plate's three dots on one image (LPS mm), in order from its first rod (see NPlateGeometry.firstRod). */
  dots: [Vec3, Vec3, Vec3];
}

export interface LocalizedFiducial extends FramePair {
  plate: PlateName;
}

const FILE = 'frame/nLocalizer';
/** The middle dot may sit this far off the line through the outer two (noise, partial volume): max(mm, fraction). */
const OFF_LINE_MM = 1;
const OFF_LINE_FRACTION = 0.02;
/** Slack on t ∈ [0, 1] for noisy dots near a rod's end. */
const T_SLACK = 0.02;
/** |AC| over the rod spacing: ≥ ~1 (a plane perpendicular to the rods), 2 = a plane tilted 60°. */
const SPAN_RATIO: [number, number] = [0.95, 2];

/**
 * For each plate's three dots on one image, the frame position of the diagonal rod's dot (Brown's formula)
 * paired with its image position. Throws a named error for an unknown plate, non-finite dots, dots that are
 * not collinear, a middle dot outside the outer two, or outer dots whose spacing does not fit the plate.
 */
export function nLocalizerPoints(
  dotsLps: PlateDots[],
  geometry: LocalizerGeometry = LEKSELL_G_LOCALIZER,
): LocalizedFiducial[] {
  if (!Array.isArray(dotsLps)) throw new Error(`${FILE}: dotsLps must be an array`);
  return dotsLps.map((entry, i) => {
    const where = `entry ${i} (${String(entry?.plate)} plate)`;
    const plate = geometry.plates[entry?.plate];
    if (!plate)
      throw new Error(
        `${FILE}: ${where}: ${geometry.name} has no plate named '${String(entry?.plate)}' (it has ${Object.keys(geometry.plates).join(', ')})`,
      );
    if (!Array.isArray(entry.dots) || entry.dots.length !== 3 || !entry.dots.every(isFiniteVec3))
      throw new Error(`${FILE}: ${where}: dots must be three points of three finite numbers (LPS mm)`);
    const [a, b, c] = entry.dots;
    const ac = sub(c, a);
    const span = norm(ac);
    const d = sub(plate.diagonalEndXyz, plate.diagonalStartXyz);
    const rodSpacing = Math.hypot(d[0], d[1]);
    if (!(span >= SPAN_RATIO[0] * rodSpacing && span <= SPAN_RATIO[1] * rodSpacing))
      throw new Error(
        `${FILE}: ${where}: the outer dots are ${span.toFixed(1)} mm apart but the plate's rods are ${rodSpacing.toFixed(1)} mm apart; ` +
          'these are not the three dots of one plate on one image',
      );
    const ab = sub(b, a);
    const t = dot(ab, ac) / (span * span);
    const offLine = norm(sub(ab, [ac[0] * t, ac[1] * t, ac[2] * t]));
    if (offLine > Math.max(OFF_LINE_MM, OFF_LINE_FRACTION * span))
      throw new Error(
        `${FILE}: ${where}: the middle dot is ${offLine.toFixed(2)} mm off the line through the outer two; the three dots of an N plate are collinear`,
      );
    if (t < -T_SLACK || t > 1 + T_SLACK)
      throw new Error(
        `${FILE}: ${where}: the middle (diagonal) dot is not between the outer two (t = ${t.toFixed(3)}); dots must be given in order from ${plate.firstRod}`,
      );
    const tc = Math.min(1, Math.max(0, t));
    const s = plate.diagonalStartXyz;
    return {
      plate: entry.plate,
      frameXyz: [s[0] + tc * d[0], s[1] + tc * d[1], s[2] + tc * d[2]],
      imageLps: [b[0], b[1], b[2]],
    };
  });
}

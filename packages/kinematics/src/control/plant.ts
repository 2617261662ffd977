/**
 * The plant of the prismatic insertion axis (1 DOF), in SI units inside (m, s, kg, N, A).
 *
 * Chain: current-controlled BLDC motor → precision ball screw → carriage with the needle holder → rigid needle
 * (needle deflection is ignored: the tip moves with the carriage). A linear optical encoder reads the carriage.
 * Numbers are typical of a small precision linear stage; each field says where it comes from.
 */
import { ControlCommandError, requireFinite, requireNonNegative, requirePositive } from './errors.ts';

export interface PlantParams {
  /** Motor torque constant, N·m/A. ∅16–22 mm precision BLDC class (maxon EC 16/EC 22 datasheets: 5–20 mN·m/A). */
  torqueConstantNmPerA: number;
  /** Rotor + coupling inertia, kg·m². Same motor class: 1–5 g·cm². */
  rotorInertiaKgM2: number;
  /** Winding resistance Ω and inductance H: only set the current-loop time constant reported by `plantDerived`. */
  windingResistanceOhm: number;
  windingInductanceH: number;
  /** Closed current-loop time constant of the drive, s (a PI current loop at ~3 kHz bandwidth: 53 µs). */
  currentLoopTimeConstantS: number;
  /** Peak current the drive allows, A (sets the force limit). */
  currentLimitA: number;
  /** Ball-screw lead, m per revolution (∅6 × 2 mm precision ball screw). */
  screwLeadM: number;
  /** Ball-screw mechanical efficiency (0.85–0.95 for ground ball screws). */
  screwEfficiency: number;
  /** Carriage + needle holder + needle mass, kg. */
  carriageMassKg: number;
  /** Viscous friction of guide + screw, N·s/m. */
  viscousFrictionNsPerM: number;
  /** Coulomb (kinetic) friction, N, and static (breakaway) friction, N; Stribeck velocity, m/s. */
  coulombFrictionN: number;
  staticFrictionN: number;
  stribeckVelocityMPerS: number;
  /** Needle–tissue force: constant cutting part N plus shaft friction N per m of depth (brain: tens of mN). */
  needleCuttingForceN: number;
  needleShaftFrictionNPerM: number;
  /** Velocity scale of the needle–tissue force's smooth sign, m/s. */
  needleForceVelocityScaleMPerS: number;
  /** Encoder quantum, m (linear optical encoder, 20 µm grating interpolated ×400 → 50 nm; the issue asks ≤ 0.1 µm). */
  encoderQuantumM: number;
  /** Encoder read noise (interpolation jitter), m RMS. */
  encoderNoiseM: number;
  /** Measurement latency (encoder → controller), s, rounded to whole control periods. */
  measurementLatencyS: number;
  /** Actuation latency (controller → drive), s, rounded to whole control periods. */
  actuationLatencyS: number;
  /** Plant integration sub-steps per control period (the plant runs this many times faster than the controller). */
  substeps: number;
}

export const DEFAULT_PLANT: Readonly<PlantParams> = Object.freeze({
  torqueConstantNmPerA: 0.0102,
  rotorInertiaKgM2: 2.0e-7,
  windingResistanceOhm: 1.0,
  windingInductanceH: 1.0e-4,
  currentLoopTimeConstantS: 53e-6,
  currentLimitA: 4,
  screwLeadM: 2e-3,
  screwEfficiency: 0.9,
  carriageMassKg: 0.25,
  viscousFrictionNsPerM: 20,
  coulombFrictionN: 1.5,
  staticFrictionN: 2.0,
  stribeckVelocityMPerS: 2e-4,
  needleCuttingForceN: 0.02,
  needleShaftFrictionNPerM: 5,
  needleForceVelocityScaleMPerS: 1e-4,
  encoderQuantumM: 50e-9,
  encoderNoiseM: 10e-9,
  measurementLatencyS: 100e-6,
  actuationLatencyS: 100e-6,
  substeps: 2,
});

export interface PlantDerived {
  /** Mass seen at the carriage: m + J·(2π/lead)², kg (the rotor dominates with a fine screw). */
  equivalentMassKg: number;
  /** Carriage force per motor ampere: Kt·2π/lead·η, N/A. */
  forcePerAmpN: number;
  /** Largest carriage force, N. */
  forceLimitN: number;
  /** Electrical time constant L/R, s (the drive's current loop is faster than the plant's mechanics). */
  electricalTimeConstantS: number;
}

export function validatePlant(p: PlantParams): void {
  for (const key of [
    'torqueConstantNmPerA',
    'rotorInertiaKgM2',
    'windingResistanceOhm',
    'windingInductanceH',
    'currentLimitA',
    'screwLeadM',
    'screwEfficiency',
    'carriageMassKg',
  ] as const) {
    requirePositive(p[key], `plant.${key}`);
  }
  for (const key of [
    'currentLoopTimeConstantS',
    'viscousFrictionNsPerM',
    'coulombFrictionN',
    'staticFrictionN',
    'needleCuttingForceN',
    'needleShaftFrictionNPerM',
    'encoderNoiseM',
    'measurementLatencyS',
    'actuationLatencyS',
    'encoderQuantumM',
  ] as const) {
    requireNonNegative(p[key], `plant.${key}`);
  }
  requirePositive(p.stribeckVelocityMPerS, 'plant.stribeckVelocityMPerS');
  requirePositive(p.needleForceVelocityScaleMPerS, 'plant.needleForceVelocityScaleMPerS');
  requireFinite(p.substeps, 'plant.substeps');
  if (!Number.isInteger(p.substeps) || p.substeps < 1 || p.substeps > 64) {
    throw new ControlCommandError('invalid-config', 'plant.substeps must be an integer in 1..64');
  }
}

export function plantDerived(p: PlantParams): PlantDerived {
  const k = (2 * Math.PI) / p.screwLeadM;
  const forcePerAmpN = p.torqueConstantNmPerA * k * p.screwEfficiency;
  return {
    equivalentMassKg: p.carriageMassKg + p.rotorInertiaKgM2 * k * k,
    forcePerAmpN,
    forceLimitN: forcePerAmpN * p.currentLimitA,
    electricalTimeConstantS: p.windingInductanceH / p.windingResistanceOhm,
  };
}

/** Mutable state of the axis. */
export interface PlantState {
  positionM: number;
  velocityMPerS: number;
  currentA: number;
}

let cachedTau = NaN;
let cachedDt = NaN;
let cachedDecay = 0;
function currentDecay(tau: number, dt: number): number {
  if (tau !== cachedTau || dt !== cachedDt) {
    cachedTau = tau;
    cachedDt = dt;
    cachedDecay = tau > 0 ? Math.exp(-dt / tau) : 0;
  }
  return cachedDecay;
}

/**
 * Needle–tissue force on the carriage, N (opposes the needle's motion relative to the tissue): cutting force plus
 * shaft friction growing with depth, with a smooth sign over `needleForceVelocityScaleMPerS`. Zero outside tissue.
 */
export function needleForceN(p: PlantParams, depthM: number, relativeVelocityMPerS: number): number {
  if (depthM <= 0) return 0;
  return (
    (p.needleCuttingForceN + p.needleShaftFrictionNPerM * depthM) *
    Math.tanh(relativeVelocityMPerS / p.needleForceVelocityScaleMPerS)
  );
}

/**
 * Advances the axis by `dt` seconds under a current command (already limited) and an external load force
 * (`loadForceN`, e.g. the needle–tissue force, opposing positive motion when positive).
 * Friction uses a Karnopp stick–slip step so that Coulomb/Stribeck friction stays stable at any dt: the carriage
 * sticks when the friction impulse available in this step can stop it.
 */
export function stepPlant(
  p: PlantParams,
  d: PlantDerived,
  s: PlantState,
  currentCommandA: number,
  loadForceN: number,
  dt: number,
): void {
  // Current loop: first-order lag, discretised exactly (decay factor cached per dt).
  s.currentA =
    currentCommandA + (s.currentA - currentCommandA) * currentDecay(p.currentLoopTimeConstantS, dt);
  const drive = d.forcePerAmpN * s.currentA - loadForceN;
  const m = d.equivalentMassKg;
  const v = s.velocityMPerS;
  // Velocity without dry friction (viscous part implicit for stability).
  const vFree = (m * v + drive * dt) / (m + p.viscousFrictionNsPerM * dt);
  const speed = Math.abs(vFree);
  const vs = p.stribeckVelocityMPerS;
  const ratio = speed / vs;
  // Stribeck bump: below 1e-11 of its height past 5 vs, so skip the exp there.
  const dry =
    ratio < 5
      ? p.coulombFrictionN + (p.staticFrictionN - p.coulombFrictionN) * Math.exp(-ratio * ratio)
      : p.coulombFrictionN;
  const dryImpulseSpeed = (dry * dt) / m;
  let vNew: number;
  if (speed <= dryImpulseSpeed)
    vNew = 0; // stuck (or stopping within this step)
  else vNew = vFree - Math.sign(vFree) * dryImpulseSpeed;
  s.positionM += 0.5 * (v + vNew) * dt;
  s.velocityMPerS = vNew;
}

/** Servo-loop simulation of the insertion axis with brain-motion compensation. */
export { ControlCommandError, type ControlRejectionCode } from './errors.ts';
export {
  DEFAULT_PLANT,
  plantDerived,
  stepPlant,
  needleForceN,
  validatePlant,
  type PlantParams,
  type PlantDerived,
  type PlantState,
} from './plant.ts';
export {
  BrainMotion,
  DEFAULT_BRAIN_MOTION,
  NO_BRAIN_MOTION,
  validateBrainMotion,
  type BrainMotionParams,
  type QuasiPeriodicComponent,
} from './brainMotion.ts';
export { SurfacePredictor, DEFAULT_PREDICTOR, type PredictorParams } from './predictor.ts';
export {
  DEFAULT_MOTION_LIMITS,
  InsertionProfile,
  checkInsertionPlan,
  validateInsertionPlan,
  type InsertionPlan,
  type MotionLimits,
  type PlanValidation,
  type ProfilePoint,
} from './profile.ts';
export {
  DEFAULT_CONTROLLER,
  DEFAULT_INSERTION_SIMULATION,
  DEFAULT_SURFACE_SENSOR,
  controllerGains,
  resolveSimulationConfig,
  simulateInsertion,
  simulateStepResponse,
  type BrainCompensation,
  type ControllerGains,
  type ControllerParams,
  type InsertionSimulationConfig,
  type InsertionSimulationOptions,
  type InsertionSimulationResult,
  type SaturationReport,
  type SimulationTraces,
  type SurfaceSensorParams,
} from './simulate.ts';
export * from './servo.ts';

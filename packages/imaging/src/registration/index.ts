/** Rigid CT–MR (and MR–MR) registration by Mattes mutual information. */
export {
  registerRigid,
  type RigidInitialization,
  type RigidLevelReport,
  type RigidRegistrationOptions,
  type RigidRegistrationResult,
} from './register.ts';
export {
  eulerAnglesOf,
  eulerFromMatrix,
  eulerRotation,
  eulerToMatrix,
  invertRigidMatrix,
  rotationDifferenceDeg,
  type EulerParameters,
} from './rigid.ts';
export { MattesMutualInformation, type MattesSamples } from './mattesMi.ts';
export {
  foregroundMoments,
  foregroundThreshold,
  principalAxesRotations,
  symmetricEigenvectors,
  type Moments,
} from './initialize.ts';
export { pyramidLevel } from './pyramid.ts';
export { regularStepGradientDescent, type StepDescentOptions, type StepDescentResult } from './optimizer.ts';

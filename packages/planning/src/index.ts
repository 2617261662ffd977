/** @neuroplan/planning: electrode trajectory planning (browser-safe; file access lives in '/node'). */
export * from './vec.ts';
export * from './electrodes/catalog.ts';
export * from './trajectory.ts';
export * from './constraints.ts';
export * from './scene/types.ts';
export * from './risk/riskModel.ts';
export * from './scene/sampleMaps.ts';
export * from './frame/index.ts';
export * from './plan/planSchema.ts';
export * from './plan/planFile.ts';
export * from './plan/canonicalHash.ts';
export * from './plan/approval.ts';
export * from './plan/slicerMarkups.ts';
export * from './plan/electrodeMesh.ts';
export * from './software.ts';
export * from './auto/segmentDistance.ts';
export * from './auto/multiElectrode.ts';
export * from './auto/threadSites.ts';
export {
  buildPlanningScene,
  vesselAllowanceMm,
  type PlanningSceneInput,
  type PlanningSceneOptions,
} from './scene/buildScene.ts';
export {
  allowedEntryMask,
  entryRegionProblem,
  entryProblemInFrame,
  headAngles,
} from './scene/entryRegion.ts';
export { headFrameFromMoments } from './scene/headFrame.ts';
export { signedWallDistance } from './scene/distanceChannels.ts';
export {
  outerSkullSurface,
  type SkullSurfaceOptions,
  type SkullSurfaceResult,
} from './scene/skullSurface.ts';
export * from './scene/surfaceIndex.ts';
export * from './assess.ts';
export * from './auto/entrySearch.ts';
export * from './auto/planSet.ts';
export * from './risk/evaluate.ts';
export * from './risk/scoreBatch.ts';

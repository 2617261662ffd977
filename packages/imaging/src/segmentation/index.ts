/** Segmentation: label maps, thresholds, morphology, components, vesselness, centrelines, anatomy. */
export * from './labelMap.ts';
export { type Grid, type Connectivity } from './grid.ts';
export { dilate, erode, open, close, fillHoles, boundaryVoxels } from './morphology.ts';
export { connectedComponents, largestComponent, keepComponents, type Components } from './components.ts';
export { thresholdRange, otsuThresholds, hysteresisThreshold, type OtsuOptions } from './threshold.ts';
export { gaussianKernel, hessianAtScale, symmetricEigenvalues3, type Hessian } from './hessian.ts';
export { frangiVesselness, type FrangiOptions, type FrangiResult } from './frangi.ts';
export {
  extractCenterlines,
  type CenterlineBranch,
  type Centerlines,
  type CenterlineOptions,
} from './centerline.ts';
export { segmentVessels, type VesselOptions, type VesselSegmentation } from './vessels.ts';
export { segmentSkull, type SkullOptions } from './skull.ts';
export { segmentBrainT1, type BrainOptions, type BrainSegmentation } from './brain.ts';
export { segmentVentricles, type VentricleOptions, type VentricleSegmentation } from './ventricles.ts';
export { sulcalDepth, type SulcalDepthResult } from './sulci.ts';
export { corticalSurface, type CorticalSurface, type CorticalSurfaceOptions } from './cortex.ts';

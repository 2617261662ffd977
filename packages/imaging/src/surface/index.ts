/** Iso-surfaces of volumes and label maps, mesh smoothing, decimation, measurement and mesh files. */
export { extractIsosurface, type IsosurfaceOptions } from './marchingCubes.ts';
export { computeVertexNormals, withVertexNormals, vertexCount, triangleCount, type Mesh } from './mesh.ts';
export { meshAreaMm2, meshVolumeMm3, checkWatertight, type WatertightReport } from './measure.ts';
export { smoothMesh, type SmoothOptions } from './smooth.ts';
export {
  meshToStl,
  meshToObj,
  meshToPly,
  meshToFile,
  meshFormatFromPath,
  MESH_FILE_NOTE,
  type MeshFileFormat,
} from './meshFiles.ts';
export { decimateMesh, type DecimateOptions } from './decimate.ts';
export { largestMeshPiece } from './largestPiece.ts';

/**
 * vtk.js's rendering profiles that cornerstone3D registers (OpenGL and WebGPU classes for volumes and
 * geometry): a stage of their own when the 2D views load (loadViews2d.ts).
 */
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';

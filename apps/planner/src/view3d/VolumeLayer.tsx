/**
 * Volume rendering of the CT with vtk.js (ray casting, vtkVolumeMapper) in its own canvas under the
 * three.js canvas, following the three.js camera each time that one draws a frame. The two layers do
 * not share a depth buffer: the surfaces are composited over the rendering (lower their opacity to look
 * into it). The vtk.js WebGL context exists only while the layer is on, and is released when it is
 * turned off (a page has at most 16 contexts and the 2D views hold several).
 */
import { useEffect, useRef, type RefObject } from 'react';
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor';
import vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import { Vector3 } from 'three';
import type { Volume } from '@neuroplan/imaging';
import { useStore } from '../store/index.ts';
import { BACKGROUND } from './palette.ts';
import type { SceneApi } from './Scene3D.tsx';

/** Our Volume as vtkImageData (same LPS world; vtk wants the i, j, k axes as consecutive triples). */
function toImageData(v: Volume) {
  const d = v.directionLps;
  const image = vtkImageData.newInstance();
  image.setDimensions([...v.dimensions]);
  image.setSpacing([...v.spacingMm]);
  image.setOrigin([...v.originLps]);
  image.setDirection(d[0]!, d[3]!, d[6]!, d[1]!, d[4]!, d[7]!, d[2]!, d[5]!, d[8]!);
  image
    .getPointData()
    .setScalars(vtkDataArray.newInstance({ name: 'HU', numberOfComponents: 1, values: v.scalars }));
  return image;
}

/** A bone-and-skin look for CT in HU: faint soft tissue, opaque bone. */
function ctTransferFunctions() {
  const color = vtkColorTransferFunction.newInstance();
  color.addRGBPoint(-1000, 0, 0, 0);
  color.addRGBPoint(-200, 0.55, 0.3, 0.2);
  color.addRGBPoint(60, 0.85, 0.6, 0.5);
  color.addRGBPoint(300, 0.95, 0.88, 0.72);
  color.addRGBPoint(1500, 1, 1, 0.95);
  const opacity = vtkPiecewiseFunction.newInstance();
  opacity.addPoint(-1000, 0);
  opacity.addPoint(-300, 0);
  opacity.addPoint(0, 0.02);
  opacity.addPoint(150, 0.02);
  opacity.addPoint(400, 0.35);
  opacity.addPoint(1500, 0.85);
  return { color, opacity };
}

const hexToRgb = (hex: string): [number, number, number] => [
  parseInt(hex.slice(1, 3), 16) / 255,
  parseInt(hex.slice(3, 5), 16) / 255,
  parseInt(hex.slice(5, 7), 16) / 255,
];

export function VolumeLayer(props: { api: RefObject<SceneApi> }) {
  const container = useRef<HTMLDivElement>(null);
  const ct = useStore((s) => s.series.find((x) => x.role === 'ct')?.volume);

  useEffect(() => {
    const div = container.current;
    if (!div || !ct) return;
    const renderWindow = vtkRenderWindow.newInstance();
    const renderer = vtkRenderer.newInstance({ background: hexToRgb(BACKGROUND) });
    renderWindow.addRenderer(renderer);
    const glWindow = vtkOpenGLRenderWindow.newInstance();
    renderWindow.addView(glWindow);
    glWindow.setContainer(div);
    // The mappers ask the interactor whether the view is animating; it gets no events (three.js has them).
    const interactor = vtkRenderWindowInteractor.newInstance();
    interactor.setView(glWindow);
    interactor.enable(); // it only draws when enabled (initialize() would also draw once, needlessly)

    const mapper = vtkVolumeMapper.newInstance();
    mapper.setInputData(toImageData(ct));
    mapper.setSampleDistance(Math.min(...ct.spacingMm));
    const actor = vtkVolume.newInstance();
    actor.setMapper(mapper);
    const { color, opacity } = ctTransferFunctions();
    actor.getProperty().setRGBTransferFunction(0, color);
    actor.getProperty().setScalarOpacity(0, opacity);
    actor.getProperty().setInterpolationTypeToLinear();
    actor.getProperty().setShade(true);
    actor.getProperty().setAmbient(0.3);
    actor.getProperty().setDiffuse(0.7);
    renderer.addVolume(actor);

    const vtkCamera = renderer.getActiveCamera();
    const up = new Vector3();
    // Ray casting is the costly part: redraw only when the camera or the canvas size really changed.
    let drawn = '';
    let sizeKey = '';
    const follow: NonNullable<SceneApi['onFrame']> = (camera, target) => {
      up.setFromMatrixColumn(camera.matrixWorld, 1);
      const key = [...camera.position.toArray(), ...target.toArray(), ...up.toArray(), camera.fov, sizeKey]
        .map((x) => (typeof x === 'number' ? x.toFixed(3) : x))
        .join();
      if (key === drawn) return;
      drawn = key;
      vtkCamera.setPosition(camera.position.x, camera.position.y, camera.position.z);
      vtkCamera.setFocalPoint(target.x, target.y, target.z);
      vtkCamera.setViewUp(up.x, up.y, up.z);
      vtkCamera.setViewAngle(camera.fov);
      vtkCamera.setClippingRange(camera.near, camera.far);
      renderWindow.render();
    };
    const resize = () => {
      const dpr = Math.min(2, window.devicePixelRatio || 1);
      const width = Math.max(1, Math.floor(div.clientWidth * dpr));
      const height = Math.max(1, Math.floor(div.clientHeight * dpr));
      sizeKey = `${width}x${height}`;
      glWindow.setSize(width, height);
      props.api.current.invalidate();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(div);
    resize();
    const api = props.api.current;
    api.onFrame = follow;
    api.invalidate();
    return () => {
      observer.disconnect();
      if (api.onFrame === follow) api.onFrame = undefined;
      const gl = glWindow.getCanvas()?.getContext('webgl2');
      renderer.removeVolume(actor);
      actor.delete();
      mapper.delete();
      interactor.delete();
      glWindow.delete();
      renderWindow.delete();
      gl?.getExtension('WEBGL_lose_context')?.loseContext(); // give the context back now, not at GC
      div.replaceChildren();
    };
  }, [ct, props.api]);

  return (
    <div
      ref={container}
      data-layer="volume-rendering"
      style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }}
    />
  );
}

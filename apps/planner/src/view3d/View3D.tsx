/**
 * The 3D view: the anatomy surfaces, electrodes and candidates in a react-three-fiber canvas (LPS mm,
 * camera up = superior; see camera.ts), with a small overlay panel for the surfaces' opacity, clipping,
 * volume rendering and a reset of the view. The canvas renders on demand (frameloop "demand"), so an
 * idle 3D view costs nothing; it keeps its drawing buffer so its pixels can be read back (tests, export).
 * Volume rendering of the CT (vtk.js) is drawn in its own canvas underneath, following the camera.
 */
import { useRef, type CSSProperties } from 'react';
import { Canvas } from '@react-three/fiber';
import { useStore } from '../store/index.ts';
import type { SurfaceName } from '../store/types.ts';
import { CAMERA_UP_LPS, FOV_DEG } from './camera.ts';
import { SURFACE_COLORS, SURFACE_LABELS } from './palette.ts';
import { Scene3D, type SceneApi } from './Scene3D.tsx';
import { VolumeLayer } from './VolumeLayer.tsx';

const SURFACE_NAMES: readonly SurfaceName[] = ['skull', 'brain', 'vessels', 'ventricles'];

const fill: CSSProperties = { position: 'absolute', inset: 0 };
const panel: CSSProperties = {
  position: 'absolute',
  top: 4,
  left: 4,
  padding: '3px 6px',
  background: 'rgba(17, 20, 23, 0.78)',
  border: '1px solid #2a3036',
  borderRadius: 4,
  fontSize: 11,
  zIndex: 2,
};
const grid: CSSProperties = {
  display: 'grid',
  gridTemplateColumns: 'auto 70px 3.6em',
  alignItems: 'center',
  gap: '1px 6px',
  marginTop: 3,
};

function ControlsPanel(props: { onReset: () => void; onFocus: () => void }) {
  const surfaces = useStore((s) => s.surfaces);
  const opacity = useStore((s) => s.surfaceOpacity);
  const setOpacity = useStore((s) => s.setSurfaceOpacity);
  const clipping = useStore((s) => s.clipping);
  const setClipping = useStore((s) => s.setClipping);
  const volumeRendering = useStore((s) => s.volumeRendering);
  const setVolumeRendering = useStore((s) => s.setVolumeRendering);
  const hasCt = useStore((s) => s.series.some((x) => x.role === 'ct'));
  const hasSelection = useStore((s) => s.selectedId !== null);
  return (
    <details open style={panel} aria-label="3D view settings">
      <summary style={{ cursor: 'pointer' }}>3D</summary>
      <div style={grid}>
        {SURFACE_NAMES.map((name) => (
          <label key={name} style={{ display: 'contents' }}>
            <span style={{ color: SURFACE_COLORS[name] }}>{SURFACE_LABELS[name]}</span>
            <input
              type="range"
              min={0}
              max={100}
              step={5}
              data-surface={name}
              disabled={!surfaces[name]}
              value={Math.round(opacity[name] * 100)}
              onChange={(e) => setOpacity(name, Number(e.currentTarget.value) / 100)}
              aria-label={`${SURFACE_LABELS[name]} opacity`}
            />
            <span>{Math.round(opacity[name] * 100)} %</span>
          </label>
        ))}
        <label
          style={{ gridColumn: '1 / span 3' }}
          title="Cut the anatomy by the axial plane through the cursor"
        >
          <input
            type="checkbox"
            data-option="clipping"
            checked={clipping}
            onChange={(e) => setClipping(e.currentTarget.checked)}
          />{' '}
          Clip at cursor (axial)
        </label>
        <label
          style={{ gridColumn: '1 / span 3' }}
          title={hasCt ? 'Volume rendering of the CT' : 'No CT loaded'}
        >
          <input
            type="checkbox"
            data-option="volume-rendering"
            disabled={!hasCt}
            checked={volumeRendering}
            onChange={(e) => setVolumeRendering(e.currentTarget.checked)}
          />{' '}
          CT volume rendering
        </label>
        <button type="button" data-action="reset-view" onClick={props.onReset}>
          Reset view
        </button>
        <button
          type="button"
          data-action="focus-selected"
          style={{ gridColumn: '2 / span 2' }}
          disabled={!hasSelection}
          onClick={props.onFocus}
          title="Zoom to the selected trajectory"
        >
          Focus selected
        </button>
      </div>
    </details>
  );
}

export function View3D() {
  const api = useRef<SceneApi>({ resetView: () => {}, focusSelected: () => false, invalidate: () => {} });
  const volumeRendering = useStore((s) => s.volumeRendering);
  const sceneStatus = useStore((s) => s.sceneStatus);
  const hasSurfaces = useStore((s) => Object.keys(s.surfaces).length > 0);
  return (
    <section className="view3d" data-view="3d" style={{ position: 'relative', overflow: 'hidden' }}>
      {volumeRendering && <VolumeLayer api={api} />}
      <Canvas
        style={fill}
        frameloop="demand"
        dpr={[1, 2]}
        gl={{ preserveDrawingBuffer: true, antialias: true, alpha: true }}
        camera={{ fov: FOV_DEG, up: CAMERA_UP_LPS, near: 1, far: 5000, position: [0, -500, 0] }}
        onCreated={({ gl }) => {
          gl.localClippingEnabled = true;
        }}
      >
        <Scene3D api={api} transparentBackground={volumeRendering} />
      </Canvas>
      <ControlsPanel onReset={() => api.current.resetView()} onFocus={() => api.current.focusSelected()} />
      {!hasSurfaces && (
        <div style={{ position: 'absolute', bottom: 6, left: 8, color: '#8a949e' }}>
          {sceneStatus === 'working' ? 'Building surfaces…' : 'No surfaces yet'}
        </div>
      )}
    </section>
  );
}

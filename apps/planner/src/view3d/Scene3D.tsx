/**
 * What the 3D canvas draws, in LPS mm: the anatomy surfaces (transparent ones drawn inner first with
 * depth writes off, so nested layers blend in a stable order), the electrodes with their contacts, the
 * entry/target points, the riskiest point of the selected trajectory and the auto-plan candidates.
 * Clipping cuts the anatomy (not the electrodes) by the axial plane through the cursor, keeping the part
 * below it. Rendering is on demand: R3F redraws when a prop changes or the orbit controls move.
 */
import { useEffect, useMemo, useRef, type ComponentRef, type RefObject } from 'react';
import { useFrame, useThree } from '@react-three/fiber';
import { OrbitControls } from '@react-three/drei';
import {
  DoubleSide,
  FrontSide,
  MeshPhongMaterial,
  Plane,
  Vector3,
  type DirectionalLight,
  type PerspectiveCamera,
} from 'three';
import {
  electrodeMesh,
  trajectoryGeometry,
  type ElectrodeModel,
  type SurfaceMesh,
  type Trajectory,
  type Vec3,
} from '@neuroplan/planning';
import { useStore } from '../store/index.ts';
import type { SurfaceName } from '../store/types.ts';
import { fitPose, homePose, type CameraPose } from './camera.ts';
import {
  electrodeGeometry,
  pointAtDepth,
  segmentsGeometry,
  surfaceGeometry,
  surfacesSphere,
  trajectorySphere,
} from './geometry.ts';
import { BACKGROUND, ELECTRODE_COLORS, SURFACE_COLORS, SURFACE_RENDER_ORDER } from './palette.ts';
import { frameReport, type FrameTimeReport } from './frameStats.ts';
import type { View3DProbe } from './probe.ts';
import { contactVerdicts } from './contactVerdicts.ts';
import { useBciStore } from '../signals/bciFeed.ts';

const SURFACE_NAMES: readonly SurfaceName[] = ['skull', 'brain', 'vessels', 'ventricles'];

/** What the panel around the canvas may ask of the scene. */
export interface SceneApi {
  resetView(): void;
  /** Frames the selected trajectory (keeping the viewing direction); false when none is selected. */
  focusSelected(): boolean;
  /** Asks for a frame (render on demand). */
  invalidate(): void;
  /** Called after every frame with the camera, for layers that follow it (volume rendering). */
  onFrame?: (camera: PerspectiveCamera, target: Vector3) => void;
}

function SurfaceLayer(props: { name: SurfaceName; mesh: SurfaceMesh; opacity: number; clip: Plane[] }) {
  const { name, mesh, opacity, clip } = props;
  const geometry = useMemo(() => surfaceGeometry(mesh), [mesh]);
  useEffect(() => () => geometry.dispose(), [geometry]);
  const transparent = opacity < 0.999;
  return (
    <mesh
      name={`surface-${name}`}
      geometry={geometry}
      visible={opacity > 0.001}
      renderOrder={transparent ? SURFACE_RENDER_ORDER[name] : 0}
    >
      {/* Recreated when switching between opaque and transparent (blending and depth state differ). */}
      <meshPhongMaterial
        key={transparent ? 'transparent' : 'opaque'}
        color={SURFACE_COLORS[name]}
        specular="#222222"
        shininess={20}
        transparent={transparent}
        opacity={opacity}
        depthWrite={!transparent}
        side={DoubleSide}
        clippingPlanes={clip}
      />
    </mesh>
  );
}

function Marker(props: { at: Vec3; radiusMm: number; color: string; name: string }) {
  return (
    <mesh name={props.name} position={props.at}>
      <sphereGeometry args={[props.radiusMm, 16, 12]} />
      <meshPhongMaterial color={props.color} />
    </mesh>
  );
}

/**
 * The /bci/summary verdicts on the contacts (when a summary has come): one sphere per contact, a little wider
 * than the electrode, named `contact-verdict-<trajectory>-<contact>` with the verdict in userData.
 */
function ContactVerdicts(props: { trajectory: Trajectory; model: ElectrodeModel }) {
  const { trajectory, model } = props;
  const summary = useBciStore((s) => s.summary);
  const paints = useMemo(() => {
    if (!summary) return [];
    try {
      return contactVerdicts(trajectory.id, trajectoryGeometry(trajectory, model).contacts, summary);
    } catch {
      return []; // a degenerate trajectory: nothing drawn for it either
    }
  }, [summary, trajectory, model]);
  const halfWidthMm = (model.kind === 'array' ? model.shankDiameterMm : model.diameterMm) / 2;
  const radiusMm = Math.max(0.3, 1.5 * halfWidthMm);
  return paints.map((p) => (
    <mesh
      key={p.contactNumber}
      name={`contact-verdict-${trajectory.id}-${p.contactNumber}`}
      position={p.centerLps}
      userData={{ verdict: p.verdict, reasons: p.reasons }}
    >
      <sphereGeometry args={[radiusMm, 12, 8]} />
      <meshPhongMaterial color={p.color} />
    </mesh>
  ));
}

function Electrode(props: { trajectory: Trajectory; model: ElectrodeModel; selected: boolean }) {
  const { trajectory, model, selected } = props;
  const geometry = useMemo(() => {
    try {
      return electrodeGeometry(electrodeMesh(trajectory, model));
    } catch {
      return null; // a degenerate trajectory (entry on the target): the panels say why; nothing to draw
    }
  }, [trajectory, model]);
  const materials = useMemo(
    () => [
      new MeshPhongMaterial({
        color: selected ? ELECTRODE_COLORS.selectedShaft : ELECTRODE_COLORS.shaft,
        side: FrontSide,
      }),
      new MeshPhongMaterial({ color: ELECTRODE_COLORS.contact, shininess: 60, side: FrontSide }),
    ],
    [selected],
  );
  useEffect(() => () => geometry?.dispose(), [geometry]);
  useEffect(() => () => materials.forEach((m) => m.dispose()), [materials]);
  const axis = useMemo(() => segmentsGeometry([trajectory]), [trajectory]);
  useEffect(() => () => axis.dispose(), [axis]);
  const markerMm = selected ? 2 : 1.4;
  return (
    <group name={`electrode-${trajectory.id}`}>
      {geometry && <mesh geometry={geometry} material={materials} />}
      {/* The axis as a 1-pixel line keeps a thin electrode visible when the head fills the view. */}
      <lineSegments geometry={axis}>
        <lineBasicMaterial color={selected ? ELECTRODE_COLORS.selectedShaft : ELECTRODE_COLORS.shaft} />
      </lineSegments>
      <Marker name="entry" at={trajectory.entryLps} radiusMm={markerMm} color={ELECTRODE_COLORS.entry} />
      <Marker name="target" at={trajectory.targetLps} radiusMm={markerMm} color={ELECTRODE_COLORS.target} />
      <ContactVerdicts trajectory={trajectory} model={model} />
    </group>
  );
}

function Candidates(props: { trajectories: Trajectory[] }) {
  const geometry = useMemo(() => segmentsGeometry(props.trajectories), [props.trajectories]);
  useEffect(() => () => geometry.dispose(), [geometry]);
  return (
    <lineSegments name="candidates" geometry={geometry}>
      <lineBasicMaterial color={ELECTRODE_COLORS.candidate} transparent opacity={0.8} />
    </lineSegments>
  );
}

/** A light at the camera, so the side facing the viewer is always lit. */
function HeadLight(props: { target: RefObject<Vector3> }) {
  const light = useRef<DirectionalLight>(null);
  useFrame(({ camera }) => {
    const l = light.current;
    if (!l) return;
    l.position.copy(camera.position);
    l.target.position.copy(props.target.current);
    l.target.updateMatrixWorld();
  });
  return <directionalLight ref={light} intensity={2.2} />;
}

export function Scene3D(props: { api: RefObject<SceneApi>; transparentBackground: boolean }) {
  const surfaces = useStore((s) => s.surfaces);
  const opacity = useStore((s) => s.surfaceOpacity);
  const clipping = useStore((s) => s.clipping);
  const cursor = useStore((s) => s.cursorLps);
  const trajectories = useStore((s) => s.trajectories);
  const catalog = useStore((s) => s.catalog);
  const selectedId = useStore((s) => s.selectedId);
  const assessments = useStore((s) => s.assessments);
  const candidates = useStore((s) => s.candidates);

  const { gl, scene, camera, size, invalidate } = useThree();
  const controls = useRef<ComponentRef<typeof OrbitControls>>(null);
  const target = useRef(new Vector3());
  const frames = useRef(0);

  const present = SURFACE_NAMES.filter((n) => surfaces[n] !== undefined);
  const bounds = useMemo(
    () => surfacesSphere(SURFACE_NAMES.flatMap((n) => (surfaces[n] ? [surfaces[n]] : []))),
    [surfaces],
  );

  const clipPlanes = useMemo(() => {
    if (!clipping) return [];
    const z = cursor ? cursor[2] : bounds.center.z;
    // three.js keeps points with normal·p + constant ≥ 0: here z ≤ cursor z (the inferior part).
    return [new Plane(new Vector3(0, 0, -1), z)];
  }, [clipping, cursor, bounds]);

  const electrodes = useMemo(
    () =>
      trajectories.flatMap((t) => {
        try {
          return [{ trajectory: t, model: catalog.get(t.electrodeId) }];
        } catch {
          return []; // unknown electrode model: the plan panel reports it
        }
      }),
    [trajectories, catalog],
  );
  const selected = trajectories.find((t) => t.id === selectedId);
  const riskiestDepth = selected ? assessments[selected.id]?.risk.riskiestDepthMm : undefined;
  const candidateTrajectories = useMemo(() => candidates.map((c) => c.assessment.trajectory), [candidates]);

  const perspective = camera as PerspectiveCamera;
  const aspect = size.width / Math.max(1, size.height);
  const applyPose = (pose: CameraPose) => {
    perspective.position.copy(pose.position);
    perspective.near = pose.near;
    perspective.far = pose.far;
    perspective.updateProjectionMatrix();
    target.current.copy(pose.target);
    controls.current?.target.copy(pose.target);
    controls.current?.update();
    perspective.lookAt(pose.target);
    invalidate();
  };
  const resetView = () => applyPose(homePose(bounds, aspect));
  const focusSelected = (): boolean => {
    if (!selected) return false;
    const direction = perspective.position.clone().sub(target.current);
    const pose = fitPose(trajectorySphere(selected, 10), direction, aspect);
    // Keep the far plane where the whole head still fits behind the trajectory.
    pose.far = Math.max(pose.far, pose.position.distanceTo(bounds.center) + Math.max(bounds.radius, 100) * 2);
    applyPose(pose);
    return true;
  };
  const focusRef = useRef(focusSelected);
  focusRef.current = focusSelected;
  const resetRef = useRef(resetView);
  resetRef.current = resetView;

  // A new case (new anatomy bounds): back to the home view.
  useEffect(() => {
    resetRef.current();
  }, [bounds]);

  useFrame(() => {
    frames.current++;
    if (controls.current) target.current.copy(controls.current.target);
    props.api.current.onFrame?.(perspective, target.current);
  });

  // The panel's handle and the global probe for tests and profiling.
  useEffect(() => {
    // The handle object belongs to the panel (the volume layer hangs its onFrame on it too).
    props.api.current.resetView = () => resetRef.current();
    props.api.current.focusSelected = () => focusRef.current();
    props.api.current.invalidate = () => invalidate();
    /** Turns the camera 1/n of a full circle around the target, about the up (superior) axis. */
    const orbitStep = (n: number) => {
      const offset = perspective.position.clone().sub(target.current);
      offset.applyAxisAngle(perspective.up, (2 * Math.PI) / n);
      perspective.position.copy(target.current).add(offset);
      perspective.lookAt(target.current);
    };
    const probe: View3DProbe = {
      get renderedFrames() {
        return frames.current;
      },
      get surfacesShown() {
        const now = useStore.getState();
        return SURFACE_NAMES.filter((n) => now.surfaces[n] && now.surfaceOpacity[n] > 0.001);
      },
      get electrodesShown() {
        return scene.getObjectsByProperty('type', 'Group').filter((o) => o.name.startsWith('electrode-'))
          .length;
      },
      canvas: gl.domElement,
      resetView: () => resetRef.current(),
      focusSelected: () => focusRef.current(),
      measureFrameTime(n = 60): FrameTimeReport {
        const ctx = gl.getContext();
        const pixel = new Uint8Array(4);
        const start = perspective.position.clone();
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          orbitStep(n);
          const t0 = performance.now();
          gl.render(scene, perspective);
          ctx.readPixels(0, 0, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel);
          times.push(performance.now() - t0);
        }
        const report = frameReport(times, gl.info.render.triangles, gl.info.render.calls);
        perspective.position.copy(start);
        perspective.lookAt(target.current);
        invalidate();
        return report;
      },
      measureOrbitFrames(n = 60): Promise<FrameTimeReport> {
        const start = perspective.position.clone();
        const times: number[] = [];
        return new Promise((done) => {
          let last = -1;
          let i = 0;
          const tick = (now: number) => {
            if (last >= 0) times.push(now - last);
            last = now;
            if (i === n) {
              perspective.position.copy(start);
              perspective.lookAt(target.current);
              invalidate();
              done(frameReport(times, gl.info.render.triangles, gl.info.render.calls));
              return;
            }
            orbitStep(n);
            i++;
            invalidate();
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
      },
    };
    globalThis.neuroplanView3D = probe;
    return () => {
      if (globalThis.neuroplanView3D === probe) globalThis.neuroplanView3D = undefined;
    };
  }, [gl, scene, perspective, invalidate, props.api]);

  return (
    <>
      {!props.transparentBackground && <color attach="background" args={[BACKGROUND]} />}
      <ambientLight intensity={0.55} />
      <HeadLight target={target} />
      <OrbitControls ref={controls} makeDefault enableDamping={false} />
      {present.map((name) => (
        <SurfaceLayer
          key={name}
          name={name}
          mesh={surfaces[name]!}
          opacity={opacity[name]}
          clip={clipPlanes}
        />
      ))}
      {electrodes.map(({ trajectory, model }) => (
        <Electrode
          key={trajectory.id}
          trajectory={trajectory}
          model={model}
          selected={trajectory.id === selectedId}
        />
      ))}
      {selected && riskiestDepth !== undefined && Number.isFinite(riskiestDepth) && (
        <Marker
          name="riskiest"
          at={pointAtDepth(selected, riskiestDepth)}
          radiusMm={2.2}
          color={ELECTRODE_COLORS.riskiest}
        />
      )}
      {candidateTrajectories.length > 0 && <Candidates trajectories={candidateTrajectories} />}
    </>
  );
}

/**
 * The robot in 3D: the URDF (primitives only: urdf-loader builds its boxes and cylinders) posed live from
 * /joint_states, the planned trajectory in the robot frame once the patient is registered (entry → target,
 * through the registration the robot computed), and the needle tip (the URDF's needle_tip link).
 * An inset shows 60 mm around the tip, across the planned line. Plain three.js in one canvas, rendered
 * on the animation frames after the joints (or the plan, or the registration) change.
 */
import { useEffect, useRef } from 'react';
import * as THREE from 'three';
import URDFLoader from 'urdf-loader';
import urdfText from '../../../../ros/description/urdf/neuroplan_robot.urdf?raw';
import { useRobot } from './robotStore.ts';
import { applyMatrix } from './registration.ts';

export function RobotView() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    renderer.setClearColor(0x0b0e11);
    el.append(renderer.domElement);
    renderer.domElement.dataset.testid = 'robot-canvas';

    const scene = new THREE.Scene();
    scene.add(new THREE.HemisphereLight(0xddeeff, 0x202020, 1.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(1, -1.5, 2);
    scene.add(sun);
    const grid = new THREE.GridHelper(1.6, 16, 0x3a444e, 0x232a30);
    grid.rotation.x = Math.PI / 2; // the grid in the z = 0 plane (URDF: z up)
    scene.add(grid);

    const camera = new THREE.PerspectiveCamera(40, 1, 0.01, 20);
    camera.up.set(0, 0, 1);
    camera.position.set(1.7, -1.5, 1.25);
    camera.lookAt(0.45, 0, 0.45);

    const inset = new THREE.OrthographicCamera(-0.03, 0.03, 0.03, -0.03, 0.01, 2);
    const robot = new URDFLoader().parse(urdfText);
    robot.traverse((o) => {
      const mesh = o as THREE.Mesh;
      if (mesh.isMesh) {
        const m = mesh.material as THREE.MeshPhongMaterial;
        if (m && 'color' in m && m.color.getHex() === 0x000000) m.color.setHex(0x9aa7b4);
      }
    });
    scene.add(robot);

    // The planned trajectory (robot frame, m) and the tip.
    const planLine = new THREE.Line(
      new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(), new THREE.Vector3()]),
      new THREE.LineBasicMaterial({ color: 0x36d67a }),
    );
    planLine.visible = false;
    scene.add(planLine);
    // The same line as a 0.8 mm rod (WebGL draws lines 1 px wide at any zoom), seen in the inset.
    const planRod = new THREE.Mesh(
      new THREE.CylinderGeometry(0.0004, 0.0004, 1, 8),
      new THREE.MeshBasicMaterial({ color: 0x36d67a }),
    );
    planRod.visible = false;
    scene.add(planRod);
    const targetDot = new THREE.Mesh(
      new THREE.SphereGeometry(0.0015),
      new THREE.MeshBasicMaterial({ color: 0x36d67a }),
    );
    targetDot.visible = false;
    scene.add(targetDot);
    const tipDot = new THREE.Mesh(
      new THREE.SphereGeometry(0.0015),
      new THREE.MeshBasicMaterial({ color: 0xffb020 }),
    );
    scene.add(tipDot);
    const fiducials = new THREE.Group();
    scene.add(fiducials);
    // The last 40 mm of the needle for the inset (there the robot is hidden: the needle runs inside the
    // insertion head, which would hide it).
    const needleRod = new THREE.Mesh(
      new THREE.CylinderGeometry(0.0006, 0.0006, 0.04, 8),
      new THREE.MeshBasicMaterial({ color: 0xffb020 }),
    );
    needleRod.visible = false;
    scene.add(needleRod);
    // A head proxy (the phantom's head is ~90 mm in radius) where the registration puts it.
    const head = new THREE.Mesh(
      new THREE.SphereGeometry(0.09, 24, 16),
      new THREE.MeshPhongMaterial({ color: 0xd9b38c, transparent: true, opacity: 0.25, depthWrite: false }),
    );
    head.visible = false;
    scene.add(head);

    const resize = (): void => {
      const w = Math.max(1, el.clientWidth);
      const h = Math.max(1, el.clientHeight);
      renderer.setSize(w, h, false);
      renderer.domElement.style.width = '100%';
      renderer.domElement.style.height = '100%';
      camera.aspect = w / h;
      camera.updateProjectionMatrix();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(el);
    resize();

    let dirty = true;
    const sync = (s: ReturnType<typeof useRobot.getState>): void => {
      for (const [name, value] of Object.entries(s.joints)) robot.setJointValue(name, value);
      const reg = s.registration;
      const traj = s.trajectoryId ? s.plan?.trajectories[s.trajectoryId] : undefined;
      if (reg && reg.result.success && traj) {
        const a = applyMatrix(reg.patientToRobotMm, traj.entryLps).map((v) => v / 1000);
        const b = applyMatrix(reg.patientToRobotMm, traj.targetLps).map((v) => v / 1000);
        planLine.geometry.setFromPoints([new THREE.Vector3(...a), new THREE.Vector3(...b)]);
        targetDot.position.set(b[0]!, b[1]!, b[2]!);
        const va = new THREE.Vector3(...a);
        const vb = new THREE.Vector3(...b);
        planRod.position.copy(va).add(vb).multiplyScalar(0.5);
        planRod.scale.set(1, va.distanceTo(vb), 1);
        planRod.quaternion.setFromUnitVectors(new THREE.Vector3(0, 1, 0), vb.clone().sub(va).normalize());
        planLine.visible = targetDot.visible = planRod.visible = true;
      } else planLine.visible = targetDot.visible = planRod.visible = false;
      if (reg && fiducials.children.length === 0)
        for (const p of reg.robotFiducialsMm) {
          const d = new THREE.Mesh(
            new THREE.SphereGeometry(0.002),
            new THREE.MeshBasicMaterial({ color: 0x4aa3ff }),
          );
          d.position.set(p[0] / 1000, p[1] / 1000, p[2] / 1000);
          fiducials.add(d);
        }
      if (!reg) fiducials.clear();
      if (reg && reg.result.success) {
        const c = applyMatrix(reg.patientToRobotMm, reg.headCentreLps);
        head.position.set(c[0] / 1000, c[1] / 1000, c[2] / 1000);
        head.visible = true;
      } else head.visible = false;
      dirty = true;
    };
    sync(useRobot.getState());
    const unsubscribe = useRobot.subscribe(sync);

    let frame = 0;
    const loop = (): void => {
      frame = requestAnimationFrame(loop);
      if (!dirty) return;
      dirty = false;
      robot.updateMatrixWorld(true);
      const tip = robot.links['needle_tip'];
      if (tip) {
        tip.getWorldPosition(tipDot.position);
        const z = new THREE.Vector3(0, 0, 1).applyQuaternion(tip.getWorldQuaternion(new THREE.Quaternion()));
        needleRod.position.copy(tipDot.position).addScaledVector(z, -0.02);
        needleRod.quaternion.setFromUnitVectors(new THREE.Vector3(0, 1, 0), z);
      }
      const size = renderer.getSize(new THREE.Vector2());
      renderer.setScissorTest(false);
      renderer.setViewport(0, 0, size.x, size.y);
      renderer.render(scene, camera);
      // Inset (bottom right): 60 mm around the tip, seen across the planned line, so the tip's distance
      // from the plan is visible at the scale of the tracking error plot's millimetres.
      if (planLine.visible) {
        const w = Math.round(size.x * 0.3);
        const h = Math.round(size.y * 0.35);
        const p = planLine.geometry.getAttribute('position');
        const a = new THREE.Vector3().fromBufferAttribute(p, 0);
        const b = new THREE.Vector3().fromBufferAttribute(p, 1);
        const along = b.clone().sub(a).normalize();
        const side = new THREE.Vector3(0, 0, 1).cross(along);
        if (side.lengthSq() < 1e-6) side.set(0, 1, 0);
        side.normalize();
        const half = 0.03;
        inset.left = -half * (w / h);
        inset.right = half * (w / h);
        inset.top = half;
        inset.bottom = -half;
        inset.position.copy(tipDot.position).addScaledVector(side, 0.5);
        inset.up.copy(along).negate();
        inset.lookAt(tipDot.position);
        inset.updateProjectionMatrix();
        renderer.setScissorTest(true);
        renderer.setScissor(size.x - w - 4, 4, w, h);
        renderer.setViewport(size.x - w - 4, 4, w, h);
        renderer.setClearColor(0x161b20);
        renderer.clear();
        const headShown = head.visible;
        robot.visible = head.visible = false;
        needleRod.visible = true;
        renderer.render(scene, inset);
        robot.visible = true;
        head.visible = headShown;
        needleRod.visible = false;
        renderer.setClearColor(0x0b0e11);
        renderer.setScissorTest(false);
      }
    };
    loop();
    return () => {
      cancelAnimationFrame(frame);
      unsubscribe();
      observer.disconnect();
      renderer.dispose();
      renderer.domElement.remove();
    };
  }, []);
  return <div className="robot-view" ref={host} data-testid="robot-view" />;
}

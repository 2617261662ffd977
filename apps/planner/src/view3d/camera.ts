/**
 * Camera conventions of the 3D view. The scene is in DICOM LPS mm (x = patient's left, y = posterior,
 * z = superior; right-handed, like three.js), so the camera's up vector is +z (superior) and the home
 * view looks at the head from the front, the patient's right and a little above (anterior-oblique):
 * the camera sits along −y (anterior), −x (right) and +z (superior) from the centre of the anatomy.
 */
import { Sphere, Vector3 } from 'three';

export const CAMERA_UP_LPS: [number, number, number] = [0, 0, 1];
/** From the anatomy's centre towards the home camera position (anterior, right, superior). */
export const HOME_DIRECTION_LPS: [number, number, number] = [-0.55, -1, 0.45];
export const FOV_DEG = 35;

export interface CameraPose {
  position: Vector3;
  target: Vector3;
  near: number;
  far: number;
}

/**
 * The pose that looks at the sphere from `direction` (from the sphere's centre towards the camera) with
 * the whole sphere in view; an empty sphere (radius < 0) stands for a 200 mm head at the origin.
 */
export function fitPose(sphere: Sphere, direction: Vector3, aspect: number): CameraPose {
  const s = sphere.radius < 0 ? new Sphere(new Vector3(), 100) : sphere;
  const radius = Math.max(s.radius, 1);
  const halfV = (FOV_DEG * Math.PI) / 360;
  const halfH = Math.atan(Math.tan(halfV) * Math.max(aspect, 1e-3));
  const distance = (1.05 * radius) / Math.sin(Math.min(halfV, halfH));
  const dir = direction.clone().normalize();
  return {
    position: s.center.clone().addScaledVector(dir, distance),
    target: s.center.clone(),
    near: Math.max(0.5, (distance - radius) * 0.1),
    far: distance + 4 * radius,
  };
}

/** The home view: the anatomy from the front, the right and above (HOME_DIRECTION_LPS). */
export const homePose = (sphere: Sphere, aspect: number): CameraPose =>
  fitPose(sphere, new Vector3(...HOME_DIRECTION_LPS), aspect);

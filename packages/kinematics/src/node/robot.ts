/** Node-only: read our robot's URDF from the repository. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { robotChainFromUrdf } from '../robot.ts';
import type { KinematicChain } from '../types.ts';

/** Absolute path of ros/description/urdf/neuroplan_robot.urdf. */
export const ROBOT_URDF_PATH = fileURLToPath(
  new URL('../../../../ros/description/urdf/neuroplan_robot.urdf', import.meta.url),
);

/** The base_link → needle_tip chain of the URDF at `path` (default: our robot); errors name the file. */
export function loadRobotChain(path: string = ROBOT_URDF_PATH): KinematicChain {
  let xml: string;
  try {
    xml = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
  return robotChainFromUrdf(xml, path);
}

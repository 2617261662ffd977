/** Our insertion robot (ros/description/urdf/neuroplan_robot.urdf): chain from the URDF text. Browser-safe. */
import { buildChain, parseUrdf } from './urdf.ts';
import type { KinematicChain } from './types.ts';

export const ROBOT_BASE_LINK = 'base_link';
export const ROBOT_TOOL_LINK = 'needle_tip';

/** The base_link → needle_tip chain of our robot's URDF text (e.g. imported with Vite's `?raw`). */
export function robotChainFromUrdf(xml: string, source = 'neuroplan_robot.urdf'): KinematicChain {
  return buildChain(parseUrdf(xml, source), ROBOT_BASE_LINK, ROBOT_TOOL_LINK);
}

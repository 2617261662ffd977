/** @neuroplan/kinematics/node: Node-only helpers (file system). */
export { loadRobotChain, ROBOT_URDF_PATH } from './robot.ts';

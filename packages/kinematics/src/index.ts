/** @neuroplan/kinematics: the insertion robot's model, kinematics, patient registration and control. */
export type * from './types.ts';
export * from './urdf.ts';
export * from './fk.ts';
export * from './pose.ts';
export * from './robot.ts';
export * from './control/index.ts';
export * from './ik.ts';
export * from './ikAnalytic.ts';
export * from './registration/index.ts';
export * from './motion/jointTrajectory.ts';
export * from './motion/approach.ts';

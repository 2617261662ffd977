/** @neuroplan/ros-client: the robot's typed client over rosbridge (roslib 2.x), browser and Node. */
export * from './RobotClient.ts';
export * from './errors.ts';
export * from './backoff.ts';
export * from './latency.ts';
export * from './messages.ts';

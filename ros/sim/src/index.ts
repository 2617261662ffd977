/** @neuroplan/ros-sim: the in-process ROS graph, the rosbridge v2 compatible server and the simulated robot. */
export * from './graph.ts';
export * from './bridge/index.ts';
export * from './sim.ts';
export * from './robot/node.ts';
export * from './robot/messages.ts';
export * from './robot/credentials.ts';
export * from './robot/clock.ts';
export * from './robot/demo.ts';
export * from './bci/node.ts';
export * from './bci/layout.ts';
export * from './bridge/http.ts';

/**
 * Child process for crash.test.ts: records /robot/insertion_status at 100 Hz and /joint_states at 250 Hz
 * (wall-clock timers) into argv[2] until it is killed. Each insertion status carries its publication time in
 * header.stamp and a running counter in depth_mm, so the parent can check what survived a SIGKILL.
 */
import { RosGraph } from '@neuroplan/ros-sim';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { startFileRecorder } from '../src/node/files.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: crashChild.ts <file.mcap>');
const graph = new RosGraph();
const { recorder } = await startFileRecorder(file, {
  codec: rosMessagesCodec(),
  caseId: 'crash-test',
  softwareVersion: 'test',
});
recorder.recordTopics(graph, [
  { topic: '/robot/insertion_status', type: 'neuroplan_interfaces/msg/InsertionStatus' },
  { topic: '/joint_states', type: 'sensor_msgs/msg/JointState' },
]);
const ins = graph.advertise('/robot/insertion_status', 'neuroplan_interfaces/msg/InsertionStatus');
const js = graph.advertise('/joint_states', 'sensor_msgs/msg/JointState');
const stamp = () => {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nanosec: (ms % 1000) * 1_000_000 };
};
let n = 0;
setInterval(() => {
  ins.publish({
    header: { stamp: stamp(), frame_id: 'patient_lps' },
    phase: 'inserting',
    trajectory_id: 'T1',
    depth_mm: n++,
    target_depth_mm: 1e6,
    velocity_mm_per_s: 1,
    tracking_error_um: 10,
    tissue_displacement_um: 0,
    force_n: 0,
  });
}, 10);
setInterval(() => {
  js.publish({
    header: { stamp: stamp(), frame_id: '' },
    name: ['a', 'b'],
    position: [Math.random(), 1],
    velocity: [],
    effort: [],
  });
}, 4);
recorder.recordOperatorAction({ operator: 'op', role: 'surgeon', action: 'start' });
process.stdout.write('ready\n');

/** Synthetic robot traffic at the spec's rates, for the case benchmarks. */
import { serializeCdr } from '@neuroplan/ros-messages';

export const RATES_HZ = {
  '/joint_states': 250,
  '/tf': 250,
  '/robot/insertion_status': 100,
  '/robot/tip_pose': 100,
  '/bci/summary': 10,
} as const;

export const TYPES: Record<string, string> = {
  '/joint_states': 'sensor_msgs/msg/JointState',
  '/tf': 'tf2_msgs/msg/TFMessage',
  '/robot/insertion_status': 'neuroplan_interfaces/msg/InsertionStatus',
  '/robot/tip_pose': 'geometry_msgs/msg/PoseStamped',
  '/bci/summary': 'neuroplan_interfaces/msg/BciSummary',
  '/bci/snippets': 'neuroplan_interfaces/msg/BciSnippet',
};

const stamp = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) });
const JOINTS = ['j1', 'j2', 'j3', 'j4', 'j5', 'insertion'];

export function message(topic: string, ns: bigint, i: number): unknown {
  const header = { stamp: stamp(ns), frame_id: topic === '/robot/tip_pose' ? 'patient_lps' : '' };
  const s = Math.sin(i / 100);
  switch (topic) {
    case '/joint_states':
      return {
        header,
        name: JOINTS,
        position: JOINTS.map((_, k) => s + k),
        velocity: JOINTS.map(() => s),
        effort: [],
      };
    case '/tf':
      return {
        transforms: JOINTS.slice(0, 5).map((j, k) => ({
          header,
          child_frame_id: j,
          transform: {
            translation: { x: k * 0.1, y: 0, z: 0.2 },
            rotation: { x: 0, y: 0, z: Math.sin(s / 2), w: Math.cos(s / 2) },
          },
        })),
      };
    case '/robot/insertion_status': {
      const cyc = i % 6000; // 60 s cycles: 30 s inserting, 30 s holding/done, trajectories T0..T59
      return {
        header,
        phase: cyc < 3000 ? 'inserting' : 'done',
        trajectory_id: `T${Math.floor(i / 6000)}`,
        depth_mm: Math.min(cyc, 3000) / 100,
        target_depth_mm: 30,
        velocity_mm_per_s: cyc < 3000 ? 1 : 0,
        tracking_error_um: 20 + 10 * Math.abs(s),
        tissue_displacement_um: 1,
        force_n: 0.01,
      };
    }
    case '/robot/tip_pose':
      return {
        header,
        pose: { position: { x: 0.01, y: 0.02, z: 0.03 + s * 1e-3 }, orientation: { x: 0, y: 0, z: 0, w: 1 } },
      };
    case '/bci/summary':
      return {
        header,
        channels: Array.from({ length: 64 }, (_, c) => ({
          index: c,
          label: `E${c >> 4}-${c & 15}`,
          electrode_id: `E${c >> 4}`,
          contact_number: (c & 15) + 1,
          verdict: c % 7 ? 'ok' : 'noisy',
          reasons: [],
          noise_uv: 5,
          spike_rate_hz: 2,
          impedance_kohm: 500,
          impedance_phase_deg: -30,
          lfp_power_uv2: 100,
        })),
        electrode_verdicts: [],
      };
    default:
      throw new Error(`no synthetic message for ${topic}`);
  }
}

/** A raw 64-channel snippet of `samples` samples at 30 kHz (time-major float32 µV). */
export function snippet(ns: bigint, samples: number, seed: number): unknown {
  const data = new Array<number>(64 * samples);
  let a = seed >>> 0;
  for (let k = 0; k < data.length; k++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    data[k] = Math.fround(((a >>> 8) / 16777216 - 0.5) * 200);
  }
  return {
    header: { stamp: stamp(ns), frame_id: '' },
    sample_rate_hz: 30000,
    channels: Array.from({ length: 64 }, (_, c) => c),
    sample_count: samples,
    data_uv: data,
  };
}

export const cdr = (topic: string, msg: unknown) => serializeCdr(TYPES[topic]!, msg);

import { describe, expect, it } from 'vitest';

import { deserializeCdr, serializeCdr } from '../src/cdr.ts';
import { messageTypes } from '../src/registry.ts';
import { sampleMessage } from './sampleMessages.ts';

/**
 * Expected bytes written by hand from the CDR rules ROS 2 uses (OMG CDR / XCDR1 as in Fast-CDR): a 4-byte
 * encapsulation header 00 01 00 00 (CDR, little endian), then the fields in order, each primitive aligned to
 * its size counted from the end of the header (8 for 64-bit values), strings as uint32 length including the
 * NUL, the UTF-8 bytes and a NUL, sequences as a uint32 count then the elements (no alignment when empty),
 * builtin_interfaces/Time as int32 sec + uint32 nanosec.
 */
function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

const HEARTBEAT_BYTES = hex(
  `
  00 01 00 00
  03 00 00 00  61 62 00       # lease_id "ab": length 3 (with NUL), 'a' 'b' NUL (offset 7)
  00                          # pad to 8 for the uint64
  05 00 00 00 00 00 00 00     # seq = 5
  01 00 00 00  02 00 00 00    # stamp.sec = 1, stamp.nanosec = 2
`.replace(/#.*$/gm, ''),
);

const JOINT_STATE_BYTES = hex(
  `
  00 01 00 00
  0a 00 00 00  14 00 00 00    # header.stamp sec 10, nanosec 20
  02 00 00 00  77 00          # frame_id "w" (offset 14)
  00 00                       # pad to 4
  01 00 00 00                 # name: 1 element
  03 00 00 00  6a 31 00       # "j1" (offset 27)
  00                          # pad to 4
  01 00 00 00                 # position: 1 element (offset 32, already 8-aligned)
  00 00 00 00 00 00 f8 3f     # 1.5 as IEEE-754 double, little endian
  00 00 00 00                 # velocity: empty
  00 00 00 00                 # effort: empty
`.replace(/#.*$/gm, ''),
);

describe('CDR bytes against hand-written XCDR1 encodings', () => {
  it('neuroplan_interfaces/Heartbeat', () => {
    const msg = { lease_id: 'ab', seq: 5, stamp: { sec: 1, nanosec: 2 } };
    expect(serializeCdr('neuroplan_interfaces/msg/Heartbeat', msg)).toEqual(HEARTBEAT_BYTES);
    expect(deserializeCdr('neuroplan_interfaces/Heartbeat', HEARTBEAT_BYTES)).toEqual(msg);
  });

  it('sensor_msgs/JointState', () => {
    const msg = {
      header: { stamp: { sec: 10, nanosec: 20 }, frame_id: 'w' },
      name: ['j1'],
      position: [1.5],
      velocity: [],
      effort: [],
    };
    expect(serializeCdr('sensor_msgs/msg/JointState', msg)).toEqual(JOINT_STATE_BYTES);
    expect(deserializeCdr('sensor_msgs/JointState', JOINT_STATE_BYTES)).toEqual(msg);
  });

  it('writes non-ASCII strings as UTF-8 with the byte length', () => {
    // "é" is c3 a9 in UTF-8: length 3 with the NUL.
    expect(serializeCdr('std_msgs/String', { data: 'é' })).toEqual(hex('00010000 03000000 c3a900'));
    // "🧠" is f0 9f a7 a0.
    expect(serializeCdr('std_msgs/String', { data: '🧠' })).toEqual(hex('00010000 05000000 f09fa7a000'));
  });

  it('writes an empty message as the single uint8 ROS 2 adds (std_srvs/Trigger request)', () => {
    expect(serializeCdr('std_srvs/srv/Trigger_Request', {})).toEqual(hex('00010000 00'));
  });

  it('fills missing fields with defaults (Quaternion w = 1)', () => {
    const bytes = serializeCdr('geometry_msgs/Quaternion', {});
    expect(bytes).toEqual(hex('00010000' + '00'.repeat(24) + '000000000000f03f'));
  });
});

describe('round trip of every message type', () => {
  const types = messageTypes();

  it('covers standard, neuroplan, service and action types', () => {
    expect(types).toContain('neuroplan_interfaces/msg/SafetyState');
    expect(types).toContain('neuroplan_interfaces/srv/ClaimControl_Response');
    expect(types).toContain('neuroplan_interfaces/action/Insert_Goal');
    expect(types).toContain('control_msgs/action/FollowJointTrajectory_Feedback');
    expect(types.length).toBeGreaterThan(70);
  });

  it.each(types)('%s', (type) => {
    const msg = sampleMessage(type);
    const bytes = serializeCdr(type, msg);
    expect([...bytes.subarray(0, 4)]).toEqual([0, 1, 0, 0]);
    expect(deserializeCdr(type, bytes)).toEqual(msg);
  });
});

describe('64-bit integers in the JSON mapping', () => {
  it('accepts numbers and bigints for uint64 and returns numbers', () => {
    const a = serializeCdr('neuroplan_interfaces/Heartbeat', { seq: 2 ** 40 });
    const b = serializeCdr('neuroplan_interfaces/Heartbeat', { seq: 2n ** 40n });
    expect(a).toEqual(b);
    expect(deserializeCdr('neuroplan_interfaces/Heartbeat', a).seq).toBe(2 ** 40);
  });
});

describe('bad input', () => {
  it('refuses an invalid message with the reasons', () => {
    expect(() => serializeCdr('sensor_msgs/JointState', { position: 'x', foo: 1 })).toThrow(
      /sensor_msgs\/msg\/JointState: cannot serialize: .*foo: unknown field.*position: expected an array/,
    );
  });

  it('names an unknown type', () => {
    expect(() => serializeCdr('nope_msgs/Thing', {})).toThrow(/nope_msgs\/Thing: unknown ROS message type/);
  });

  it('refuses truncated data and a missing header', () => {
    expect(() => deserializeCdr('sensor_msgs/JointState', JOINT_STATE_BYTES.subarray(0, 30))).toThrow(
      /sensor_msgs\/msg\/JointState: cannot deserialize 30 bytes/,
    );
    expect(() => deserializeCdr('std_msgs/String', new Uint8Array(2))).toThrow(/shorter than the 4-byte/);
    expect(() => deserializeCdr('std_msgs/String', hex('00 07 00 00 01 00 00 00 00'))).toThrow(
      /not plain CDR/,
    );
  });

  it('refuses a corrupt sequence length quickly, without a huge allocation', () => {
    const bytes = JOINT_STATE_BYTES.slice();
    bytes.set([0xff, 0xff, 0xff, 0x7f], 4 + 28); // position count (header + data offset 28)
    expect(() => deserializeCdr('sensor_msgs/JointState', bytes)).toThrow(/cannot deserialize 52 bytes/);
    const names = JOINT_STATE_BYTES.slice();
    names.set([0xff, 0xff, 0xff, 0xff], 4 + 16); // name count
    expect(() => deserializeCdr('sensor_msgs/JointState', names)).toThrow(/cannot deserialize/);
  });
});

/**
 * URDF parsing and chain building: structure, unit conversion, folding of fixed joints, and named errors
 * for bad files. Expected numbers are read off the URDF text by hand (the file is small), the folded
 * transform is checked against the product of the two origins computed with KDL (kdl-oracle.py's FK of a
 * one-joint chain at q = 0 gives the same frame only if folding is right).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRobotChain, ROBOT_URDF_PATH } from '../src/node/robot.ts';
import { robotChainFromUrdf } from '../src/robot.ts';
import { buildChain, parseUrdf } from '../src/urdf.ts';

const robotXml = readFileSync(ROBOT_URDF_PATH, 'utf8');

/** A minimal valid two-joint URDF; `extra` is inserted in <robot>, `j2` replaces the second joint. */
const urdf = (opts: { extra?: string; j2?: string; ns?: string } = {}) => `<?xml version="1.0"?>
<robot name="mini" xmlns:${opts.ns ?? 'neuroplan'}="urn:neuroplan:urdf-extensions:1">
  <link name="base_link"/><link name="l1"/><link name="needle_tip"/>
  <joint name="j1" type="revolute">
    <parent link="base_link"/><child link="l1"/>
    <origin xyz="0 0 0.1"/><axis xyz="0 0 2"/>
    <limit lower="-1" upper="1" velocity="1" effort="5"/>
    <${opts.ns ?? 'neuroplan'}:limits acceleration="2" encoder_resolution="1e-6"/>
  </joint>
  ${
    opts.j2 ??
    `<joint name="j2" type="prismatic">
    <parent link="l1"/><child link="needle_tip"/>
    <origin xyz="0.2 0 0" rpy="0 0 0"/><axis xyz="1 0 0"/>
    <limit lower="0" upper="0.05" velocity="0.004" effort="20"/>
    <${opts.ns ?? 'neuroplan'}:limits acceleration="0.03" encoder_resolution="2e-8"/>
  </joint>`
  }
  ${opts.extra ?? ''}
</robot>`;

describe('parseUrdf', () => {
  it('reads links, joints, origins, normalised axes, limits and the extension', () => {
    const m = parseUrdf(urdf(), 'mini.urdf');
    expect(m.name).toBe('mini');
    expect(m.rootLink).toBe('base_link');
    expect(m.links).toEqual(['base_link', 'l1', 'needle_tip']);
    const [j1, j2] = m.joints;
    expect(j1!.axis).toEqual([0, 0, 1]); // "0 0 2" normalised
    expect(j1!.origin).toEqual({ xyz: [0, 0, 0.1], rpy: [0, 0, 0] });
    expect(j2!.limit).toEqual({ lower: 0, upper: 0.05, velocity: 0.004, effort: 20 });
    expect(j2!.extension).toEqual({ acceleration: 0.03, encoderResolution: 2e-8 });
  });

  it('finds the extension under whatever prefix the file binds to its namespace', () => {
    expect(parseUrdf(urdf({ ns: 'np' }), 'np.urdf').joints[1]!.extension.acceleration).toBe(0.03);
  });

  it('reads our robot: 11 links, 10 joints, root base_link', () => {
    const m = parseUrdf(robotXml, 'neuroplan_robot.urdf');
    expect(m.name).toBe('neuroplan_robot');
    expect(m.links).toHaveLength(11);
    expect(m.joints.map((j) => j.name)).toEqual([
      'joint_1',
      'joint_2',
      'joint_3',
      'joint_4',
      'joint_5',
      'joint_6',
      'flange',
      'head_mount',
      'insertion',
      'needle',
    ]);
    expect(m.rootLink).toBe('base_link');
  });

  const bad: [string, string, RegExp][] = [
    ['malformed XML', '<robot name="x"><link name="a"></robot>', /^bad\.urdf: not well-formed XML \(line 1/],
    ['not a robot', '<model name="x"/>', /^bad\.urdf: the root element is not a single <robot>/],
    ['robot without name', '<robot><link name="a"/></robot>', /<robot> has no name/],
    ['no links', '<robot name="x"/>', /has no <link>/],
    [
      'duplicate link',
      '<robot name="x"><link name="a"/><link name="a"/></robot>',
      /link 'a' is defined twice/,
    ],
    [
      'joint without axis',
      urdf({
        j2: `<joint name="j2" type="prismatic"><parent link="l1"/><child link="needle_tip"/><limit lower="0" upper="1" velocity="1" effort="1"/></joint>`,
      }),
      /^bad\.urdf: joint 'j2' has no axis$/,
    ],
    [
      'zero axis',
      urdf({
        j2: `<joint name="j2" type="continuous"><parent link="l1"/><child link="needle_tip"/><axis xyz="0 0 0"/></joint>`,
      }),
      /joint 'j2' has a zero axis/,
    ],
    [
      'unknown parent link',
      urdf({
        j2: `<joint name="j2" type="fixed"><parent link="nowhere"/><child link="needle_tip"/></joint>`,
      }),
      /^bad\.urdf: joint 'j2' names unknown parent link 'nowhere'$/,
    ],
    [
      'unknown child link',
      urdf({ j2: `<joint name="j2" type="fixed"><parent link="l1"/><child link="ghost"/></joint>` }),
      /joint 'j2' names unknown child link 'ghost'/,
    ],
    [
      'unknown joint type',
      urdf({ j2: `<joint name="j2" type="hinge"><parent link="l1"/><child link="needle_tip"/></joint>` }),
      /joint 'j2' has unknown type 'hinge'/,
    ],
    [
      'several roots',
      urdf({ j2: '', extra: '' }),
      /^bad\.urdf: has several root links \('base_link', 'needle_tip'\)$/,
    ],
    [
      'a cycle',
      urdf({
        j2: `<joint name="j2" type="fixed"><parent link="needle_tip"/><child link="base_link"/></joint>
             <joint name="j3" type="fixed"><parent link="l1"/><child link="needle_tip"/></joint>`,
      }),
      /the joints form a cycle through links/,
    ],
    [
      'a link with two parents',
      urdf({
        extra: `<joint name="j3" type="fixed"><parent link="base_link"/><child link="needle_tip"/></joint>`,
      }),
      /link 'needle_tip' is the child of several joints \('j2', 'j3'\)/,
    ],
    [
      'duplicate joint name',
      urdf({
        extra: `<link name="x"/><joint name="j1" type="fixed"><parent link="l1"/><child link="x"/></joint>`,
      }),
      /joint 'j1' is defined twice/,
    ],
    [
      'bad origin numbers',
      urdf({
        j2: `<joint name="j2" type="fixed"><parent link="l1"/><child link="needle_tip"/><origin xyz="0 0x10 1"/></joint>`,
      }),
      /joint 'j2' origin xyz '0 0x10 1' is not 3 numbers/,
    ],
    [
      'two origin numbers',
      urdf({
        j2: `<joint name="j2" type="fixed"><parent link="l1"/><child link="needle_tip"/><origin rpy="0 1"/></joint>`,
      }),
      /joint 'j2' origin rpy '0 1' is not 3 numbers/,
    ],
    [
      'revolute joint without limit',
      urdf({
        j2: `<joint name="j2" type="revolute"><parent link="l1"/><child link="needle_tip"/><axis xyz="0 1 0"/></joint>`,
      }),
      /joint 'j2' has no <limit>/,
    ],
    [
      'limit without velocity',
      urdf({
        j2: `<joint name="j2" type="revolute"><parent link="l1"/><child link="needle_tip"/><axis xyz="0 1 0"/><limit lower="0" upper="1" effort="1"/></joint>`,
      }),
      /joint 'j2' <limit> has no velocity/,
    ],
    [
      'inverted limits',
      urdf({
        j2: `<joint name="j2" type="revolute"><parent link="l1"/><child link="needle_tip"/><axis xyz="0 1 0"/><limit lower="1" upper="-1" velocity="1" effort="1"/></joint>`,
      }),
      /joint 'j2' <limit> lower 1 is above upper -1/,
    ],
    [
      'non-positive extension value',
      urdf({
        j2: `<joint name="j2" type="fixed"><parent link="l1"/><child link="needle_tip"/><neuroplan:limits acceleration="-1"/></joint>`,
      }),
      /joint 'j2' <neuroplan:limits> acceleration must be positive/,
    ],
    [
      'mimic of an unknown joint',
      urdf({
        j2: `<joint name="j2" type="continuous"><parent link="l1"/><child link="needle_tip"/><axis xyz="0 1 0"/><mimic joint="zz"/></joint>`,
      }),
      /joint 'j2' mimics unknown joint 'zz'/,
    ],
  ];
  for (const [what, xml, message] of bad)
    it(`names the file and the reason: ${what}`, () => {
      expect(() => parseUrdf(xml, 'bad.urdf')).toThrow(message);
    });
});

describe('buildChain', () => {
  it('converts metres to mm for lengths and prismatic limits, keeps radians', () => {
    const c = buildChain(parseUrdf(urdf(), 'mini.urdf'));
    expect(c.joints.map((j) => j.name)).toEqual(['j1', 'j2']);
    expect(c.joints[0]!.originFromParent.positionMm).toEqual([0, 0, 100]);
    expect(c.joints[0]!.limits).toEqual({ lower: -1, upper: 1, velocity: 1, acceleration: 2, effort: 5 });
    expect(c.joints[0]!.encoderResolution).toBe(1e-6);
    expect(c.joints[1]!.originFromParent.positionMm).toEqual([200, 0, 0]);
    expect(c.joints[1]!.limits).toEqual({ lower: 0, upper: 50, velocity: 4, acceleration: 30, effort: 20 });
    expect(c.joints[1]!.encoderResolution).toBeCloseTo(2e-5, 18);
    expect(Array.from(c.toolFromLastJoint.rotation)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(c.toolFromLastJoint.positionMm).toEqual([0, 0, 0]);
  });

  it('folds the fixed joints of our robot into the insertion origin and the tool transform', () => {
    const c = loadRobotChain();
    expect(robotChainFromUrdf(robotXml)).toEqual(c);
    // flange (rpy 0 π/2 0 on link_6) ∘ head_mount (z + 0.02 m) ∘ insertion origin (z + 0.06 m): the
    // insertion frame sits 80 mm along link_6's x axis, with its z along link_6's x (as read off the file).
    const ins = c.joints[6]!.originFromParent;
    ins.positionMm.forEach((v, k) => expect(v).toBeCloseTo([80, 0, 0][k]!, 12));
    Array.from(ins.rotation).forEach((v, k) => expect(v).toBeCloseTo([0, 0, 1, 0, 1, 0, -1, 0, 0][k]!, 15));
    expect(c.toolFromLastJoint.positionMm).toEqual([0, 0, 120]);
  });

  it('folds leading fixed joints into the first joint (checked with KDL at q = 0)', () => {
    const path = join(import.meta.dirname, 'fixtures', 'twisted.urdf');
    const c = buildChain(parseUrdf(readFileSync(path, 'utf8'), path), 'world', 'a');
    expect(c.joints.map((j) => j.name)).toEqual(['j_a']);
    const out = JSON.parse(
      execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'kdl-oracle.py'), path, 'world', 'a'], {
        input: JSON.stringify({ q: [[0]] }),
        encoding: 'utf8',
      }),
    ) as { fk: number[][] };
    const e = out.fk[0]!;
    c.joints[0]!.originFromParent.positionMm.forEach((v, k) =>
      expect(Math.abs(v - e[k]! * 1000)).toBeLessThan(1e-12),
    );
    Array.from(c.joints[0]!.originFromParent.rotation).forEach((v, k) =>
      expect(Math.abs(v - e[3 + k]!)).toBeLessThan(1e-15),
    );
  });

  it('names the problem when the chain cannot be built', () => {
    const m = parseUrdf(urdf(), 'mini.urdf');
    expect(() => buildChain(m, 'base_link', 'nope')).toThrow(/^mini\.urdf: has no link 'nope'$/);
    expect(() => buildChain(m, 'needle_tip', 'base_link')).toThrow(
      /link 'base_link' is not below link 'needle_tip'/,
    );
    expect(() => buildChain(m, 'l1', 'l1')).toThrow(/no moving joint between 'l1' and 'l1'/);
    const noExt = parseUrdf(urdf().replace(/<neuroplan:limits acceleration="2"[^>]*>/, ''), 'noext.urdf');
    expect(() => buildChain(noExt)).toThrow(/^noext\.urdf: joint 'j1' has no acceleration limit/);
    const noEnc = parseUrdf(urdf().replace('encoder_resolution="1e-6"', ''), 'noenc.urdf');
    expect(() => buildChain(noEnc)).toThrow(/joint 'j1' has no encoder resolution/);
    const floating = parseUrdf(
      urdf({ j2: `<joint name="j2" type="floating"><parent link="l1"/><child link="needle_tip"/></joint>` }),
      'f.urdf',
    );
    expect(() => buildChain(floating)).toThrow(/joint 'j2' is floating, which a serial chain cannot hold/);
  });

  it('loadRobotChain names a missing file', () => {
    expect(() => loadRobotChain('/nonexistent/robot.urdf')).toThrow(
      /^\/nonexistent\/robot\.urdf: cannot be read/,
    );
  });
});

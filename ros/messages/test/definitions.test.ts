import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import rosmsg from '@foxglove/rosmsg';
import { describe, expect, it } from 'vitest';

import {
  GENERATED_FILE,
  NEUROPLAN_INTERFACES_ROOT,
  VENDORED_ROOT,
  formattedDefinitionsModule,
  readAllSources,
} from '../scripts/generate.ts';
import {
  actionTypeInfo,
  actionTypes,
  definitionText,
  findMessageType,
  messageTypes,
  parsedDefinitions,
  ros2msgSchema,
  serviceTypeInfo,
  serviceTypes,
} from '../src/registry.ts';

describe('generated definitions', () => {
  it('src/generated/definitions.ts is up to date with the .msg/.srv/.action files', async () => {
    const expected = await formattedDefinitionsModule();
    const actual = readFileSync(GENERATED_FILE, 'utf8');
    // If this fails: node --import tsx ros/messages/scripts/generate.ts
    expect(actual === expected).toBe(true);
  });

  it('holds every interface file, and each text as on disk', () => {
    const sources = readAllSources();
    expect(sources.length).toBeGreaterThan(40);
    for (const s of sources) expect(definitionText(s.type)).toBe(s.text);
  });
});

describe('every definition parses with @foxglove/rosmsg', () => {
  it.each(readAllSources())('$file', (source) => {
    // Each part of the file on its own (as `ros2 interface show` would list it), unresolved names allowed.
    const parts = source.text.split(/^---\s*$/m);
    for (const part of parts)
      expect(() => rosmsg.parse(part, { ros2: true, skipTypeFixup: true })).not.toThrow();
  });

  it.each(messageTypes())('%s resolves with all its dependencies', (type) => {
    const defs = parsedDefinitions(type);
    const names = new Set(defs.slice(1).map((d) => d.name));
    for (const def of defs) {
      for (const f of def.definitions) if (f.isComplex === true) expect(names.has(f.type)).toBe(true);
    }
  });
});

describe('type names', () => {
  it('accepts pkg/msg/T and pkg/T, derived service and action parts', () => {
    expect(findMessageType('sensor_msgs/JointState')).toBe('sensor_msgs/msg/JointState');
    expect(findMessageType('sensor_msgs/msg/JointState')).toBe('sensor_msgs/msg/JointState');
    expect(findMessageType('neuroplan_interfaces/ClaimControl_Request')).toBe(
      'neuroplan_interfaces/srv/ClaimControl_Request',
    );
    expect(findMessageType('neuroplan_interfaces/Insert_Feedback')).toBe(
      'neuroplan_interfaces/action/Insert_Feedback',
    );
    expect(findMessageType('sensor_msgs/Nope')).toBeUndefined();
    expect(serviceTypeInfo('std_srvs/Trigger')).toEqual({
      type: 'std_srvs/srv/Trigger',
      request: 'std_srvs/srv/Trigger_Request',
      response: 'std_srvs/srv/Trigger_Response',
    });
    expect(actionTypeInfo('neuroplan_interfaces/Insert').sendGoalRequest).toBe(
      'neuroplan_interfaces/action/Insert_SendGoal_Request',
    );
    expect(() => serviceTypeInfo('std_srvs/Nope')).toThrow(/std_srvs\/Nope: unknown ROS service type/);
  });

  it('lists the interfaces of ros-spec', () => {
    expect(serviceTypes()).toEqual([
      'neuroplan_interfaces/srv/ClaimControl',
      'neuroplan_interfaces/srv/LoadPlan',
      'neuroplan_interfaces/srv/RegisterPatient',
      'neuroplan_interfaces/srv/ReleaseControl',
      'neuroplan_interfaces/srv/RequestBciSnippet',
      'neuroplan_interfaces/srv/ResetEstop',
      'rosapi_msgs/srv/GetTime',
      'std_srvs/srv/Trigger',
    ]);
    expect(actionTypes()).toEqual([
      'control_msgs/action/FollowJointTrajectory',
      'neuroplan_interfaces/action/Insert',
      'neuroplan_interfaces/action/MoveToPreEntry',
      'neuroplan_interfaces/action/Retract',
    ]);
  });

  it('splits a service at its --- line', () => {
    expect(definitionText('std_srvs/srv/Trigger_Request')).toBe(
      '# Trigger an action with no arguments (e.g. the emergency stop).\n',
    );
    expect(definitionText('std_srvs/Trigger_Response')).toMatch(
      /^# True when it was triggered\.\nbool success\n/,
    );
  });
});

describe('ros2msg schema (MCAP appendix "ros2msg", as rosbag2_storage_mcap writes it)', () => {
  const DELIM = '='.repeat(80);
  const file = (rel: string): string => readFileSync(join(VENDORED_ROOT, rel), 'utf8');

  it('Heartbeat: own text, then each dependency after 80 "=" and "MSG: <name>"', () => {
    const own = readFileSync(join(NEUROPLAN_INTERFACES_ROOT, 'msg/Heartbeat.msg'), 'utf8');
    const expected = `${own}\n${DELIM}\nMSG: builtin_interfaces/Time\n${file('builtin_interfaces/msg/Time.msg')}`;
    expect(ros2msgSchema('neuroplan_interfaces/msg/Heartbeat')).toBe(expected);
  });

  it('PoseStamped: dependencies depth first, in sorted order, each once', () => {
    const schema = ros2msgSchema('geometry_msgs/PoseStamped');
    const msgLines = schema.split('\n').filter((l) => l.startsWith('MSG: '));
    // PoseStamped uses Pose and std_msgs/Header (sorted: geometry_msgs/Pose first); Pose uses Point and
    // Quaternion; Header uses builtin_interfaces/Time.
    expect(msgLines).toEqual([
      'MSG: geometry_msgs/Pose',
      'MSG: geometry_msgs/Point',
      'MSG: geometry_msgs/Quaternion',
      'MSG: std_msgs/Header',
      'MSG: builtin_interfaces/Time',
    ]);
    expect(schema.split(`\n${DELIM}\n`)).toHaveLength(6);
  });

  it('TFMessage lists TransformStamped and its parts once even where used twice', () => {
    const msgLines = ros2msgSchema('tf2_msgs/msg/TFMessage')
      .split('\n')
      .filter((l) => l.startsWith('MSG: '));
    expect(msgLines).toEqual([
      'MSG: geometry_msgs/TransformStamped',
      'MSG: geometry_msgs/Transform',
      'MSG: geometry_msgs/Quaternion',
      'MSG: geometry_msgs/Vector3',
      'MSG: std_msgs/Header',
      'MSG: builtin_interfaces/Time',
    ]);
  });
});

/** Reads the interface files listed in package.xml/CMakeLists.txt and compares them with the directory. */
describe('ros/neuroplan_interfaces package files', () => {
  const root = NEUROPLAN_INTERFACES_ROOT;
  const onDisk = ['msg', 'srv', 'action']
    .flatMap((kind) => readdirSync(join(root, kind)).map((f) => `${kind}/${f}`))
    .sort();

  it('CMakeLists.txt lists exactly the interface files present', () => {
    const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
    const call = /rosidl_generate_interfaces\(\s*\$\{PROJECT_NAME\}([\s\S]*?)\)/.exec(cmake);
    expect(call).not.toBeNull();
    const listed = [...call![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).sort();
    expect(listed).toEqual(onDisk);
    const deps = /DEPENDENCIES([^)]*)/.exec(call![1]!)![1]!.trim().split(/\s+/);
    for (const pkg of ['builtin_interfaces', 'std_msgs', 'geometry_msgs']) {
      expect(deps).toContain(pkg);
      expect(cmake).toContain(`find_package(${pkg} REQUIRED)`);
    }
  });

  it('package.xml is format 3, an interface package, and depends on every package the files use', () => {
    const xml = readFileSync(join(root, 'package.xml'), 'utf8');
    expect(xml).toMatch(/<package format="3">/);
    expect(xml).toContain('<name>neuroplan_interfaces</name>');
    expect(xml).toContain('<buildtool_depend>ament_cmake</buildtool_depend>');
    expect(xml).toContain('<buildtool_depend>rosidl_default_generators</buildtool_depend>');
    expect(xml).toContain('<member_of_group>rosidl_interface_packages</member_of_group>');
    const depends = [...xml.matchAll(/<depend>([^<]+)<\/depend>/g)].map((m) => m[1]!);
    const used = new Set<string>();
    for (const f of onDisk) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(/^\s*([a-z][a-z0-9_]*)\/[A-Z]\w*/gm)) used.add(m[1]!);
    }
    expect([...used].sort()).toEqual(['builtin_interfaces', 'geometry_msgs', 'std_msgs']);
    for (const pkg of used) expect(depends).toContain(pkg);
  });

  it('README names every interface', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const f of onDisk) expect(readme).toContain(`\`${f.replace(/\.\w+$/, '')}\``);
  });
});

/**
 * ros/neuroplan_bringup: the launch/config files reference only joints of the URDF and interfaces that exist,
 * and rosbridge's allow-lists admit the NeuroPlan surface and nothing that moves joints directly.
 * Glob matching is done by Python's fnmatch (what rosbridge uses), not re-implemented here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../scripts/generate.ts';
import { actionTypes, findMessageType, serviceTypes } from '../src/registry.ts';
import { RosNames, RosTypes } from '../src/types.ts';

const BRINGUP = join(REPO_ROOT, 'ros', 'neuroplan_bringup');
const URDF = readFileSync(join(REPO_ROOT, 'ros', 'description', 'urdf', 'neuroplan_robot.urdf'), 'utf8');
const read = (rel: string): string => readFileSync(join(BRINGUP, rel), 'utf8');
type Yaml = Record<string, Record<string, Record<string, unknown>>>;

/** Moving joints of the URDF in document order (the file is plain XML without nested <joint> elements). */
const urdfJoints = [...URDF.matchAll(/<joint\s+name="([^"]+)"\s+type="([^"]+)"/g)]
  .filter((m) => m[2] !== 'fixed')
  .map((m) => m[1]!);

/** The robot's ROS surface (ros-spec) with the type each name carries. */
const TOPICS: Record<string, string> = {
  [RosNames.jointStates]: RosTypes.JointState,
  [RosNames.tf]: RosTypes.TFMessage,
  [RosNames.tfStatic]: RosTypes.TFMessage,
  [RosNames.robotDescription]: RosTypes.String,
  [RosNames.diagnostics]: RosTypes.DiagnosticArray,
  [RosNames.tipPose]: RosTypes.PoseStamped,
  [RosNames.safetyState]: RosTypes.SafetyState,
  [RosNames.insertionStatus]: RosTypes.InsertionStatus,
  [RosNames.heartbeat]: RosTypes.Heartbeat,
  [RosNames.bciSummary]: RosTypes.BciSummary,
  [RosNames.bciSnippets]: RosTypes.BciSnippet,
};
const SERVICES: Record<string, string> = {
  [RosNames.estop]: RosTypes.Trigger,
  [RosNames.claimControl]: RosTypes.ClaimControl,
  [RosNames.releaseControl]: RosTypes.ReleaseControl,
  [RosNames.loadPlan]: RosTypes.LoadPlan,
  [RosNames.registerPatient]: RosTypes.RegisterPatient,
  [RosNames.resetEstop]: RosTypes.ResetEstop,
  [RosNames.requestBciSnippet]: RosTypes.RequestBciSnippet,
};
const ACTIONS: Record<string, string> = {
  [RosNames.moveToPreEntry]: RosTypes.MoveToPreEntry,
  [RosNames.insert]: RosTypes.Insert,
  [RosNames.retract]: RosTypes.Retract,
};
/** Names that must stay out of reach of bridge clients (direct joint motion, controller management). */
const FORBIDDEN = {
  topics: [
    '/joint_trajectory_controller/joint_trajectory',
    '/controller_manager/robot_description',
    '/parameter_events',
  ],
  services: [
    '/joint_trajectory_controller/follow_joint_trajectory/_action/send_goal',
    '/joint_trajectory_controller/follow_joint_trajectory/_action/cancel_goal',
    '/controller_manager/switch_controller',
    '/controller_manager/load_controller',
    '/rosbridge_websocket/set_parameters',
    '/joint_trajectory_controller/query_state',
  ],
  actions: [RosNames.followJointTrajectory, '/robot/insert_unchecked', '/follow_joint_trajectory'],
};

/** rosbridge_websocket's parse_glob_string: "['a', 'b']" -> ['a', 'b']. */
function parseGlobString(text: string): string[] {
  expect(text.startsWith('[') && text.endsWith(']')).toBe(true);
  return text
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim().replace(/^'|'$/g, ''))
    .filter((s) => s !== '');
}

/** matches[i][j] = fnmatch.fnmatch(names[i], patterns[j]) in Python. */
function fnmatchMatrix(names: string[], patterns: string[]): boolean[][] {
  const script =
    'import fnmatch, json, sys\nd = json.load(sys.stdin)\n' +
    'print(json.dumps([[fnmatch.fnmatch(n, p) for p in d["patterns"]] for n in d["names"]]))';
  const out = execFileSync('/usr/bin/python3', ['-c', script], {
    input: JSON.stringify({ names, patterns }),
  });
  return JSON.parse(out.toString()) as boolean[][];
}

describe('URDF and ros2_control', () => {
  it('the URDF has the 7 moving joints the configuration is written for', () => {
    expect(urdfJoints).toEqual([
      'joint_1',
      'joint_2',
      'joint_3',
      'joint_4',
      'joint_5',
      'joint_6',
      'insertion',
    ]);
  });

  it('controllers.yaml: 1 kHz, both controllers, every URDF joint and only those, a command timeout', () => {
    const cfg = yaml.load(read('config/controllers.yaml')) as Yaml;
    const cm = cfg.controller_manager!.ros__parameters!;
    expect(cm.update_rate).toBe(1000);
    expect((cm.joint_state_broadcaster as { type: string }).type).toBe(
      'joint_state_broadcaster/JointStateBroadcaster',
    );
    expect((cm.joint_trajectory_controller as { type: string }).type).toBe(
      'joint_trajectory_controller/JointTrajectoryController',
    );
    const jtc = cfg.joint_trajectory_controller!.ros__parameters!;
    expect(jtc.joints).toEqual(urdfJoints);
    expect(jtc.command_interfaces).toEqual(['position']);
    expect(jtc.state_interfaces).toEqual(['position', 'velocity']);
    const constraints = jtc.constraints as Record<string, unknown>;
    expect(
      Object.keys(constraints).filter((k) => k !== 'stopped_velocity_tolerance' && k !== 'goal_time'),
    ).toEqual(urdfJoints);
    // JTC ignores cmd_timeout unless it exceeds goal_time.
    expect(jtc.cmd_timeout as number).toBeGreaterThan(constraints.goal_time as number);
    const jsb = cfg.joint_state_broadcaster!.ros__parameters!;
    expect(jsb.joints).toEqual(urdfJoints);
    expect(1000 % (jsb.update_rate as number)).toBe(0);
    expect(jsb.update_rate).toBe(250);
  });

  it('urdf/ros2_control.xml has the same joints with the interfaces the controllers claim', () => {
    const xml = read('urdf/ros2_control.xml');
    const joints = [...xml.matchAll(/<joint name="([^"]+)">([\s\S]*?)<\/joint>/g)];
    expect(joints.map((m) => m[1])).toEqual(urdfJoints);
    for (const m of joints) {
      expect([...m[2]!.matchAll(/<command_interface name="(\w+)"/g)].map((c) => c[1])).toEqual(['position']);
      expect([...m[2]!.matchAll(/<state_interface name="(\w+)"/g)].map((c) => c[1])).toEqual([
        'position',
        'velocity',
      ]);
    }
    expect(xml).toContain('<plugin>HARDWARE_PLUGIN</plugin>');
  });
});

describe('rosbridge allow-lists', () => {
  const params = (yaml.load(read('config/rosbridge.yaml')) as Yaml).rosbridge_websocket!.ros__parameters!;
  const globs = {
    topics: parseGlobString(params.topics_glob as string),
    services: parseGlobString(params.services_glob as string),
    actions: parseGlobString(params.actions_glob as string),
  };
  const allowed = {
    topics: Object.keys(TOPICS),
    services: Object.keys(SERVICES),
    actions: Object.keys(ACTIONS),
  };

  it('port 9090, TLS files empty by default, no empty list', () => {
    expect(params.port).toBe(9090);
    expect(params.certfile).toBe('');
    expect(params.keyfile).toBe('');
    for (const list of Object.values(globs)) expect(list.length).toBeGreaterThan(0);
  });

  it.each(['topics', 'services', 'actions'] as const)(
    '%s: admits the surface, refuses the forbidden names',
    (kind) => {
      const names = [...allowed[kind], ...FORBIDDEN[kind]];
      const m = fnmatchMatrix(names, globs[kind]);
      names.forEach((name, i) => {
        const admitted = m[i]!.some(Boolean);
        expect({ name, admitted }).toEqual({ name, admitted: allowed[kind].includes(name) });
      });
      // Every pattern admits at least one name of the surface (no stale or mistyped entries).
      globs[kind].forEach((pattern, j) => {
        expect({ pattern, used: allowed[kind].some((_, i) => m[i]![j]) }).toEqual({ pattern, used: true });
      });
    },
  );

  it('every allowed name has its interface type in ros/messages', () => {
    for (const type of Object.values(TOPICS)) expect(findMessageType(type)).toBe(type);
    for (const type of Object.values(SERVICES)) expect(serviceTypes()).toContain(type);
    for (const type of Object.values(ACTIONS)) expect(actionTypes()).toContain(type);
  });

  it('the names match ros/neuroplan_interfaces/README.md', () => {
    const readme = readFileSync(join(REPO_ROOT, 'ros', 'neuroplan_interfaces', 'README.md'), 'utf8');
    for (const name of [...allowed.topics, ...allowed.services, ...allowed.actions]) {
      expect(readme).toContain(`\`${name}\``);
    }
  });
});

describe('launch file and package', () => {
  interface LaunchNode {
    package: string;
    executable: string;
    name?: string;
    arguments?: string[];
    parameters: unknown[];
    remappings: string[][];
  }
  /** Evaluates the launch file with stand-in launch modules (test/python/run_launch.py); no ROS needed. */
  const runLaunch = (
    overrides: Record<string, string>,
  ): { declared: Record<string, string>; nodes: LaunchNode[] } =>
    JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          fileURLToPath(new URL('./python/run_launch.py', import.meta.url)),
          BRINGUP,
          JSON.stringify({
            urdf: join(REPO_ROOT, 'ros', 'description', 'urdf', 'neuroplan_robot.urdf'),
            ...overrides,
          }),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ).toString(),
    ) as { declared: Record<string, string>; nodes: LaunchNode[] };

  it('starts robot_state_publisher with the URDF plus the ros2_control block, for the URDF joints', () => {
    const { declared, nodes } = runLaunch({});
    expect(declared).toEqual({
      port: '9090',
      address: '',
      certfile: '',
      keyfile: '',
      urdf: '',
      hardware_plugin: 'mock_components/GenericSystem',
    });
    const rsp = nodes.find((n) => n.package === 'robot_state_publisher')!;
    expect(rsp.parameters).toEqual([
      {
        robot_description: {
          robot: 'neuroplan_robot',
          ros2_control_joints: urdfJoints,
          plugin: 'mock_components/GenericSystem',
          urdf_joints: urdfJoints,
        },
      },
    ]);
  });

  it('starts the controller manager with controllers.yaml and spawns exactly its controllers', () => {
    const { nodes } = runLaunch({ hardware_plugin: 'vendor/System' });
    const cm = nodes.find((n) => n.executable === 'ros2_control_node')!;
    expect(cm.parameters).toEqual(['config/controllers.yaml']);
    expect(cm.remappings).toEqual([['~/robot_description', '/robot_description']]);
    const spawned = nodes.filter((n) => n.executable === 'spawner').map((n) => n.arguments![0]);
    const configured = Object.keys(
      (yaml.load(read('config/controllers.yaml')) as Yaml).controller_manager!.ros__parameters!,
    ).filter((k) => k !== 'update_rate');
    expect(spawned).toEqual(configured);
    expect(spawned).toEqual(['joint_state_broadcaster', 'joint_trajectory_controller']);
    const rsp = nodes.find((n) => n.package === 'robot_state_publisher')!;
    expect((rsp.parameters[0] as { robot_description: { plugin: string } }).robot_description.plugin).toBe(
      'vendor/System',
    );
  });

  it('starts rosbridge_websocket with rosbridge.yaml, port and TLS overrides', () => {
    const plain = runLaunch({}).nodes.find((n) => n.package === 'rosbridge_server')!;
    expect(plain.executable).toBe('rosbridge_websocket');
    expect(plain.parameters).toEqual([
      'config/rosbridge.yaml',
      { port: 9090, address: '', certfile: '', keyfile: '', ssl: false },
    ]);
    const tls = runLaunch({ certfile: '/etc/c.pem', keyfile: '/etc/k.pem', port: '9443' }).nodes.find(
      (n) => n.package === 'rosbridge_server',
    )!;
    expect(tls.parameters[1]).toEqual({
      port: 9443,
      address: '',
      certfile: '/etc/c.pem',
      keyfile: '/etc/k.pem',
      ssl: true,
    });
    expect(() => runLaunch({ certfile: '/etc/c.pem' })).toThrow(
      /certfile and keyfile must be given together/,
    );
  });

  it('package.xml runs on the packages the launch file starts; CMake installs launch, config, urdf', () => {
    const launch = read('launch/bringup.launch.py');
    const xml = read('package.xml');
    const deps = [...xml.matchAll(/<exec_depend>([^<]+)<\/exec_depend>/g)].map((m) => m[1]);
    for (const pkg of [...launch.matchAll(/package="([^"]+)"/g)].map((m) => m[1]))
      expect(deps).toContain(pkg);
    for (const pkg of ['neuroplan_interfaces', 'joint_state_broadcaster', 'joint_trajectory_controller']) {
      expect(deps).toContain(pkg);
    }
    const cmake = read('CMakeLists.txt');
    expect(cmake).toContain('install(DIRECTORY launch config urdf DESTINATION share/${PROJECT_NAME})');
    expect(cmake).toContain('../description/urdf/neuroplan_robot.urdf');
  });
});

/**
 * The simulator as one call: an in-process ROS graph, the rosbridge v2 server on it and the simulated robot
 * node. `neuroplan sim` and `npm start` run this. Operator credentials come from the environment
 * (NEUROPLAN_OPERATOR_SECRETS or NEUROPLAN_OPERATOR_PASSWORD) or, when none is set and `demoCredentialDir`
 * is given, a fresh demo operator whose password is returned to be printed (the hash goes to that folder,
 * e.g. .tmp/, which git ignores).
 */
import { RosGraph } from './graph.ts';
import { startRosbridgeServer, type RosbridgeServer, type RosbridgeServerOptions } from './bridge/index.ts';
import { credentialsFromEnv, createDemoCredential, type OperatorCredentials } from './robot/credentials.ts';
import { SimulatedRobot, type SimulatedRobotOptions } from './robot/node.ts';
import { startBciNode, type BciNode, type BciNodeOptions } from './bci/node.ts';

export interface StartSimulatedRobotOptions extends Omit<SimulatedRobotOptions, 'credentials'> {
  /** Bridge port (default 9090; 0 = any free port). */
  port?: number;
  /** Bridge interface (default 127.0.0.1). */
  host?: string;
  /** Advance simulated time with the wall clock (default true); false: call `robot.advance()` yourself. */
  realTime?: boolean;
  /** Credentials; default: from the environment, else a demo credential when `demoCredentialDir` is set. */
  credentials?: OperatorCredentials | null;
  demoCredentialDir?: string;
  env?: Record<string, string | undefined>;
  /** Extra rosbridge server options (access globs, sizes, log). */
  bridge?: Omit<RosbridgeServerOptions, 'graph' | 'port' | 'host'>;
  /** The simulated amplifier and signal checks on /bci/* (default on, seed 1, 16 contacts per electrode). */
  bci?: false | Partial<BciNodeOptions>;
}

export interface SimulatedRobotHandle {
  graph: RosGraph;
  robot: SimulatedRobot;
  /** Null when started with `bci: false`. */
  bci: BciNode | null;
  bridge: RosbridgeServer;
  /** ws://host:port */
  url: string;
  /** Set when a demo credential was created: print it for the operator. */
  demoCredential: { operator: string; password: string; path: string } | null;
  /** Where the credentials came from (never the secret). */
  credentialSource: string;
  close(): Promise<void>;
}

export async function startSimulatedRobot(
  options: StartSimulatedRobotOptions = {},
): Promise<SimulatedRobotHandle> {
  const {
    port = 9090,
    host = '127.0.0.1',
    realTime = true,
    demoCredentialDir,
    env,
    bridge: bridgeOptions,
    bci: bciOptions = {},
    ...robotOptions
  } = options;
  let credentials = options.credentials;
  let demo: SimulatedRobotHandle['demoCredential'] = null;
  if (credentials === undefined) credentials = await credentialsFromEnv(env ?? process.env);
  if (credentials === null && demoCredentialDir !== undefined && options.credentials === undefined) {
    const d = await createDemoCredential(demoCredentialDir);
    credentials = d.credentials;
    demo = { operator: d.operator, password: d.password, path: d.path };
  }
  const graph = new RosGraph();
  const robot = new SimulatedRobot(graph, { ...robotOptions, credentials: credentials ?? null });
  const bci =
    bciOptions === false
      ? null
      : startBciNode(graph, {
          seed: 1,
          channelsPerElectrode: 16,
          epochS: robot.clock.epochS,
          plan: () => robot.loadedPlan?.plan ?? null,
          ...bciOptions,
        });
  // rosapi's clock service, as a real rosbridge deployment has it: clients measure round trips with it.
  const closeGetTime = graph.advertiseService('/rosapi/get_time', 'rosapi_msgs/srv/GetTime', () => ({
    time: robot.clock.now(),
  }));
  let bridge: RosbridgeServer;
  try {
    bridge = await startRosbridgeServer({ ...bridgeOptions, graph, port, host });
  } catch (e) {
    closeGetTime();
    robot.close();
    bci?.close();
    throw e;
  }
  if (realTime) {
    robot.startRealTime();
    bci?.startRealTime();
  }
  return {
    graph,
    robot,
    bci,
    bridge,
    url: bridge.url,
    demoCredential: demo,
    credentialSource: credentials?.source ?? 'none (every claim is refused)',
    async close() {
      closeGetTime();
      robot.close();
      bci?.close();
      await bridge.close();
    },
  };
}

/** The lines to print when the simulator is up. */
export function describeSimulator(h: SimulatedRobotHandle): string[] {
  const lines = [`NeuroPlan robot simulator: rosbridge at ${h.url}`];
  if (h.demoCredential)
    lines.push(
      `  demo operator: ${h.demoCredential.operator}  password: ${h.demoCredential.password}`,
      `  (created for this run; hash in ${h.demoCredential.path}; set NEUROPLAN_OPERATOR_SECRETS or NEUROPLAN_OPERATOR_PASSWORD to use your own)`,
    );
  else lines.push(`  operator credentials: ${h.credentialSource}`);
  return lines;
}

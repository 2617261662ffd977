/**
 * Access rules: the glob matcher against Python's own `fnmatch.fnmatchcase` (what rosbridge_server's
 * topics_glob/services_glob/actions_glob use), run at test time as the oracle; then the rules in front of the
 * bridge, and the server's keepalive and permessage-deflate options.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AccessRules, DEFAULT_DENY, globToRegExp } from '../src/bridge/index.ts';
import { RawClient, ROSLIB, connectRos, startBench, until, sleep, type Bench } from './bridgeHarness.ts';

let bench: Bench | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await bench?.server.close();
  bench = undefined;
});

describe('globs', () => {
  it('match exactly as Python fnmatch.fnmatchcase does', () => {
    const globs = [
      '*',
      '/robot/*',
      '/robot/?',
      '/bci/[a-s]*',
      '/x/[!a]b',
      '/a.b',
      '/joint_*_states',
      '[',
      '/t/[]x]',
      '/t/[!]x]',
      '/t/[a-c]?',
      '/A*',
    ];
    const names = [
      '/robot/estop',
      '/robot/a',
      '/robot',
      '/robot/x/y',
      '/bci/summary',
      '/bci/zeta',
      '/x/ab',
      '/x/cb',
      '/a.b',
      '/aXb',
      '/joint_arm_states',
      '/joint_states',
      '[',
      '/t/]',
      '/t/x',
      '/Abc',
      '/abc',
      '',
    ];
    const script =
      'import fnmatch, json, sys\n' +
      'g, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n' +
      'print(json.dumps([[fnmatch.fnmatchcase(x, p) for x in n] for p in g]))';
    const oracle = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(globs), JSON.stringify(names)], {
        encoding: 'utf8',
      }),
    ) as boolean[][];
    const ours = globs.map((g) => names.map((n) => globToRegExp(g).test(n)));
    expect(ours).toEqual(oracle);
  });

  it('deny wins over allow; the default refuses the trajectory controller and publishing robot topics', () => {
    const rules = new AccessRules({ topics: ['/robot/*', '/operator/*'] }, DEFAULT_DENY);
    expect(rules.check('topics', '/robot/safety_state')).toBeUndefined();
    expect(rules.check('topics', '/other')).toMatch(/topic \/other is not in this bridge's allow-list/);
    expect(rules.check('publish', '/robot/safety_state')).toMatch(
      /publishing on topic \/robot\/safety_state is refused/,
    );
    expect(rules.check('publish', '/operator/heartbeat')).toBeUndefined();
    expect(rules.check('actions', '/joint_trajectory_controller/follow_joint_trajectory')).toMatch(
      /internal use only/,
    );
    expect(rules.check('actions', '/robot/insert')).toBeUndefined();
    expect(
      new AccessRules({}, {}).check('actions', '/joint_trajectory_controller/follow_joint_trajectory'),
    ).toBeUndefined();
  });

  it('the server applies allow globs to subscribe, call_service and send_action_goal', async () => {
    bench = await startBench({ allow: { topics: ['/ok/*'], services: ['/ok/*'], actions: ['/ok/*'] } });
    bench.graph.advertise('/no/topic', 'std_msgs/msg/String');
    bench.graph.advertiseService('/no/svc', 'std_srvs/srv/Trigger', () => ({ success: true, message: '' }));
    const c = await RawClient.connect(bench.server.url);
    closers.push(() => c.close());
    c.send({ op: 'subscribe', id: 's', topic: '/no/topic' });
    expect((await c.next('status')).msg).toBe(
      "subscribe: topic /no/topic is not in this bridge's allow-list",
    );
    c.send({ op: 'call_service', id: 'c', service: '/no/svc' });
    expect(await c.next('service_response')).toMatchObject({
      id: 'c',
      result: false,
      values: "call_service: service /no/svc is not in this bridge's allow-list",
    });
    c.send({ op: 'send_action_goal', id: 'g', action: '/no/act', action_type: 'a/action/B' });
    expect(await c.next('action_result')).toMatchObject({
      id: 'g',
      result: false,
      values: "send_action_goal: action /no/act is not in this bridge's allow-list",
    });
  });
});

describe('connection options', () => {
  it('ping keepalive drops a client that stops answering and keeps one that answers', async () => {
    bench = await startBench({ pingIntervalS: 0.1 });
    const good = await RawClient.connect(bench.server.url);
    const dead = await RawClient.connect(bench.server.url);
    closers.push(
      () => good.close(),
      () => dead.close(),
    );
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // no pong from here on
    await until(() => bench!.server.clients().length === 1, 3000, 'the silent client to be dropped');
    await sleep(300);
    expect(bench.server.clients().length).toBe(1);
    expect(good.closeCode).toBeUndefined();
    expect(bench.logs.some((l) => /no pong within 0.1 s; dropped/.test(l))).toBe(true);
  });

  it('permessage-deflate is off by default and negotiated when enabled', async () => {
    bench = await startBench();
    const plain = new WebSocket(bench.server.url);
    await new Promise((r) => plain.once('open', r));
    expect(plain.extensions).toBe('');
    plain.close();
    await bench.server.close();
    bench = await startBench({ perMessageDeflate: true });
    const pub = bench.graph.advertise('/z', 'std_msgs/msg/String');
    const deflated = new WebSocket(bench.server.url);
    await new Promise((r) => deflated.once('open', r));
    expect(deflated.extensions).toMatch(/permessage-deflate/);
    deflated.close();
    const ros = await connectRos(bench.server.url);
    closers.push(() => ros.close());
    const got: unknown[] = [];
    new ROSLIB.Topic({ ros, name: '/z', messageType: 'std_msgs/msg/String' }).subscribe((m) => got.push(m));
    await until(() => bench!.server.clients().some((c) => c.subscriptions.length === 1));
    pub.publish({ data: 'a'.repeat(10_000) });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ data: 'a'.repeat(10_000) });
  });
});

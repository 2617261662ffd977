/**
 * `neuroplan sim`: starts the simulated robot behind rosbridge, prints the URL (and a demo credential when
 * none is configured), answers rosbridge v2 on a raw WebSocket, and stops cleanly on SIGINT.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRecordingFile } from '@neuroplan/cases/node';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('NEUROPLAN_OPERATOR_SECRETS' in extra)) delete env.NEUROPLAN_OPERATOR_SECRETS;
  if (!('NEUROPLAN_OPERATOR_PASSWORD' in extra)) delete env.NEUROPLAN_OPERATOR_PASSWORD;
  return env;
}

async function startSim(
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
): Promise<{ child: ChildProcessWithoutNullStreams; info: Record<string, unknown> }> {
  const child = spawn(process.execPath, [cli, 'sim', '--port', '0', '--json', ...extraArgs], {
    cwd: root,
    env,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no JSON after 60 s: ${out} ${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.on('exit', (code) => reject(new Error(`neuroplan sim exited with ${code}: ${err}`)));
  });
  return { child, info };
}

/** One rosbridge request/response over a raw socket. */
async function rosbridge(url: string, password: string, operator: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
  ws.send(
    JSON.stringify({ op: 'subscribe', topic: '/joint_states', type: 'sensor_msgs/msg/JointState', id: 's1' }),
  );
  ws.send(
    JSON.stringify({
      op: 'call_service',
      id: 'c1',
      service: '/robot/claim_control',
      type: 'neuroplan_interfaces/srv/ClaimControl',
      args: { operator, credential: password, observer_only: false },
    }),
  );
  const t0 = Date.now();
  while (
    Date.now() - t0 < 10_000 &&
    !(frames.some((f) => f.op === 'service_response') && frames.some((f) => f.op === 'publish'))
  )
    await new Promise((r) => setTimeout(r, 10));
  ws.close();
  return {
    claim: frames.find((f) => f.op === 'service_response') as { values: Record<string, unknown> } | undefined,
    joints: frames.find((f) => f.op === 'publish') as { msg: { name: string[] } } | undefined,
  };
}

const stop = (child: ChildProcessWithoutNullStreams) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

describe('neuroplan sim', () => {
  it('prints the URL and a demo credential, serves the robot, stops on SIGINT', async () => {
    const { child, info } = await startSim(cleanEnv());
    try {
      expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(info.operator).toBe('demo');
      expect(typeof info.password).toBe('string');
      const file = readFileSync(info.credentials as string, 'utf8');
      expect(file).toContain('"demo": "scrypt$');
      expect(file).not.toContain(info.password as string);
      const r = await rosbridge(info.url as string, info.password as string, 'demo');
      expect(r.claim?.values.granted).toBe(true);
      expect(r.joints?.msg.name).toEqual([
        'joint_1',
        'joint_2',
        'joint_3',
        'joint_4',
        'joint_5',
        'joint_6',
        'insertion',
      ]);
      const wrong = await rosbridge(info.url as string, 'not-the-password', 'demo');
      expect(wrong.claim?.values.granted).toBe(false);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('takes the password from NEUROPLAN_OPERATOR_PASSWORD and creates no demo credential', async () => {
    const { child, info } = await startSim(cleanEnv({ NEUROPLAN_OPERATOR_PASSWORD: 'env-secret-9' }));
    try {
      expect(info.operator).toBeNull();
      expect(info.password).toBeNull();
      expect(info.credentials).toBe('NEUROPLAN_OPERATOR_PASSWORD');
      const r = await rosbridge(info.url as string, 'env-secret-9', 'operator');
      expect(r.claim?.values.granted).toBe(true);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  it('records the session with --record and serves the recording list on the same port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neuroplan-sim-record-'));
    try {
      const { child, info } = await startSim(cleanEnv(), ['--record', dir, '--case-id', 'cli-test']);
      let file: string;
      try {
        file = info.recording as string;
        expect(file.startsWith(join(dir, 'cli-test-'))).toBe(true);
        const r = await rosbridge(info.url as string, info.password as string, 'demo');
        expect(r.claim?.values.granted).toBe(true);
        const port = new URL(info.url as string).port;
        const list = (await (await fetch(`http://127.0.0.1:${port}/cases`)).json()) as Array<{
          name: string;
        }>;
        expect(list.map((x) => x.name)).toContain(file.slice(dir.length + 1));
      } finally {
        expect(await stop(child)).toBe(0);
      }
      // The file closed cleanly (indexed): the robot's topics and the operator's claim are in it.
      const { recording, close } = await openRecordingFile(file);
      try {
        const counts = new Map(recording.topics().map((t) => [t.topic, t.messageCount]));
        expect(counts.get('/joint_states')).toBeGreaterThan(0);
        expect(counts.get('/robot/safety_state')).toBeGreaterThan(0);
        const events = await recording.events();
        expect(events.some((e) => e.kind === 'operator_action' && /claim/i.test(e.summary))).toBe(true);
      } finally {
        await close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad port with a usage error', () => {
    const r = spawnSync(process.execPath, [cli, 'sim', '--port', 'abc'], {
      encoding: 'utf8',
      env: cleanEnv(),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port must be an integer/);
  });
});

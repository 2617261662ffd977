/**
 * `npm start` (scripts/start.mjs): builds the planner and serves it; the page and its scripts are served
 * cross-origin isolated (SharedArrayBuffer for the decode workers). Run on a free port, then stopped.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('npm start', () => {
  it('builds the planner, serves it and prints the address', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'scripts', 'start.mjs'), '--port', '0', '--robot-port', '0'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address after 120 s:\n${output}`)), 120_000);
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = /open (http:\/\/\S+)/.exec(output);
          if (m && /rosbridge at ws:/.test(output)) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      const script = /src="([^"]+\.js)"/.exec(html)![1]!;
      const js = await fetch(new URL(script, url));
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(100_000);

      // The simulated robot answers rosbridge v2 on its port: a raw subscribe to /joint_states gets a message.
      const robotUrl = /rosbridge at (ws:\/\/\S+)/.exec(output)?.[1];
      expect(robotUrl, output).toBeDefined();
      expect(output).toMatch(/demo operator: demo {2}password: \S+/);
      const ws = new WebSocket(robotUrl!);
      const msg = await new Promise<{ op: string; topic: string; msg: { name: string[] } }>(
        (resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no /joint_states message in 10 s')), 10_000);
          ws.once('error', reject);
          ws.once('open', () =>
            ws.send(
              JSON.stringify({ op: 'subscribe', topic: '/joint_states', type: 'sensor_msgs/msg/JointState' }),
            ),
          );
          ws.on('message', (d) => {
            clearTimeout(timer);
            resolve(JSON.parse(d.toString()));
          });
        },
      );
      ws.close();
      expect(msg.op).toBe('publish');
      expect(msg.topic).toBe('/joint_states');
      expect(msg.msg.name).toHaveLength(7);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

/**
 * `npm start` (scripts/start.mjs): builds the planner and serves it; the page and its scripts are served
 * cross-origin isolated (SharedArrayBuffer for the decode workers). Run on a free port, then stopped.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('npm start', () => {
  it('builds the planner, serves it and prints the address', async () => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address after 120 s:\n${output}`)), 120_000);
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = /open (http:\/\/\S+)/.exec(output);
          if (m) {
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
    } finally {
      child.kill('SIGTERM');
    }
  });
});

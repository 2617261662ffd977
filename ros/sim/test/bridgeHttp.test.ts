/**
 * Recordings served over HTTP on the bridge's own port (bridge/http.ts through RosbridgeServerOptions.http):
 * the list, whole files, byte ranges, CORS/CORP headers, refused names, and the WebSocket still working on
 * the same port. Expected bytes are the test's own random file contents, sliced here.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingsHttpHandler, parseRange } from '../src/bridge/http.ts';
import { connectRos, startBench, type Bench } from './bridgeHarness.ts';

let dir: string;
let bench: Bench;
let base: string;
const big = new Uint8Array(100_000).map((_, i) => (i * 7919 + 13) & 255);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-cases-http-'));
  writeFileSync(join(dir, 'case-a.mcap'), big);
  writeFileSync(join(dir, 'case-b.mcap'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, 'notes.txt'), 'not a recording');
  writeFileSync(join(dir, '.hidden.mcap'), 'hidden');
  utimesSync(join(dir, 'case-a.mcap'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
  utimesSync(join(dir, 'case-b.mcap'), new Date('2026-02-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
  bench = await startBench({ port: 0, http: recordingsHttpHandler(dir) });
  base = `http://127.0.0.1:${bench.server.port}`;
});

afterAll(async () => {
  await bench?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const corsOk = (r: Response) => {
  expect(r.headers.get('access-control-allow-origin')).toBe('*');
  expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
};

describe('recordings over HTTP on the bridge port', () => {
  it('lists the .mcap files, newest first, with size and mtime', async () => {
    const r = await fetch(`${base}/cases`);
    expect(r.status).toBe(200);
    corsOk(r);
    expect(await r.json()).toEqual([
      { name: 'case-b.mcap', size: 3, mtime: '2026-02-01T00:00:00.000Z' },
      { name: 'case-a.mcap', size: 100_000, mtime: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('serves a whole file and byte ranges', async () => {
    const whole = await fetch(`${base}/cases/case-a.mcap`);
    expect(whole.status).toBe(200);
    corsOk(whole);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(big);

    const part = await fetch(`${base}/cases/case-a.mcap`, { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    corsOk(part);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/100000');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(big.slice(1000, 2000));

    const tail = await fetch(`${base}/cases/case-a.mcap`, { headers: { Range: 'bytes=-16' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(big.slice(-16));

    const open = await fetch(`${base}/cases/case-a.mcap`, { headers: { Range: 'bytes=99990-' } });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(big.slice(99990));

    const beyond = await fetch(`${base}/cases/case-a.mcap`, { headers: { Range: 'bytes=100000-100010' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */100000');
  });

  it('answers CORS preflight for Range', async () => {
    const r = await fetch(`${base}/cases/case-a.mcap`, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    corsOk(r);
    expect(r.headers.get('access-control-allow-headers')).toMatch(/Range/);
  });

  it('refuses path traversal, hidden and non-recording names', async () => {
    for (const name of [
      '..%2Fnotes.txt',
      '%2e%2e%2F%2e%2e%2Fetc%2Fpasswd',
      'notes.txt',
      '.hidden.mcap',
      'a%5C..%5Cb.mcap',
    ]) {
      const r = await fetch(`${base}/cases/${name}`);
      expect(r.status, name).toBe(400);
    }
    expect((await fetch(`${base}/cases/missing.mcap`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/cases/case-a.mcap`, { method: 'POST' })).status).toBe(405);
  });

  it('keeps the WebSocket on the same port', async () => {
    const ros = await connectRos(bench.server.url);
    try {
      expect(ros.isConnected).toBe(true);
    } finally {
      ros.close();
    }
  });

  it('parses ranges like RFC 9110', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange('bytes=4-2', 10)).toBeNull();
    expect(parseRange('bytes=-', 10)).toBeNull();
    expect(parseRange('items=1-2', 10)).toBeNull();
  });
});

/**
 * Recordings over HTTP on the bridge's port, for the planner's replay: `GET /cases` lists the `.mcap` files
 * of a folder (JSON: name, size, mtime), `GET /cases/<name>` serves one with byte ranges (`Range: bytes=a-b`,
 * one range), so the browser reads the MCAP index and only the chunks it seeks to. The planner page is
 * cross-origin isolated (COEP require-corp): responses carry `Access-Control-Allow-Origin: *` and
 * `Cross-Origin-Resource-Policy: cross-origin`. Names are single path segments of the folder: anything
 * with a slash, a backslash, `..` or a leading dot is refused.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

export interface RecordingListEntry {
  name: string;
  size: number;
  /** Last modification, ISO 8601. */
  mtime: string;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges',
  'Cross-Origin-Resource-Policy': 'cross-origin',
} as const;

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*\.mcap$/;

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { ...CORS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Parses one `bytes=` range against `size`; null when unsatisfiable or malformed. */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end || start >= size) return null;
  return { start, end };
}

/** Lists the folder's recordings, newest first (a missing folder is an empty list). */
export async function listRecordings(dir: string): Promise<RecordingListEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: RecordingListEntry[] = [];
  for (const name of names) {
    if (!SAFE_NAME.test(name)) continue;
    try {
      const st = await fs.stat(join(dir, name));
      if (st.isFile()) out.push({ name, size: st.size, mtime: st.mtime.toISOString() });
    } catch {
      // Removed between readdir and stat: not listed.
    }
  }
  return out.sort((a, b) => (a.mtime < b.mtime ? 1 : a.mtime > b.mtime ? -1 : a.name.localeCompare(b.name)));
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  name: string,
): Promise<void> {
  if (!SAFE_NAME.test(name) || name.includes('..')) return send(res, 400, `${name}: not a recording name\n`);
  const path = join(dir, name);
  let size: number;
  try {
    const st = await fs.stat(path);
    if (!st.isFile()) return send(res, 404, `${name}: no such recording\n`);
    size = st.size;
  } catch {
    return send(res, 404, `${name}: no such recording\n`);
  }
  const head = { ...CORS, 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  const rangeHeader = req.headers.range;
  let range = { start: 0, end: size - 1 };
  let status = 200;
  if (rangeHeader !== undefined) {
    const r = parseRange(rangeHeader, size);
    if (!r) {
      res.writeHead(416, { ...CORS, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    range = r;
    status = 206;
  }
  const length = size === 0 ? 0 : range.end - range.start + 1;
  res.writeHead(status, {
    ...head,
    'Content-Length': length,
    ...(status === 206 ? { 'Content-Range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(path, { start: range.start, end: range.end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * A handler for `RosbridgeServerOptions.http`: answers `/cases` and `/cases/<name>` (GET, HEAD, OPTIONS)
 * from `dir` and declines everything else.
 */
export function recordingsHttpHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== '/cases' && path !== '/cases/' && !path.startsWith('/cases/')) return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '600' });
      res.end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, `${req.method}: only GET and HEAD\n`);
      return true;
    }
    const fail = (e: unknown) => {
      if (!res.headersSent) send(res, 500, `${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    };
    if (path === '/cases' || path === '/cases/') {
      listRecordings(dir)
        .then((list) => send(res, 200, JSON.stringify(list), 'application/json'))
        .catch(fail);
      return true;
    }
    let name: string;
    try {
      name = decodeURIComponent(path.slice('/cases/'.length));
    } catch {
      send(res, 400, 'bad percent-encoding in the name\n');
      return true;
    }
    serveFile(req, res, dir, name).catch(fail);
    return true;
  };
}

/**
 * A real Orthanc PACS with its DICOMweb plugin (Debian `orthanc`, `orthanc-dicomweb`) for tests: an
 * unprivileged child process with a free HTTP port on loopback (RemoteAccessAllowed false: Orthanc
 * answers only 127.0.0.1), no DICOM listener, storage and index in a temporary folder that stop() removes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface OrthancServer {
  /** The Orthanc REST root, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  /** The DICOMweb root, e.g. http://127.0.0.1:40123/dicom-web */
  dicomWebRoot: string;
  /** Stops Orthanc (SIGTERM, SIGKILL after 10 s) and removes its folder. */
  stop(): Promise<void>;
}

const PLUGIN_DIRS = ['/usr/share/orthanc/plugins', '/usr/lib/orthanc'];
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_CHARS = 3000;

/** The Orthanc binary (Debian puts it in /usr/sbin, often not on a user's PATH), or undefined. */
export function findOrthancBinary(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), '/usr/sbin'];
  return dirs.map((d) => join(d, 'Orthanc')).find((p) => existsSync(p));
}

/** The DICOMweb plugin shipped by Debian's orthanc-dicomweb, or undefined. */
export function findDicomWebPlugin(): string | undefined {
  for (const dir of PLUGIN_DIRS) {
    if (!existsSync(dir)) continue;
    const name = readdirSync(dir)
      .filter((f) => /^libOrthancDicomWeb\.so(\.[\d.]+)?$/.test(f))
      .sort()[0];
    if (name) return join(dir, name);
  }
  return undefined;
}

/** Skipped only off CI and without Orthanc (on CI a missing Orthanc is a failure), as for chromium. */
export function skipWithoutOrthanc(testFile: string): boolean {
  const missing = !findOrthancBinary() || !findDicomWebPlugin();
  const skip = missing && !process.env['CI'];
  if (skip)
    console.warn(
      `${testFile}: SKIPPED: Orthanc or its DICOMweb plugin is missing (apt-get install orthanc orthanc-dicomweb)`,
    );
  return skip;
}

/** A port free on 127.0.0.1 right now (Orthanc takes it a moment later; start retries on a clash). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

async function startOnce(binary: string, plugin: string): Promise<OrthancServer> {
  const dir = mkdtempSync(join(tmpdir(), 'neuroplan-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'NeuroPlanTest',
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    StorageCompression: false,
    HttpThreadsCount: 8,
    ConcurrentJobs: 1,
    SaveJobs: false,
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(binary, [configPath], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      exited = e.message;
      resolve();
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(`${baseUrl}/system`))) {
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited ?? `no answer on ${baseUrl}/system within ${START_TIMEOUT_MS / 1000} s`;
      await stop();
      throw new Error(`${binary}: Orthanc did not start (${why}); its log ends:\n${log}`);
    }
    await sleep(100);
  }
  // The plugin loads before the HTTP server starts, but check that DICOMweb really answers.
  if (!(await answers(`${baseUrl}/dicom-web/studies`))) {
    await stop();
    throw new Error(
      `${plugin}: the DICOMweb plugin does not answer at ${baseUrl}/dicom-web/; Orthanc's log ends:\n${log}`,
    );
  }
  return { baseUrl, dicomWebRoot: `${baseUrl}/dicom-web`, stop };
}

/** Starts Orthanc with DICOMweb; throws a clear error when the binary or the plugin is missing. */
export async function startOrthanc(): Promise<OrthancServer> {
  const binary = findOrthancBinary();
  if (!binary) throw new Error('Orthanc: the binary is missing (apt-get install orthanc orthanc-dicomweb)');
  const plugin = findDicomWebPlugin();
  if (!plugin)
    throw new Error(
      `Orthanc: the DICOMweb plugin is missing in ${PLUGIN_DIRS.join(' and ')} (apt-get install orthanc-dicomweb)`,
    );
  // The free port may be taken between the probe and Orthanc's bind: try again on a new one.
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, plugin);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

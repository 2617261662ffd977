/**
 * The DICOMweb client (packages/imaging/src/dicomweb) against a real PACS: Debian's Orthanc with its
 * DICOMweb plugin, started on 127.0.0.1 by tests/orthanc/orthancServer.ts and filled with the phantom
 * case (size 64, seed 2: a CT study with one series, an MR study with T1 and angio) through Orthanc's
 * own REST upload (POST /instances), so the client under test plays no part in the setup.
 *
 * Expected values: the studies and series (UIDs, names, dates, descriptions, modalities, counts) come
 * from tests/oracles/expected_studies.py, which reads the uploaded files with pydicom; the retrieved
 * files must be byte-identical to the uploaded ones (SHA-256), and the volumes loaded from them
 * (loadPaths on a temporary folder, the same pipeline as files on disk) must equal those loaded from
 * the case folder itself, and their geometry and value statistics must match
 * tests/oracles/expected_volume.py (pydicom on the retrieved files). Faults (an HTTP 500, a multipart
 * answer cut short, bytes that are no DICOM file, a login page) are injected by a small proxy in front
 * of Orthanc; servers that never answer or stall mid-body are local sockets. The browser case runs the
 * same search and retrieval in Chromium and loads with loadFiles in web workers (skipped off CI
 * without chromium, as tests/browser-loader.test.ts is).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPaths, loadPaths, writePhantomCase } from '../packages/imaging/src/node/index.ts';
import {
  DicomWebError,
  retrieveSeries,
  searchSeries,
  searchStudies,
  type DicomWebServer,
  type RetrieveProgress,
  type RetrievedFile,
  type StudySummary,
} from '../packages/imaging/src/dicomweb/index.ts';
import { CancelledError } from '../packages/imaging/src/task.ts';
import { volumeStats, type Volume } from '../packages/imaging/src/volume.ts';
import { summarize } from './browser-loader/summary.ts';
import { bundlePage, callInPage, launchChromium, skipWithoutChromium } from './browser/harness.ts';
import type { PageResult, PageSpec } from './dicomweb-orthanc/page.ts';
import { skipWithoutOrthanc, startOrthanc, type OrthancServer } from './orthanc/orthancServer.ts';

const skip = skipWithoutOrthanc('dicomweb-orthanc.test.ts');
const noChromium = skip || skipWithoutChromium('dicomweb-orthanc.test.ts (the browser case)');

interface ExpectedSeries {
  seriesInstanceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number;
  instanceCount: number;
}
type ExpectedStudy = Omit<StudySummary, 'seriesCount' | 'instanceCount'> & {
  seriesCount: number;
  instanceCount: number;
  series: ExpectedSeries[];
};

let work: string;
let caseDir: string;
let orthanc: OrthancServer | undefined;
let server: DicomWebServer;
let expected: ExpectedStudy[];
/** SHA-256 of every uploaded file → its path. */
const uploaded = new Map<string, string>();
const servers: Server[] = [];

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function listen(server: Server): Promise<string> {
  servers.push(server);
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      ok(typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '');
    }),
  );
}

/**
 * Serves the test page's bundle and passes /dicom-web/* on to Orthanc, so the page reaches the PACS
 * from its own origin (Orthanc 1.10 sends no CORS headers; a deployment puts both behind one proxy too).
 */
function pageServer(bundleDir: string, upstream: string): Server {
  return createServer((req, res) => {
    const path = req.url ?? '/';
    void (async () => {
      if (path.startsWith('/dicom-web/')) {
        const answer = await fetch(upstream + path, { headers: { Accept: req.headers.accept ?? '*/*' } });
        const type = answer.headers.get('content-type');
        res
          .writeHead(answer.status, type ? { 'Content-Type': type } : {})
          .end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      const file =
        path === '/' ? join(bundleDir, 'index.html') : resolve(bundleDir, path.slice('/bundle/'.length));
      if (
        !(path === '/' || (path.startsWith('/bundle/') && file.startsWith(bundleDir + sep))) ||
        !existsSync(file)
      ) {
        res.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.html') ? 'text/html' : 'text/javascript';
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(readFileSync(file));
    })().catch((e: unknown) => res.writeHead(502).end(String(e)));
  });
}

/** The study of the expected list with this modality. */
function study(modality: string): ExpectedStudy {
  const s = expected.find((x) => x.modalities.includes(modality));
  if (!s) throw new Error(`no ${modality} study in the case`);
  return s;
}

/** Writes retrieved files to a fresh folder and loads them as files on disk are loaded. */
async function loadRetrieved(files: RetrievedFile[], name: string, check?: 'oracle'): Promise<Volume[]> {
  const dir = join(work, 'retrieved', name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
  const loaded = await loadPaths([dir], { workers: 2 });
  expect(loaded.errors).toEqual([]);
  if (check === 'oracle') {
    // Independently of our loader: pydicom reads the retrieved files themselves.
    const expected = pydicomVolume(files.map((f) => join(dir, f.name)));
    const v = loaded.volumes[0]!;
    expect(v.dimensions).toEqual(expected.dimensions);
    v.spacingMm.forEach((x, i) => expect(x).toBeCloseTo(expected.spacingMm[i]!, 6));
    v.originLps.forEach((x, i) => expect(x).toBeCloseTo(expected.originLps[i]!, 6));
    v.directionLps.forEach((x, i) => expect(x).toBeCloseTo(expected.directionLps[i]!, 9));
    const stats = volumeStats(v);
    expect(stats.min).toBeCloseTo(expected.min, 6);
    expect(stats.max).toBeCloseTo(expected.max, 6);
    expect(stats.mean).toBeCloseTo(expected.mean, 4);
  }
  return loaded.volumes;
}

const voxelBytes = (v: Volume): Buffer =>
  Buffer.from(v.scalars.buffer, v.scalars.byteOffset, v.scalars.byteLength);

function expectSameVolume(actual: Volume, reference: Volume): void {
  expect(actual.id).toBe(reference.id);
  expect(actual.modality).toBe(reference.modality);
  expect(actual.dimensions).toEqual(reference.dimensions);
  expect(actual.spacingMm).toEqual(reference.spacingMm);
  expect(actual.originLps).toEqual(reference.originLps);
  expect(actual.directionLps).toEqual(reference.directionLps);
  expect(actual.ijkToLps).toEqual(reference.ijkToLps);
  expect(actual.metadata).toEqual(reference.metadata);
  expect(actual.scalars.constructor).toBe(reference.scalars.constructor);
  expect(voxelBytes(actual).equals(voxelBytes(reference))).toBe(true);
}

/** Geometry and value statistics of DICOM files by tests/oracles/expected_volume.py (pydicom, numpy). */
function pydicomVolume(files: string[]) {
  return JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'oracles', 'expected_volume.py'), 'dicom', ...files],
      {
        encoding: 'utf8',
      },
    ),
  ) as {
    dimensions: number[];
    spacingMm: number[];
    originLps: number[];
    directionLps: number[];
    min: number;
    max: number;
    mean: number;
  };
}

describe.skipIf(skip)('DICOMweb client against a real Orthanc', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'neuroplan-dicomweb-'));
    caseDir = join(work, 'case');
    await writePhantomCase(caseDir, { size: 64, seed: 2 });
    expected = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [join(import.meta.dirname, 'oracles', 'expected_studies.py'), caseDir],
        {
          encoding: 'utf8',
        },
      ),
    ) as ExpectedStudy[];
    orthanc = await startOrthanc();
    server = { baseUrl: orthanc.dicomWebRoot };
    const { files } = await expandPaths([caseDir]);
    const dicom = files.filter((f) => f.endsWith('.dcm'));
    for (const file of dicom) {
      const bytes = readFileSync(file);
      uploaded.set(sha256(bytes), file);
      const response = await fetch(`${orthanc.baseUrl}/instances`, { method: 'POST', body: bytes });
      const answer = (await response.json()) as { Status?: string };
      if (!response.ok || answer.Status !== 'Success')
        throw new Error(
          `${file}: Orthanc refused the upload (HTTP ${response.status} ${JSON.stringify(answer)})`,
        );
    }
    expect(uploaded.size).toBe(expected.reduce((n, s) => n + s.instanceCount, 0));
  });

  afterAll(async () => {
    for (const s of servers) s.closeAllConnections?.();
    for (const s of servers) s.close();
    await orthanc?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the oracle sees the phantom case as two studies with three series', () => {
    expect(expected.map((s) => s.modalities)).toEqual([['CT'], ['MR']]);
    expect(expected.flatMap((s) => s.series.map((x) => x.modality))).toEqual(['CT', 'MR', 'MR']);
  });

  it('searchStudies by patient name (wildcard, prefix, case) finds both studies with what the list shows', async () => {
    const all = expected.map(({ series: _series, ...summary }) => summary);
    expect(await searchStudies(server, { patientName: 'phantom*' })).toEqual(all);
    expect(await searchStudies(server, { patientName: 'PHANTOM^NEURO' })).toEqual(all); // prefix
    expect(await searchStudies(server, { patientName: '*NEUROPLAN' })).toEqual(all);
    expect(await searchStudies(server, { patientName: 'SMITH*' })).toEqual([]);
    expect(await searchStudies(server, { patientId: expected[0]!.patientId })).toEqual(all);
    expect(await searchStudies(server, { patientId: 'NO-SUCH-ID' })).toEqual([]);
    expect(await searchStudies(server, {})).toEqual(all);
    expect(await searchStudies(server, { patientName: 'phantom', limit: 1 })).toHaveLength(1);
  });

  it('searchStudies by study date range finds the study of those dates only', async () => {
    const ct = study('CT');
    const mr = study('MR');
    const uids = async (from?: string, to?: string): Promise<string[]> =>
      (await searchStudies(server, { studyDateFrom: from, studyDateTo: to })).map((s) => s.studyInstanceUid);
    // The CT is dated after the MR (oracle dates): ranges around each pick that one.
    expect(ct.studyDate > mr.studyDate).toBe(true);
    expect(await uids(ct.studyDate, ct.studyDate)).toEqual([ct.studyInstanceUid]);
    expect(await uids(mr.studyDate, mr.studyDate)).toEqual([mr.studyInstanceUid]);
    expect(await uids(mr.studyDate, ct.studyDate)).toEqual([ct.studyInstanceUid, mr.studyInstanceUid]);
    expect(await uids(String(Number(mr.studyDate) + 1))).toEqual([ct.studyInstanceUid]); // from only
    expect(await uids(undefined, String(Number(ct.studyDate) - 1))).toEqual([mr.studyInstanceUid]); // to only
    expect(await uids('19990101', '19991231')).toEqual([]);
    const both = await searchStudies(server, {
      patientName: 'PHANTOM*',
      studyDateFrom: ct.studyDate,
      studyDateTo: '20991231',
    });
    expect(both.map((s) => s.studyInstanceUid)).toEqual([ct.studyInstanceUid]);
  });

  it('a malformed query is refused before any request, saying which field is wrong', async () => {
    await expect(searchStudies(server, { studyDateFrom: '2025-03-10' })).rejects.toThrow(
      /studyDateFrom "2025-03-10" is not a date written YYYYMMDD/,
    );
    await expect(searchStudies(server, { studyDateTo: '20250230' })).rejects.toThrow(/studyDateTo/);
    await expect(
      searchStudies(server, { studyDateFrom: '20250320', studyDateTo: '20250310' }),
    ).rejects.toThrow(/after studyDateTo/);
    await expect(searchStudies(server, { limit: 0 })).rejects.toThrow(/limit 0/);
    await expect(searchSeries(server, '1.2.x')).rejects.toThrow(
      /StudyInstanceUID "1.2.x" is not a DICOM UID/,
    );
  });

  it('searchSeries lists the CT, MR T1 and MR angio series with their instance counts', async () => {
    for (const s of expected) {
      const series = await searchSeries(server, s.studyInstanceUid);
      expect(series).toEqual(s.series.map((x) => ({ studyInstanceUid: s.studyInstanceUid, ...x })));
    }
  });

  it('retrieveSeries gives the uploaded files byte for byte, and they load to the same volumes', async () => {
    const reference = await loadPaths([caseDir], { workers: 2 });
    expect(reference.errors).toEqual([]);
    for (const s of expected) {
      for (const series of s.series) {
        const progress: RetrieveProgress[] = [];
        const got = await retrieveSeries(server, s.studyInstanceUid, series.seriesInstanceUid, {
          onProgress: (p) => progress.push(p),
          concurrency: 3,
        });
        expect(got.errors).toEqual([]);
        expect(got.files).toHaveLength(series.instanceCount);
        const hashes = got.files.map((f) => sha256(f.bytes));
        expect(new Set(hashes).size).toBe(series.instanceCount);
        for (const h of hashes) expect(uploaded.has(h)).toBe(true);
        for (const f of got.files) {
          expect(f.name).toBe(`${f.sopInstanceUid}.dcm`);
          expect(f.url).toBe(
            `${server.baseUrl}/studies/${s.studyInstanceUid}/series/${series.seriesInstanceUid}/instances/${f.sopInstanceUid}`,
          );
        }
        expect(progress[0]).toEqual({ done: 0, total: series.instanceCount });
        expect(progress.at(-1)).toEqual({ done: series.instanceCount, total: series.instanceCount });
        expect(progress.map((p) => p.done)).toEqual([...Array(series.instanceCount + 1).keys()]);

        const volumes = await loadRetrieved(got.files, series.seriesInstanceUid, 'oracle');
        expect(volumes).toHaveLength(1);
        const ref = reference.volumes.find((v) => v.metadata.seriesInstanceUid === series.seriesInstanceUid);
        expect(ref).toBeDefined();
        expectSameVolume(volumes[0]!, ref!);
      }
    }
  });

  it('each bad instance is an error naming its URL and why; the good ones still arrive and load', async () => {
    const ct = study('CT');
    const seriesUid = ct.series[0]!.seriesInstanceUid;
    const listing = await retrieveSeries(server, ct.studyInstanceUid, seriesUid);
    const sops = listing.files.map((f) => f.sopInstanceUid); // in instance number order
    const faults = new Map<string, 'status' | 'truncated' | 'junk' | 'html'>([
      [sops[0]!, 'status'],
      [sops[1]!, 'truncated'],
      [sops[2]!, 'junk'],
      [sops.at(-1)!, 'html'],
    ]);
    const upstream = orthanc!.baseUrl;
    const proxy = createServer((req, res) => {
      const path = req.url ?? '/';
      const fault = faults.get(path.split('/').at(-1) ?? '');
      void (async () => {
        const answer = await fetch(upstream + path, { headers: { Accept: req.headers.accept ?? '*/*' } });
        const body = Buffer.from(await answer.arrayBuffer());
        const type = answer.headers.get('content-type') ?? '';
        if (fault === 'status') res.writeHead(500, { 'Content-Type': 'text/plain' }).end('disk on fire');
        else if (fault === 'truncated')
          res.writeHead(200, { 'Content-Type': type }).end(body.subarray(0, body.length - 600));
        else if (fault === 'junk' || fault === 'html') {
          // One well-formed part: a login page, or application/dicom bytes that are no DICOM file.
          const boundary = 'fault-boundary';
          const part =
            fault === 'html'
              ? 'Content-Type: text/html\r\n\r\n<html>login page</html>'
              : `Content-Type: application/dicom\r\n\r\n${'x'.repeat(500)}`;
          res
            .writeHead(200, {
              'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
            })
            .end(`--${boundary}\r\n${part}\r\n--${boundary}--\r\n`);
        } else res.writeHead(answer.status, { 'Content-Type': type }).end(body);
      })();
    });
    const proxied: DicomWebServer = { baseUrl: `${await listen(proxy)}/dicom-web` };
    const got = await retrieveSeries(proxied, ct.studyInstanceUid, seriesUid);
    const urlOf = (sop: string): string =>
      `${proxied.baseUrl}/studies/${ct.studyInstanceUid}/series/${seriesUid}/instances/${sop}`;
    expect(got.errors).toEqual([
      { file: urlOf(sops[0]!), reason: 'HTTP 500 Internal Server Error: disk on fire' },
      { file: urlOf(sops[1]!), reason: 'part 1 has no closing boundary (the answer was cut short?)' },
      { file: urlOf(sops[2]!), reason: 'not a DICOM Part 10 file (no "DICM" marker at byte 128)' },
      { file: urlOf(sops.at(-1)!), reason: 'the part is text/html, not application/dicom' },
    ]);
    expect(got.files.map((f) => f.sopInstanceUid)).toEqual(sops.slice(3, -1));

    // The good files load to the same volume as the same original files loaded from disk.
    const originals = got.files.map((f) => uploaded.get(sha256(f.bytes))!);
    const reference = await loadPaths(originals, { workers: 2 });
    expect(reference.errors).toEqual([]);
    const volumes = await loadRetrieved(got.files, 'partial');
    expect(volumes).toHaveLength(1);
    expect(volumes[0]!.dimensions).toEqual([64, 64, sops.length - 4]);
    expectSameVolume(volumes[0]!, reference.volumes[0]!);
  });

  it('cancelling stops a retrieval with a CancelledError', async () => {
    const ct = study('CT');
    const seriesUid = ct.series[0]!.seriesInstanceUid;
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      retrieveSeries(server, ct.studyInstanceUid, seriesUid, { signal: aborted.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    const midway = new AbortController();
    const call = retrieveSeries(server, ct.studyInstanceUid, seriesUid, {
      signal: midway.signal,
      onProgress: (p) => {
        if (p.done === 5) midway.abort();
      },
    });
    await expect(call).rejects.toBeInstanceOf(CancelledError);
  });

  it('an unknown study or series, a wrong root and a silent server give named errors', async () => {
    const unknownStudy = `${server.baseUrl}/studies/1.2.3.4/series`;
    const series = searchSeries(server, '1.2.3.4');
    await expect(series).rejects.toBeInstanceOf(DicomWebError);
    await expect(series).rejects.toThrow(
      `${unknownStudy}?includefield=00080060&includefield=0008103E&includefield=00200011&includefield=00201209: no series found: study 1.2.3.4 is not on this server`,
    );
    const ct = study('CT');
    await expect(retrieveSeries(server, ct.studyInstanceUid, '1.2.3.5')).rejects.toThrow(
      /\/studies\/[\d.]+\/series\/1\.2\.3\.5\/instances\?.*: no instances found: series 1\.2\.3\.5 of study [\d.]+ is not on this server/,
    );
    const wrongRoot: DicomWebServer = { baseUrl: `${orthanc!.baseUrl}/no-such-root` };
    const error = await searchStudies(wrongRoot, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DicomWebError);
    expect((error as DicomWebError).status).toBe(404);
    expect((error as DicomWebError).message).toMatch(
      new RegExp(`^${wrongRoot.baseUrl}/studies\\?.*: HTTP 404`),
    );

    // Accepts the connection and never answers: the time limit turns a hang into an error.
    const silent = createServer(() => undefined);
    const silentServer: DicomWebServer = { baseUrl: `${await listen(silent)}/dicom-web`, timeoutS: 0.5 };
    await expect(searchStudies(silentServer, {})).rejects.toThrow(
      /\/dicom-web\/studies\?.*: no answer within 0\.5 s while connecting$/,
    );
    // Answers, then stalls in the middle of the body.
    const stalling = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      res.write('[');
    });
    const stallingServer: DicomWebServer = { baseUrl: `${await listen(stalling)}/dicom-web`, timeoutS: 0.5 };
    await expect(searchStudies(stallingServer, {})).rejects.toThrow(
      /\/dicom-web\/studies\?.*: no answer within 0\.5 s while reading the body$/,
    );
    // A slow but steady answer, longer in all than the time limit, is not cut off (the limit is on silence).
    const steady = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      res.write('[');
      let sent = 0;
      const tick = setInterval(() => {
        if (++sent < 12) res.write(' ');
        else {
          clearInterval(tick);
          res.end(']');
        }
      }, 150);
    });
    const steadyServer: DicomWebServer = { baseUrl: `${await listen(steady)}/dicom-web`, timeoutS: 1 };
    expect(await searchStudies(steadyServer, {})).toEqual([]);
  });

  it.skipIf(noChromium)(
    'in Chromium: search, retrieve and loadFiles in web workers give the same volumes as files on disk',
    async () => {
      const bundleDir = join(work, 'bundle');
      const errors = await bundlePage(
        {
          page: join(import.meta.dirname, 'dicomweb-orthanc', 'page.ts'),
          decodeWorker: join(
            import.meta.dirname,
            '..',
            'packages',
            'imaging',
            'src',
            'browser',
            'decodeWorker.ts',
          ),
        },
        bundleDir,
        'dicomweb',
      );
      expect(errors).toEqual([]);
      const base = await listen(pageServer(bundleDir, orthanc!.baseUrl));
      const nothing = createServer();
      const deadBase = await listen(nothing);
      await new Promise((ok) => nothing.close(ok)); // its port now refuses connections
      const browser = await launchChromium();
      let result: PageResult;
      try {
        result = await callInPage<PageSpec, PageResult>(browser, base, 'retrieveAndLoad', {
          baseUrl: `${base}/dicom-web`,
          patientName: 'phantom',
          workerUrl: `${base}/bundle/decodeWorker.js`,
          deadBaseUrl: `${deadBase}/dicom-web`,
        });
      } finally {
        await browser.close();
      }
      const reference = await loadPaths([caseDir], { workers: 2 });
      const series = expected.flatMap((s) => s.series);
      expect(result.series.map((s) => s.seriesInstanceUid)).toEqual(series.map((s) => s.seriesInstanceUid));
      for (const [i, s] of result.series.entries()) {
        expect(s.retrieved).toBe(series[i]!.instanceCount);
        expect(s.retrieveErrors).toEqual([]);
        expect(s.loadErrors).toEqual([]);
        const ref = reference.volumes.filter((v) => v.metadata.seriesInstanceUid === s.seriesInstanceUid);
        expect(s.volumes).toEqual(ref.map(summarize));
      }
      expect(result.dead).toEqual({
        name: 'DicomWebError',
        isDicomWebError: true,
        message: expect.stringMatching(
          new RegExp(
            `^${deadBase}/dicom-web/studies\\?includefield=.*: no answer from the server \\(Failed to fetch\\)`,
          ),
        ) as unknown,
      });
    },
  );

  it('a stopped server is an error naming the URL, not a crash', async () => {
    await orthanc!.stop();
    const studies = searchStudies(server, { patientName: 'PHANTOM*' });
    await expect(studies).rejects.toBeInstanceOf(DicomWebError);
    await expect(studies).rejects.toThrow(
      new RegExp(
        `^${server.baseUrl}/studies\\?PatientName=PHANTOM\\*.*: no answer from the server \\(ECONNREFUSED\\)`,
      ),
    );
    const ct = study('CT');
    await expect(
      retrieveSeries(server, ct.studyInstanceUid, ct.series[0]!.seriesInstanceUid),
    ).rejects.toThrow(/no answer from the server \(ECONNREFUSED\)/);
  });
});

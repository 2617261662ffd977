/**
 * The browser side of tests/dicomweb-orthanc.test.ts, bundled with esbuild: searches the PACS, retrieves
 * every series over DICOMweb and loads the files with loadFiles in web workers, as the app will.
 */
import { loadFiles, type DecodeWorker } from '../../packages/imaging/src/browser/index.ts';
import {
  DicomWebError,
  retrieveSeries,
  searchSeries,
  searchStudies,
} from '../../packages/imaging/src/dicomweb/index.ts';
import type { LoadError } from '../../packages/imaging/src/dicom/types.ts';
import { summarize, type VolumeSummary } from '../browser-loader/summary.ts';

export interface PageSpec {
  baseUrl: string;
  patientName: string;
  workerUrl: string;
  /** A DICOMweb root where nothing listens: the error the page gets is returned. */
  deadBaseUrl: string;
}

export interface SeriesResult {
  seriesInstanceUid: string;
  retrieved: number;
  retrieveErrors: LoadError[];
  volumes: VolumeSummary[];
  loadErrors: LoadError[];
}

// Browser global (the project compiles without the DOM libraries).
declare const Worker: new (url: string, options: { type: 'module' }) => DecodeWorker;

async function retrieveAndLoad(spec: PageSpec) {
  const server = { baseUrl: spec.baseUrl };
  const series: SeriesResult[] = [];
  for (const study of await searchStudies(server, { patientName: spec.patientName }))
    for (const s of await searchSeries(server, study.studyInstanceUid)) {
      const got = await retrieveSeries(server, study.studyInstanceUid, s.seriesInstanceUid);
      const loaded = await loadFiles(got.files, {
        workers: 2,
        createWorker: () => new Worker(spec.workerUrl, { type: 'module' }),
      });
      series.push({
        seriesInstanceUid: s.seriesInstanceUid,
        retrieved: got.files.length,
        retrieveErrors: got.errors,
        volumes: loaded.volumes.map(summarize),
        loadErrors: loaded.errors,
      });
    }
  const dead = await searchStudies({ baseUrl: spec.deadBaseUrl }).then(
    () => undefined,
    (e: unknown) => ({
      name: (e as Error).name,
      isDicomWebError: e instanceof DicomWebError,
      message: (e as Error).message,
    }),
  );
  return { series, dead };
}

export type PageResult = Awaited<ReturnType<typeof retrieveAndLoad>>;

(globalThis as { retrieveAndLoad?: typeof retrieveAndLoad }).retrieveAndLoad = retrieveAndLoad;

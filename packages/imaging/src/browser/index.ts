/** Browser entry of @neuroplan/imaging: file loading with web workers. */
export {
  loadFiles,
  type BrowserFile,
  type BrowserLoadOptions,
  type CodecWasmUrls,
  type DecodeWorker,
  type LoadProgress,
  type LoadResult,
} from './loadFiles.ts';
export {
  createTaskRunner,
  type RunOptions,
  type TaskRunner,
  type TaskRunnerOptions,
  type WorkerLike,
} from './runInWorker.ts';

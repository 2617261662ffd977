/** Node-only entry of @neuroplan/imaging: file loading with worker threads, phantom writing. */
export { loadPaths, type LoadOptions, type LoadProgress, type LoadResult } from './loadPaths.ts';
export { expandPaths } from './files.ts';
export { writePhantomCase } from './writePhantom.ts';
export { createNodeTaskRunner, type NodeTaskRunnerOptions } from './runInWorker.ts';

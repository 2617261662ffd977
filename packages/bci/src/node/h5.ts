/** The Node build of h5wasm (host filesystem via NODERAWFS), loaded once, with HDF5's stderr printing off. */
import type { H5Lib } from '../nwb/h5lib.ts';
import { quietHdf5Errors } from '../nwb/h5lib.ts';

let loading: Promise<H5Lib> | undefined;

export function nodeH5(): Promise<H5Lib> {
  loading ??= (async () => {
    const lib = (await import('h5wasm/node')).default;
    quietHdf5Errors(await lib.ready);
    return lib;
  })();
  return loading;
}

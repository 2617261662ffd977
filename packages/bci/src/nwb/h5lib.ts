/**
 * The thin layer over h5wasm the NWB reader and writer share. They take the h5wasm module as an argument
 * (`H5Lib`) so the same code runs on the browser build (in-memory FS, see bytes.ts) and on the Node build
 * (host filesystem, see ../node/h5.ts).
 */
import type h5wasm from 'h5wasm';
import type { Dataset, Entity, Group } from 'h5wasm';

export type H5Lib = typeof h5wasm;

/** The h5wasm module object that `ready` resolves to (for the error-handler switch and the in-memory FS). */
export type H5Module = Awaited<H5Lib['ready']>;

/**
 * Make HDF5 throw its error stack instead of printing it to stderr (a command line must print one line).
 * Idempotent; call once per module instance.
 */
export function quietHdf5Errors(module: H5Module): void {
  module.activate_throwing_error_handler();
}

/** The innermost reason of an HDF5 error stack ("truncated file: eof = 5000, …"), else the message as is. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const reasons = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)/g)].map((m) => m[1]!.trim());
  return reasons.at(-1) ?? (text.split('\n')[0] || 'unknown HDF5 error');
}

export const isGroup = (lib: H5Lib, e: Entity | null): e is Group => e instanceof lib.Group;
export const isDataset = (lib: H5Lib, e: Entity | null): e is Dataset => e instanceof lib.Dataset;

/** An attribute's value as a string, or undefined when absent or not text. */
export function attrString(obj: Group | Dataset, name: string): string | undefined {
  const attrs = obj.attrs;
  if (!(name in attrs)) return undefined;
  const v = attrs[name]!.value;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** An attribute's value as a number, or undefined when absent or not numeric. */
export function attrNumber(obj: Group | Dataset, name: string): number | undefined {
  const attrs = obj.attrs;
  if (!(name in attrs)) return undefined;
  const v = attrs[name]!.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) && 'length' in v && (v as ArrayLike<number | bigint>).length === 1)
    return Number((v as ArrayLike<number | bigint>)[0]);
  return undefined;
}

/** Every numeric value of a dataset as float64 (int64 columns, as h5py writes ids, arrive as BigInt64Array). */
export function numericValues(ds: Dataset): Float64Array | undefined {
  const v = ds.value;
  if (typeof v === 'number') return Float64Array.of(v);
  if (typeof v === 'bigint') return Float64Array.of(Number(v));
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v, Number);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float64Array.from(v as ArrayLike<number>);
  return undefined;
}

/** Every value of a text dataset (scalar or 1-D), or undefined when it is not text. */
export function stringValues(ds: Dataset): string[] | undefined {
  const v = ds.value;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return undefined;
}

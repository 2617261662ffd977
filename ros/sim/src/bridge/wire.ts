/**
 * Server→client encodings. JSON follows rosbridge's JSON mapping (`uint8[]` as base64, other numeric arrays as
 * JSON arrays, int64 as numbers). CBOR follows rosbridge's `cbor` compression: numeric arrays become RFC 8746
 * typed-array tags (little-endian), `uint8[]` a byte string, so roslib's cbor2 decoder yields typed arrays.
 */
import { TypeEncoderMap, encode as cborEncode } from 'cbor2';
import { writeLength, writeString, writeUnknown } from 'cbor2/encoder';

/** Field-type hints for one message type: which fields hold numeric arrays of which element type. */
export type ArrayElementType =
  'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'uint64' | 'int64' | 'float32' | 'float64';

const isView = (v: unknown): v is ArrayBufferView => ArrayBuffer.isView(v);

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * A JSON-safe version of `value` (copy-on-write: objects that need no change are returned as they are).
 * Uint8Array → base64, other typed arrays → arrays, bigint → number.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (isView(value)) {
    if (value instanceof Uint8Array) return base64(value);
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Array.from(value, Number);
    if (value instanceof DataView)
      return base64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return Array.from(value as unknown as ArrayLike<number>);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || (typeof v !== 'object' && typeof v !== 'bigint')) continue;
      const c = toJsonValue(v);
      if (c !== v) {
        out ??= value.slice();
        out[i] = c;
      }
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const v = obj[key];
    if (v === null || (typeof v !== 'object' && typeof v !== 'bigint')) continue;
    const c = toJsonValue(v);
    if (c !== v) {
      out ??= { ...obj };
      out[key] = c;
    }
  }
  return out ?? value;
}

export function encodeJson(message: object): string {
  return JSON.stringify(toJsonValue(message));
}

/** Typed-array constructors per element type (rosbridge's TAGGED_ARRAY_FORMATS; uint8 stays a byte string). */
const TYPED: Record<ArrayElementType, (xs: ArrayLike<number | bigint>) => ArrayBufferView> = {
  uint8: (xs) => Uint8Array.from(xs as ArrayLike<number>),
  int8: (xs) => Int8Array.from(xs as ArrayLike<number>),
  uint16: (xs) => Uint16Array.from(xs as ArrayLike<number>),
  int16: (xs) => Int16Array.from(xs as ArrayLike<number>),
  uint32: (xs) => Uint32Array.from(xs as ArrayLike<number>),
  int32: (xs) => Int32Array.from(xs as ArrayLike<number>),
  uint64: (xs) => BigUint64Array.from(xs as ArrayLike<number>, (x) => BigInt(Math.trunc(Number(x)))),
  int64: (xs) => BigInt64Array.from(xs as ArrayLike<number>, (x) => BigInt(Math.trunc(Number(x)))),
  float32: (xs) => Float32Array.from(xs as ArrayLike<number>),
  float64: (xs) => Float64Array.from(xs as ArrayLike<number>),
};

/**
 * Tells, for a message type and a field path, the element type of a numeric array field (undefined when the
 * field is not a numeric array or the type is unknown). Supplied by the message definitions.
 */
export type ArrayFieldLookup = (type: string) => MessageShape | undefined;

/** The parts of a message definition the CBOR encoder needs. */
export interface MessageShape {
  /** Numeric array fields and their element type. */
  readonly arrays?: Readonly<Record<string, ArrayElementType>>;
  /** Nested message fields (single or array) and their type names. */
  readonly nested?: Readonly<Record<string, string>>;
}

/**
 * A CBOR-ready version of `value`: typed arrays kept (as plain views so cbor2 tags them), numeric arrays of known
 * element type converted to typed arrays when `shapeOf` knows the type.
 */
export function toCborValue(value: unknown, type?: string, shapeOf?: ArrayFieldLookup): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isView(value)) {
    // Buffer (a Uint8Array subclass) → a plain Uint8Array view, so it is a byte string like rosbridge's bytes().
    if (value instanceof Uint8Array && value.constructor !== Uint8Array)
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return value;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || typeof v !== 'object') continue;
      const c = toCborValue(v, type, shapeOf);
      if (c !== v) {
        out ??= value.slice();
        out[i] = c;
      }
    }
    return out ?? value;
  }
  const shape = type !== undefined ? shapeOf?.(type) : undefined;
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const v = obj[key];
    if (v === null || typeof v !== 'object') continue;
    let c: unknown;
    const elem = shape?.arrays?.[key];
    if (elem && Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint'))
      c = TYPED[elem](v as number[]);
    else c = toCborValue(v, shape?.nested?.[key], shapeOf);
    if (c !== v) {
      out ??= { ...obj };
      out[key] = c;
    }
  }
  return out ?? value;
}

/**
 * cbor2 encodes every map key through a whole nested `encode()` (to sort keys when asked), which costs ~30 µs per
 * key. Plain objects are written here in insertion order instead (what rosbridge's Python encoder does);
 * everything else, typed-array tags included, stays cbor2's.
 */
const MT_MAP = 5;
const FAST_TYPES = new TypeEncoderMap();
FAST_TYPES.registerEncoder(Object, (obj, w, opts) => {
  const o = obj as Record<string, unknown>;
  const keys = Object.keys(o);
  writeLength(o, keys.length, MT_MAP, w, opts);
  for (const k of keys) {
    writeString(k, w, opts);
    writeUnknown(o[k], w, opts);
  }
  return undefined;
});

export function encodeCbor(message: object): Uint8Array {
  return cborEncode(message, { types: FAST_TYPES, chunkSize: 1024 });
}

/**
 * rosbridge's `fragment` op: the JSON text cut into pieces of at most `fragmentSize` characters, each sent as
 * `{op:'fragment', id, data, num, total}`. Returns the frame unchanged when it fits.
 */
export function fragmentJson(json: string, fragmentSize: number, id: string | number): string[] {
  if (json.length <= fragmentSize) return [json];
  const total = Math.ceil(json.length / fragmentSize);
  const frames: string[] = [];
  for (let num = 0; num < total; num++) {
    const data = json.slice(num * fragmentSize, (num + 1) * fragmentSize);
    frames.push(JSON.stringify({ op: 'fragment', id, data, num, total }));
  }
  return frames;
}

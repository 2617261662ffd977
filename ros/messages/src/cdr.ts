/**
 * CDR (XCDR1, little endian, with the 4-byte encapsulation header) as ROS 2 puts messages on the wire, in
 * rosbag2 and in MCAP (`cdr` message encoding), via @foxglove/rosmsg2-serialization.
 *
 * The JSON mapping on our side: int64/uint64 are numbers (converted to and from the library's bigint; values
 * beyond 2^53 lose precision on the way out, as they would in JSON), uint8/byte/char arrays are `Uint8Array`
 * (base64 strings are accepted on the way in), other arrays are plain arrays, Time/Duration `{sec, nanosec}`.
 */
import cdr from '@foxglove/cdr';
import serialization from '@foxglove/rosmsg2-serialization';

import { decodeBase64, isBase64 } from './base64.ts';
import { parsedDefinitions } from './registry.ts';
import type { MessageDefinitionField } from './registry.ts';
import { isByteArrayField, isTimeType, nestedFields, resolvedType } from './schema.ts';
import type { ResolvedType } from './schema.ts';
import { validateMessage } from './validate.ts';

const { CdrWriter } = cdr;
type CdrWriterInstance = InstanceType<typeof CdrWriter>;
const utf8 = new TextEncoder();

/**
 * @foxglove/cdr 3.5's CdrWriter.string sizes strings by their UTF-16 length, so any non-ASCII text is cut
 * short and the length prefix is wrong. Detect that once and replace the method with one that writes the UTF-8
 * bytes (same wire format: uint32 length including the NUL, the bytes, NUL). Only applied while the bug is
 * there, so a fixed release of the library is used as is.
 */
function patchCdrWriterStringIfBroken(): void {
  const probe = new CdrWriter();
  probe.string('é');
  const d = probe.data;
  if (d.length === 4 + 4 + 3 && d[4] === 3 && d[8] === 0xc3 && d[9] === 0xa9) return;
  CdrWriter.prototype.string = function (this: CdrWriterInstance, value: string, writeLength = true) {
    const bytes = utf8.encode(value);
    if (writeLength) this.uint32(bytes.length + 1);
    this.uint8Array(bytes, false);
    this.uint8(0);
    return this;
  };
}
patchCdrWriterStringIfBroken();

type Plain = Record<string, unknown>;
type Writer = InstanceType<typeof serialization.MessageWriter>;
type Reader = InstanceType<typeof serialization.MessageReader>;

const writers = new Map<string, Writer>();
const readers = new Map<string, Reader>();

function writerFor(type: string): Writer {
  let w = writers.get(type);
  if (w === undefined) {
    w = new serialization.MessageWriter(parsedDefinitions(type));
    writers.set(type, w);
  }
  return w;
}

function readerFor(type: string): Reader {
  let r = readers.get(type);
  if (r === undefined) {
    r = new serialization.MessageReader(parsedDefinitions(type));
    readers.set(type, r);
  }
  return r;
}

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** The typed array the writer takes as is for each primitive type (anything else it wants as a plain array). */
const WRITER_ARRAYS = new Map<string, TypedArrayConstructor>([
  ['int8', Int8Array],
  ['int16', Int16Array],
  ['uint16', Uint16Array],
  ['int32', Int32Array],
  ['uint32', Uint32Array],
  ['float32', Float32Array],
  ['float64', Float64Array],
]);

function isObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Converts a validated message to what the writer expects (bigint for 64-bit integers, byte arrays). */
function toWireValue(resolved: ResolvedType, field: MessageDefinitionField, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (field.isArray === true) {
    if (isByteArrayField(field)) {
      if (typeof value === 'string' && isBase64(value)) return decodeBase64(value);
      return value instanceof Uint8Array ? value : Uint8Array.from(value as ArrayLike<number>);
    }
    const items = value as ArrayLike<unknown>;
    if (field.isComplex === true) {
      const fields = nestedFields(resolved, field.type);
      return Array.from(items, (item) => toWireStruct(resolved, fields, item as Plain));
    }
    if (field.type === 'int64')
      return BigInt64Array.from(items as ArrayLike<number | bigint>, (v) => BigInt(v));
    if (field.type === 'uint64')
      return BigUint64Array.from(items as ArrayLike<number | bigint>, (v) => BigInt(v));
    const ctor = WRITER_ARRAYS.get(field.type);
    if (ctor !== undefined && items instanceof ctor) return items;
    return Array.from(items);
  }
  if (field.isComplex === true)
    return toWireStruct(resolved, nestedFields(resolved, field.type), value as Plain);
  if (field.type === 'int64' || field.type === 'uint64') return BigInt(value as number | bigint);
  if (isTimeType(field.type)) {
    const t = value as Plain;
    return { sec: t.sec ?? 0, nanosec: t.nanosec ?? 0 };
  }
  return value;
}

function toWireStruct(
  resolved: ResolvedType,
  fields: readonly MessageDefinitionField[],
  value: Plain,
): Plain {
  const out: Plain = {};
  for (const f of fields) {
    const v = toWireValue(resolved, f, value[f.name]);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

/**
 * Serializes a message (JSON mapping; missing fields take their defaults) to CDR bytes, encapsulation header
 * included. Throws `Error("<type>: cannot serialize: <reasons>")` when {@link validateMessage} finds problems.
 */
export function serializeCdr(type: string, msg: unknown): Uint8Array {
  const resolved = resolvedType(type);
  const reasons = validateMessage(resolved.type, msg);
  if (reasons.length > 0) throw new Error(`${resolved.type}: cannot serialize: ${reasons.join('; ')}`);
  return writerFor(resolved.type).writeMessage(toWireStruct(resolved, resolved.fields, msg as Plain));
}

function fromWireValue(resolved: ResolvedType, field: MessageDefinitionField, value: unknown): unknown {
  if (field.isArray === true) {
    if (isByteArrayField(field)) return Uint8Array.from(value as ArrayLike<number>);
    const items = value as ArrayLike<unknown>;
    if (field.isComplex === true) {
      const fields = nestedFields(resolved, field.type);
      return Array.from(items, (item) => fromWireStruct(resolved, fields, item as Plain));
    }
    if (field.type === 'int64' || field.type === 'uint64')
      return Array.from(items as ArrayLike<bigint>, Number);
    return Array.from(items);
  }
  if (field.isComplex === true)
    return fromWireStruct(resolved, nestedFields(resolved, field.type), value as Plain);
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function fromWireStruct(
  resolved: ResolvedType,
  fields: readonly MessageDefinitionField[],
  value: Plain,
): Plain {
  const out: Plain = {};
  for (const f of fields) out[f.name] = fromWireValue(resolved, f, value[f.name]);
  return out;
}

/**
 * Deserializes CDR bytes (with the encapsulation header; trailing padding is ignored) into the JSON mapping.
 * Throws `Error("<type>: cannot deserialize N bytes: <reason>")` for truncated or corrupt data.
 */
export function deserializeCdr(type: string, bytes: ArrayBufferView): Record<string, unknown> {
  const resolved = resolvedType(type);
  const n = bytes.byteLength;
  const fail = (reason: string): Error =>
    new Error(`${resolved.type}: cannot deserialize ${n} bytes: ${reason}`);
  if (n < 4) throw fail('shorter than the 4-byte CDR encapsulation header');
  const header = new Uint8Array(bytes.buffer, bytes.byteOffset, 2);
  if (header[0] !== 0 || (header[1] !== 0 && header[1] !== 1)) {
    throw fail(`encapsulation ${hex(header[0]!)} ${hex(header[1]!)} is not plain CDR (00 00 or 00 01)`);
  }
  let raw: unknown;
  try {
    raw = readerFor(resolved.type).readMessage(bytes);
  } catch (err) {
    throw fail(
      err instanceof RangeError ? `data ends too early or a length is corrupt (${err.message})` : String(err),
    );
  }
  if (!isObject(raw)) throw fail('the reader returned no message');
  return fromWireStruct(resolved, resolved.fields, raw);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * Type checks of a message in the JSON mapping, so a bridge can refuse a malformed publish, service request or
 * goal with a clear reason instead of serializing garbage. Missing fields are fine (they get defaults).
 */
import { isBase64 } from './base64.ts';
import type { MessageDefinitionField } from './registry.ts';
import { INTEGER_RANGES, isByteArrayField, isTimeType, nestedFields, resolvedType } from './schema.ts';
import type { ResolvedType } from './schema.ts';

/** Stop after this many reasons: a huge wrong array must not produce a huge answer. */
const MAX_REASONS = 20;

class Reasons {
  readonly list: string[] = [];
  add(path: string, reason: string): void {
    if (this.list.length < MAX_REASONS) this.list.push(`${path}: ${reason}`);
  }
  get full(): boolean {
    return this.list.length >= MAX_REASONS;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function checkInteger(path: string, type: string, value: unknown, reasons: Reasons): void {
  const [min, max] = INTEGER_RANGES.get(type)!;
  let big: bigint;
  if (typeof value === 'bigint') {
    big = value;
  } else if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      reasons.add(
        path,
        `${type} value ${value} is beyond 2^53 and cannot be exact as a number (use a bigint)`,
      );
      return;
    }
    big = BigInt(value);
  } else {
    reasons.add(path, `expected an integer (${type}), got ${describe(value)}`);
    return;
  }
  if (big < min || big > max) reasons.add(path, `${type} value ${big} is out of range [${min}, ${max}]`);
}

function checkTime(path: string, type: string, value: unknown, reasons: Reasons): void {
  if (!isPlainObject(value)) {
    reasons.add(path, `expected a ${type} {sec, nanosec}, got ${describe(value)}`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'sec' && key !== 'nanosec')
      reasons.add(`${path}.${key}`, `unknown field (${type} has sec, nanosec)`);
  }
  if (value.sec !== undefined) checkInteger(`${path}.sec`, 'int32', value.sec, reasons);
  if (value.nanosec !== undefined) {
    checkInteger(`${path}.nanosec`, 'uint32', value.nanosec, reasons);
    if (typeof value.nanosec === 'number' && value.nanosec >= 1e9) {
      reasons.add(`${path}.nanosec`, `must be below 1e9, got ${value.nanosec}`);
    }
  }
}

function checkScalar(path: string, field: MessageDefinitionField, value: unknown, reasons: Reasons): void {
  const type = field.type;
  if (isTimeType(type)) return checkTime(path, type, value, reasons);
  if (type === 'bool') {
    if (typeof value !== 'boolean') reasons.add(path, `expected a boolean, got ${describe(value)}`);
    return;
  }
  if (type === 'string' || type === 'wstring') {
    if (typeof value !== 'string') reasons.add(path, `expected a string, got ${describe(value)}`);
    else if (field.upperBound !== undefined && value.length > field.upperBound) {
      reasons.add(path, `string longer than its bound ${field.upperBound}`);
    }
    return;
  }
  if (type === 'float32' || type === 'float64') {
    if (typeof value !== 'number') reasons.add(path, `expected a number (${type}), got ${describe(value)}`);
    return;
  }
  if (INTEGER_RANGES.has(type)) return checkInteger(path, type, value, reasons);
  reasons.add(path, `unsupported field type ${type}`);
}

function checkArray(
  resolved: ResolvedType,
  path: string,
  field: MessageDefinitionField,
  value: unknown,
  reasons: Reasons,
): void {
  let length: number;
  if (isByteArrayField(field) && typeof value === 'string') {
    if (!isBase64(value)) {
      reasons.add(
        path,
        'expected an array of bytes, a Uint8Array or a base64 string, got a string that is not base64',
      );
      return;
    }
    length = (value.length / 4) * 3 - (value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0);
  } else if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const items = value as ArrayLike<unknown>;
    length = items.length;
    for (let i = 0; i < length && !reasons.full; i++) {
      const item = items[i];
      const itemPath = `${path}[${i}]`;
      if (field.isComplex === true)
        checkStruct(resolved, itemPath, nestedFields(resolved, field.type), item, reasons);
      else checkScalar(itemPath, field, item, reasons);
    }
  } else {
    reasons.add(path, `expected an array of ${field.type}, got ${describe(value)}`);
    return;
  }
  if (field.arrayLength !== undefined && length !== field.arrayLength) {
    reasons.add(path, `expected exactly ${field.arrayLength} elements, got ${length}`);
  }
  if (field.arrayUpperBound !== undefined && length > field.arrayUpperBound) {
    reasons.add(path, `at most ${field.arrayUpperBound} elements allowed, got ${length}`);
  }
}

function checkStruct(
  resolved: ResolvedType,
  path: string,
  fields: readonly MessageDefinitionField[],
  value: unknown,
  reasons: Reasons,
): void {
  if (!isPlainObject(value)) {
    reasons.add(path, `expected an object, got ${describe(value)}`);
    return;
  }
  const prefix = path === '' ? '' : `${path}.`;
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      const names = fields.map((f) => f.name).join(', ');
      reasons.add(`${prefix}${key}`, `unknown field (known fields: ${names === '' ? 'none' : names})`);
    }
  }
  for (const field of fields) {
    const v = value[field.name];
    if (v === undefined || reasons.full) continue;
    const fieldPath = `${prefix}${field.name}`;
    if (field.isArray === true) checkArray(resolved, fieldPath, field, v, reasons);
    else if (field.isComplex === true)
      checkStruct(resolved, fieldPath, nestedFields(resolved, field.type), v, reasons);
    else checkScalar(fieldPath, field, v, reasons);
  }
}

/**
 * Why `msg` is not a valid `type` message in the JSON mapping: one sentence per problem, prefixed with the
 * field path (`header.stamp.sec: expected an integer (int32), got the string "x"`); empty when it is valid.
 * Checks: objects where messages are, numbers in range for integer types (int64/uint64 as safe integers or
 * bigint), numbers for floats (NaN and infinities are allowed, as in ROS), strings, booleans, {sec, nanosec}
 * for Time/Duration, arrays (typed arrays too; base64 strings for uint8[]), fixed and bounded array lengths,
 * and unknown fields by name. At most 20 reasons are returned.
 */
export function validateMessage(type: string, msg: unknown): string[] {
  const resolved = resolvedType(type);
  const reasons = new Reasons();
  if (!isPlainObject(msg)) {
    reasons.add('message', `expected an object, got ${describe(msg)}`);
  } else {
    checkStruct(resolved, '', resolved.fields, msg, reasons);
  }
  return reasons.list;
}

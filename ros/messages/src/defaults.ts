/**
 * Default messages and filling partial messages, as rosbridge does for a publish or a service call that
 * leaves fields out. Values follow the JSON mapping of this package: numbers (int64 too), `{sec, nanosec}`
 * for builtin_interfaces Time/Duration, `Uint8Array` for uint8/byte/char arrays, plain arrays otherwise.
 */
import { decodeBase64, isBase64 } from './base64.ts';
import type { MessageDefinitionField } from './registry.ts';
import { isByteArrayField, isTimeType, nestedFields, resolvedType } from './schema.ts';
import type { ResolvedType } from './schema.ts';

type Plain = Record<string, unknown>;

function scalarDefault(field: MessageDefinitionField): unknown {
  const d = field.defaultValue;
  if (isTimeType(field.type)) return { sec: 0, nanosec: 0 };
  if (field.type === 'string' || field.type === 'wstring') return typeof d === 'string' ? d : '';
  if (field.type === 'bool') return typeof d === 'boolean' ? d : false;
  if (typeof d === 'bigint') return Number(d);
  return typeof d === 'number' ? d : 0;
}

function fieldDefault(resolved: ResolvedType, field: MessageDefinitionField): unknown {
  if (field.isArray === true) {
    const n = field.arrayLength ?? 0;
    if (Array.isArray(field.defaultValue) && !field.isComplex) {
      const values = (field.defaultValue as unknown[]).map((v) => (typeof v === 'bigint' ? Number(v) : v));
      return isByteArrayField(field) ? Uint8Array.from(values as number[]) : values;
    }
    if (isByteArrayField(field)) return new Uint8Array(n);
    const element = (): unknown =>
      field.isComplex === true
        ? structDefault(resolved, nestedFields(resolved, field.type))
        : scalarDefault(field);
    return Array.from({ length: n }, element);
  }
  if (field.isComplex === true) return structDefault(resolved, nestedFields(resolved, field.type));
  return scalarDefault(field);
}

function structDefault(resolved: ResolvedType, fields: readonly MessageDefinitionField[]): Plain {
  const out: Plain = {};
  for (const f of fields) out[f.name] = fieldDefault(resolved, f);
  return out;
}

/** A message of `type` with every field at its ROS default (0, "", false, empty arrays, declared defaults). */
export function defaultMessage(type: string): Record<string, unknown> {
  const resolved = resolvedType(type);
  return structDefault(resolved, resolved.fields);
}

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function fillField(resolved: ResolvedType, field: MessageDefinitionField, value: unknown): unknown {
  if (value === undefined) return fieldDefault(resolved, field);
  if (field.isArray === true) {
    if (isByteArrayField(field)) {
      if (typeof value === 'string') return isBase64(value) ? decodeBase64(value) : value;
      if (Array.isArray(value)) return Uint8Array.from(value as number[]);
      return value;
    }
    if (!Array.isArray(value) && !ArrayBuffer.isView(value)) return value;
    const items = Array.from(value as ArrayLike<unknown>);
    if (field.isComplex === true) {
      const fields = nestedFields(resolved, field.type);
      return items.map((item) => (isPlainObject(item) ? fillStruct(resolved, fields, item) : item));
    }
    if (isTimeType(field.type)) return items.map((t) => (isPlainObject(t) ? fillTime(t) : t));
    return items;
  }
  if (field.isComplex === true) {
    return isPlainObject(value) ? fillStruct(resolved, nestedFields(resolved, field.type), value) : value;
  }
  if (isTimeType(field.type) && isPlainObject(value)) return fillTime(value);
  return value;
}

function fillTime(t: Plain): Plain {
  return { ...t, sec: t.sec ?? 0, nanosec: t.nanosec ?? 0 };
}

function fillStruct(
  resolved: ResolvedType,
  fields: readonly MessageDefinitionField[],
  partial: Plain,
): Plain {
  const out: Plain = {};
  for (const f of fields) out[f.name] = fillField(resolved, f, partial[f.name]);
  return out;
}

/**
 * A copy of `partial` with every missing field (at any depth, array elements included) set to its default;
 * base64 strings in uint8[] fields (rosbridge's JSON form) become `Uint8Array`. Unknown fields are dropped and
 * wrong types are kept as given: call {@link validateMessage} first to refuse those with a reason.
 */
export function fillDefaults(type: string, partial: unknown): Record<string, unknown> {
  const resolved = resolvedType(type);
  return fillStruct(resolved, resolved.fields, isPlainObject(partial) ? partial : {});
}

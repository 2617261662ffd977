/** Parsed definitions arranged for walking a message: the root's fields and every nested type by name. */
import { messageTypeInfo, parsedDefinitions } from './registry.ts';
import type { MessageDefinitionField } from './registry.ts';

export interface ResolvedType {
  /** Canonical type name (`pkg/msg/T`). */
  readonly type: string;
  /** The root's data fields (constants left out). */
  readonly fields: readonly MessageDefinitionField[];
  /** Data fields of every nested complex type, keyed by the name fields use in `type`. */
  readonly nested: ReadonlyMap<string, readonly MessageDefinitionField[]>;
}

const cache = new Map<string, ResolvedType>();

function dataFields(fields: readonly MessageDefinitionField[]): MessageDefinitionField[] {
  return fields.filter((f) => f.isConstant !== true);
}

export function resolvedType(type: string): ResolvedType {
  const canonical = messageTypeInfo(type).type;
  let resolved = cache.get(canonical);
  if (resolved === undefined) {
    const defs = parsedDefinitions(canonical);
    const nested = new Map<string, readonly MessageDefinitionField[]>();
    for (const def of defs.slice(1)) {
      if (def.name !== undefined) nested.set(def.name, dataFields(def.definitions));
    }
    resolved = { type: canonical, fields: dataFields(defs[0]!.definitions), nested };
    cache.set(canonical, resolved);
  }
  return resolved;
}

/** The fields of a nested complex type (the parser resolved every name, so a miss is a bug). */
export function nestedFields(resolved: ResolvedType, name: string): readonly MessageDefinitionField[] {
  const fields = resolved.nested.get(name);
  if (fields === undefined) throw new Error(`${resolved.type}: no definition for nested type ${name}`);
  return fields;
}

export const INTEGER_RANGES: ReadonlyMap<string, readonly [bigint, bigint]> = new Map([
  ['int8', [-128n, 127n]],
  ['uint8', [0n, 255n]],
  ['int16', [-32768n, 32767n]],
  ['uint16', [0n, 65535n]],
  ['int32', [-2147483648n, 2147483647n]],
  ['uint32', [0n, 4294967295n]],
  ['int64', [-9223372036854775808n, 9223372036854775807n]],
  ['uint64', [0n, 18446744073709551615n]],
] as const);

export function isTimeType(type: string): boolean {
  return type === 'time' || type === 'duration';
}

export function isByteArrayField(field: MessageDefinitionField): boolean {
  return field.isArray === true && field.type === 'uint8';
}

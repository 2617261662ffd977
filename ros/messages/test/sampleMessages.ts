/**
 * Non-default sample messages built from the parsed definitions alone (every field set, every array filled,
 * strings with non-ASCII text), for round-trip tests. Values are exactly representable in their wire type
 * (float32 through Math.fround, 64-bit integers within 2^53) so a round trip must give them back unchanged.
 */
import { parsedDefinitions } from '../src/registry.ts';
import type { MessageDefinitionField } from '../src/registry.ts';

type Fields = readonly MessageDefinitionField[];

export function sampleMessage(type: string, seed = 1): Record<string, unknown> {
  const defs = parsedDefinitions(type);
  const nested = new Map<string, Fields>();
  for (const d of defs.slice(1)) if (d.name !== undefined) nested.set(d.name, d.definitions);
  let k = seed;
  const scalar = (t: string): unknown => {
    k += 1;
    switch (t) {
      case 'bool':
        return k % 2 === 0;
      case 'int8':
        return -100 + (k % 50);
      case 'uint8':
        return 200 + (k % 50);
      case 'int16':
        return -30000 + k;
      case 'uint16':
        return 60000 + k;
      case 'int32':
        return -2000000000 + k;
      case 'uint32':
        return 4000000000 + k;
      case 'int64':
        return -(2 ** 53 - 1) + k;
      case 'uint64':
        return 2 ** 53 - 1 - k;
      case 'float32':
        return Math.fround(-1.1 * k);
      case 'float64':
        return Math.PI * k + 1e-9;
      case 'string':
        return `s${k} µV é 🧠`;
      case 'time':
      case 'duration':
        return { sec: 1_700_000_000 + k, nanosec: 123_456_789 + k };
      default:
        throw new Error(`sample: unsupported primitive ${t}`);
    }
  };
  const struct = (fields: Fields): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.isConstant === true) continue;
      const one = (): unknown => (f.isComplex === true ? struct(nested.get(f.type)!) : scalar(f.type));
      if (f.isArray === true) {
        const n = f.arrayLength ?? 2;
        const items = Array.from({ length: n }, one);
        out[f.name] = f.type === 'uint8' ? Uint8Array.from(items as number[]) : items;
      } else {
        out[f.name] = one();
      }
    }
    return out;
  };
  return struct(defs[0]!.definitions);
}

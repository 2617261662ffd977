/**
 * The bridge codec backed by @neuroplan/ros-messages: a client's message for a known type is checked
 * (`validateMessage`: wrong types and unknown fields are refused with their field paths), then completed with
 * defaults (`fillDefaults`, which also turns rosbridge's base64 `uint8[]` into Uint8Array), and a `header` the
 * client left out gets the current time, as rosbridge does. Types the definitions do not know pass through as
 * sent (rosbridge would refuse them; `strict` does too).
 */
import {
  actionTypeInfo,
  fillDefaults,
  findMessageType,
  nowStamp,
  parsedDefinitions,
  serviceTypeInfo,
  validateMessage,
} from '@neuroplan/ros-messages';
import type { BridgeCodec, InterfacePart } from './codec.ts';
import type { ArrayElementType, MessageShape } from './wire.ts';

const NUMERIC: ReadonlySet<string> = new Set([
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'uint64',
  'int64',
  'float32',
  'float64',
]);
/** uint8[], byte[] and char[] travel as bytes (a CBOR byte string, base64 in JSON), as rosbridge sends them. */
const BYTES: ReadonlySet<string> = new Set(['uint8', 'byte', 'char']);

/** The message type of one part of an interface, or undefined when the definitions do not know it. */
export function partMessageType(type: string, part: InterfacePart): string | undefined {
  try {
    switch (part) {
      case 'message':
        return findMessageType(type);
      case 'request':
        return serviceTypeInfo(withKind(type, 'srv')).request;
      case 'response':
        return serviceTypeInfo(withKind(type, 'srv')).response;
      case 'goal':
        return actionTypeInfo(withKind(type, 'action')).goal;
      case 'feedback':
        return actionTypeInfo(withKind(type, 'action')).feedback;
      case 'result':
        return actionTypeInfo(withKind(type, 'action')).result;
    }
  } catch {
    return undefined;
  }
}

function withKind(type: string, kind: 'srv' | 'action'): string {
  const parts = type.split('/');
  return parts.length === 2 ? `${parts[0]}/${kind}/${parts[1]}` : type;
}

const shapes = new Map<string, MessageShape | undefined>();

/** Numeric-array and nested fields of a message type, for the CBOR typed-array tags. */
export function messageShape(type: string): MessageShape | undefined {
  if (shapes.has(type)) return shapes.get(type);
  let shape: MessageShape | undefined;
  const canonical = findMessageType(type);
  if (canonical !== undefined) {
    const root = parsedDefinitions(canonical)[0]!;
    const arrays: Record<string, ArrayElementType> = {};
    const nested: Record<string, string> = {};
    for (const f of root.definitions) {
      if (f.isConstant === true) continue;
      if (f.isComplex === true) nested[f.name] = f.type;
      else if (f.isArray === true && NUMERIC.has(f.type)) arrays[f.name] = f.type as ArrayElementType;
      else if (f.isArray === true && BYTES.has(f.type)) arrays[f.name] = 'uint8';
    }
    shape = { arrays, nested };
  }
  shapes.set(type, shape);
  return shape;
}

export interface RosMessagesCodecOptions {
  /** Refuse types the definitions do not know (rosbridge cannot load them either). Default false. */
  strict?: boolean;
}

export function rosMessagesCodec(options: RosMessagesCodecOptions = {}): BridgeCodec {
  return {
    incoming(type, part, value) {
      const msgType = partMessageType(type, part);
      if (msgType === undefined) {
        if (options.strict)
          throw new Error(`${type}: unknown ROS interface type (no definition for its ${part})`);
        return value;
      }
      const reasons = validateMessage(msgType, value);
      if (reasons.length) throw new Error(`invalid ${msgType}: ${reasons.join('; ')}`);
      const filled = fillDefaults(msgType, value);
      const given = value as Record<string, unknown>;
      const header = filled.header as Record<string, unknown> | undefined;
      const givenHeader = given.header as Record<string, unknown> | undefined;
      if (
        header &&
        messageShape(msgType)?.nested?.header?.endsWith('Header') &&
        givenHeader?.stamp === undefined
      )
        header.stamp = nowStamp();
      return filled;
    },
    shapeOf: messageShape,
    partType: partMessageType,
  };
}

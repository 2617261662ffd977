/**
 * The seam between the bridge and the message definitions: how a client's JSON becomes a graph message
 * (defaults filled, base64 `uint8[]` decoded, types checked) and what the CBOR encoder needs to know about
 * numeric arrays. The default codec passes messages through (any JSON object is accepted).
 */
import type { ArrayFieldLookup } from './wire.ts';

/** Which part of an interface a value is (`pkg/msg/T` messages; srv request/response; action goal/feedback/result). */
export type InterfacePart = 'message' | 'request' | 'response' | 'goal' | 'feedback' | 'result';

export interface BridgeCodec {
  /**
   * Converts a value from a client into the graph's form for `type` (the interface type as the client or the
   * graph names it) and `part`. Throws an Error whose message says what is wrong.
   */
  incoming(type: string, part: InterfacePart, value: unknown): unknown;
  /** Numeric-array hints for CBOR, keyed by the full type name of a message (`pkg/msg/T`). */
  shapeOf?: ArrayFieldLookup;
  /** The message type name used for shape lookup of an interface part (e.g. `pkg/srv/T_Response`). */
  partType?(type: string, part: InterfacePart): string | undefined;
}

export const PASSTHROUGH_CODEC: BridgeCodec = {
  incoming(_type, _part, value) {
    return value;
  },
};

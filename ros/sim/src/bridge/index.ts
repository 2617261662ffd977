/** The rosbridge v2 server in front of the in-process RosGraph. */
export { startRosbridgeServer, type RosbridgeServer, type RosbridgeServerOptions } from './server.ts';
export {
  AccessRules,
  ALLOW_ALL,
  DEFAULT_DENY,
  globToRegExp,
  type AccessGlobs,
  type AccessKind,
} from './access.ts';
export { PASSTHROUGH_CODEC, type BridgeCodec, type InterfacePart } from './codec.ts';
export type { BridgeClientInfo } from './session.ts';
export { toJsonValue, toCborValue, type ArrayElementType, type MessageShape } from './wire.ts';
export {
  rosMessagesCodec,
  messageShape,
  partMessageType,
  type RosMessagesCodecOptions,
} from './rosMessagesCodec.ts';

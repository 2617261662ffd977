/**
 * @neuroplan/ros-messages: ROS 2 interface definitions as data (browser-safe, no file system), CDR
 * serialization and ros2msg schemas.
 *
 * Types are the vendored standard interfaces (ros/messages/definitions) and ros/neuroplan_interfaces, plus the
 * message types ROS 2 derives from services (`pkg/srv/T_Request`, `_Response`) and actions (`pkg/action/T_Goal`,
 * `_Result`, `_Feedback`, `_SendGoal_Request/_Response`, `_GetResult_Request/_Response`, `_FeedbackMessage`).
 * Every function takes `pkg/msg/T` or the short `pkg/T` and throws `Error("<name>: unknown ROS ... type")`
 * for a name it does not know.
 *
 * Catalogue
 * - `messageTypes(): string[]`, `serviceTypes(): string[]`, `actionTypes(): string[]` (canonical names, sorted)
 * - `findMessageType(name): string | undefined` (canonical name or undefined)
 * - `messageTypeInfo(name)`, `serviceTypeInfo(name)`, `actionTypeInfo(name)`: derived type names and sources
 * - `definitionText(type): string`: the .msg text (the part, for a derived type), or the whole .srv/.action
 * - `ros2msgSchema(type): string`: the concatenated schema MCAP's `ros2msg` encoding and rosbag2 store (root
 *   text, then per dependency 80 `=`, `MSG: pkg/Type` and its text, depth first, each once, sorted)
 * - `parsedDefinitions(type): MessageDefinition[]`: @foxglove/rosmsg `parse(schema, {ros2: true})`, cached
 *
 * Messages (JSON mapping: int64 as number, uint8[] as Uint8Array, Time as {sec, nanosec})
 * - `serializeCdr(type, msg): Uint8Array` (with the 00 01 00 00 header; throws with reasons when invalid)
 * - `deserializeCdr(type, bytes): Record<string, unknown>` (throws `"<type>: cannot deserialize N bytes: ..."`)
 * - `defaultMessage(type)`, `fillDefaults(type, partial)` (rosbridge-style filling of missing fields)
 * - `validateMessage(type, msg): string[]` (reasons, empty when valid)
 * - `nowStamp(ms?)`, `stampToSeconds(t)`, `secondsToStamp(s)`
 * - `types.ts`: TypeScript shapes (`Heartbeat`, `SafetyState`, `InsertionStatus`, ...), `RosTypes`, `RosNames`
 */
export {
  actionTypeInfo,
  actionTypes,
  definitionText,
  findMessageType,
  messageTypeInfo,
  messageTypes,
  parsedDefinitions,
  ros2msgSchema,
  serviceTypeInfo,
  serviceTypes,
} from './registry.ts';
export type {
  ActionTypeInfo,
  InterfaceKind,
  MessageDefinition,
  MessageDefinitionField,
  MessageTypeInfo,
  ServiceTypeInfo,
} from './registry.ts';
export { deserializeCdr, serializeCdr } from './cdr.ts';
export { defaultMessage, fillDefaults } from './defaults.ts';
export { validateMessage } from './validate.ts';
export { decodeBase64, encodeBase64 } from './base64.ts';
export { nowStamp, secondsToStamp, stampToSeconds } from './time.ts';
export type { Duration, Time } from './time.ts';
export * from './types.ts';

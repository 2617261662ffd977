/**
 * How ROS messages become bytes: CDR with a `ros2msg` schema. The recorder and the replay take a codec so the
 * package does not fix one implementation; `rosMessagesCodec()` (codecRos.ts) is the one backed by
 * @neuroplan/ros-messages (@foxglove/rosmsg2-serialization).
 */
export interface RosCodec {
  /** The `ros2msg` schema text for a type (concatenated .msg definitions, `===` / `MSG: pkg/msg/T` separated). */
  schemaText(type: string): string;
  serialize(type: string, message: unknown): Uint8Array;
  deserialize(type: string, data: Uint8Array): unknown;
}

/** The RosCodec backed by @neuroplan/ros-messages (vendored definitions, @foxglove/rosmsg2-serialization). */
import { deserializeCdr, ros2msgSchema, serializeCdr } from '@neuroplan/ros-messages';
import type { RosCodec } from './codec.ts';

export function rosMessagesCodec(): RosCodec {
  return {
    schemaText: (type) => ros2msgSchema(type),
    serialize: (type, msg) => serializeCdr(type, msg),
    deserialize: (type, data) => deserializeCdr(type, data),
  };
}

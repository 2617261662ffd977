/**
 * The catalogue of interface types: names, texts, the message types ROS 2 derives from services and actions,
 * ros2msg schemas and parsed definitions. Everything comes from the generated texts (no file system).
 */
import rosmsg from '@foxglove/rosmsg';

import { RAW_DEFINITIONS } from './generated/definitions.ts';

/** A parsed definition as `@foxglove/rosmsg` returns it (root first, then the named dependencies). */
export type MessageDefinition = ReturnType<typeof rosmsg.parse>[number];
/** One field of a parsed definition. */
export type MessageDefinitionField = MessageDefinition['definitions'][number];

export type InterfaceKind = 'msg' | 'srv' | 'action';

/** A serializable message type: a .msg file or a message ROS 2 derives from a .srv/.action. */
export interface MessageTypeInfo {
  /** Canonical name, `pkg/msg/Name`, `pkg/srv/Name_Request`, `pkg/action/Name_Goal`, ... */
  readonly type: string;
  readonly pkg: string;
  /** The .msg text (the part of the .srv/.action file, or the text ROS 2 generates for it). */
  readonly text: string;
  /** Interface file it comes from (repository-relative), or the .srv/.action it is derived from. */
  readonly file: string;
  /** Set for derived types: the service or action type and which part this is. */
  readonly derivedFrom?: { readonly type: string; readonly part: string };
}

/** Message parts of a service type. */
export interface ServiceTypeInfo {
  readonly type: string;
  readonly request: string;
  readonly response: string;
}

/** Message parts of an action type (the first three are what rosbridge's send_action_goal carries). */
export interface ActionTypeInfo {
  readonly type: string;
  readonly goal: string;
  readonly result: string;
  readonly feedback: string;
  readonly sendGoalRequest: string;
  readonly sendGoalResponse: string;
  readonly getResultRequest: string;
  readonly getResultResponse: string;
  readonly feedbackMessage: string;
}

const messages = new Map<string, MessageTypeInfo>();
const services = new Map<string, ServiceTypeInfo>();
const actions = new Map<string, ActionTypeInfo>();

function packageOf(type: string): string {
  return type.slice(0, type.indexOf('/'));
}

function addMessage(info: MessageTypeInfo): void {
  messages.set(info.type, info);
}

for (const [type, def] of Object.entries(RAW_DEFINITIONS.msg)) {
  addMessage({ type, pkg: packageOf(type), text: def.text, file: def.file });
}
for (const [type, def] of Object.entries(RAW_DEFINITIONS.srv)) {
  const pkg = packageOf(type);
  const s: ServiceTypeInfo = { type, request: `${type}_Request`, response: `${type}_Response` };
  services.set(type, s);
  addMessage({
    type: s.request,
    pkg,
    text: def.request,
    file: def.file,
    derivedFrom: { type, part: 'request' },
  });
  addMessage({
    type: s.response,
    pkg,
    text: def.response,
    file: def.file,
    derivedFrom: { type, part: 'response' },
  });
}
for (const [type, def] of Object.entries(RAW_DEFINITIONS.action)) {
  const pkg = packageOf(type);
  const a: ActionTypeInfo = {
    type,
    goal: `${type}_Goal`,
    result: `${type}_Result`,
    feedback: `${type}_Feedback`,
    sendGoalRequest: `${type}_SendGoal_Request`,
    sendGoalResponse: `${type}_SendGoal_Response`,
    getResultRequest: `${type}_GetResult_Request`,
    getResultResponse: `${type}_GetResult_Response`,
    feedbackMessage: `${type}_FeedbackMessage`,
  };
  actions.set(type, a);
  const derived = (t: string, part: string, text: string): void =>
    addMessage({ type: t, pkg, text, file: def.file, derivedFrom: { type, part } });
  derived(a.goal, 'goal', def.goal);
  derived(a.result, 'result', def.result);
  derived(a.feedback, 'feedback', def.feedback);
  // The wrappers rosidl generates for the action's hidden services and feedback topic (rosidl_adapter's
  // action conversion): goal ids are unique_identifier_msgs/UUID, statuses action_msgs/GoalStatus codes.
  // Parts are referenced as `pkg/Name_Goal` (not `pkg/action/...`): the parser resolves the part's own
  // unqualified field types (e.g. `JointTolerance`) within the referencing name's namespace, `pkg`.
  const short = `${pkg}/${type.slice(type.lastIndexOf('/') + 1)}`;
  derived(
    a.sendGoalRequest,
    'send_goal_request',
    `unique_identifier_msgs/UUID goal_id\n${short}_Goal goal\n`,
  );
  derived(a.sendGoalResponse, 'send_goal_response', 'bool accepted\nbuiltin_interfaces/Time stamp\n');
  derived(a.getResultRequest, 'get_result_request', 'unique_identifier_msgs/UUID goal_id\n');
  derived(a.getResultResponse, 'get_result_response', `int8 status\n${short}_Result result\n`);
  derived(
    a.feedbackMessage,
    'feedback_message',
    `unique_identifier_msgs/UUID goal_id\n${short}_Feedback feedback\n`,
  );
}

const NAMESPACES: readonly InterfaceKind[] = ['msg', 'srv', 'action'];

function splitName(name: string): string[] {
  return name.split('/');
}

/**
 * The canonical name of a message type given as `pkg/msg/T` or `pkg/T` (also `pkg/srv/T_Request`,
 * `pkg/T_Request`, `pkg/action/T_Goal`, ...), or undefined when there is none.
 */
export function findMessageType(name: string): string | undefined {
  if (messages.has(name)) return name;
  const parts = splitName(name);
  if (parts.length === 2) {
    for (const ns of NAMESPACES) {
      const candidate = `${parts[0]}/${ns}/${parts[1]}`;
      if (messages.has(candidate)) return candidate;
    }
  }
  return undefined;
}

function unknownTypeError(name: string, what: string): Error {
  return new Error(
    `${name}: unknown ROS ${what} type (not in ros/messages/definitions or neuroplan_interfaces)`,
  );
}

/** Like {@link findMessageType} but throws a clear error for an unknown name. */
export function messageTypeInfo(name: string): MessageTypeInfo {
  const type = findMessageType(name);
  if (type === undefined) throw unknownTypeError(name, 'message');
  return messages.get(type)!;
}

function findIn<T>(map: Map<string, T>, name: string, ns: InterfaceKind): T | undefined {
  const direct = map.get(name);
  if (direct !== undefined) return direct;
  const parts = splitName(name);
  return parts.length === 2 ? map.get(`${parts[0]}/${ns}/${parts[1]}`) : undefined;
}

/** The message types of a service (`pkg/srv/T` or `pkg/T`); throws for an unknown service. */
export function serviceTypeInfo(name: string): ServiceTypeInfo {
  const info = findIn(services, name, 'srv');
  if (info === undefined) throw unknownTypeError(name, 'service');
  return info;
}

/** The message types of an action (`pkg/action/T` or `pkg/T`); throws for an unknown action. */
export function actionTypeInfo(name: string): ActionTypeInfo {
  const info = findIn(actions, name, 'action');
  if (info === undefined) throw unknownTypeError(name, 'action');
  return info;
}

/** Every serializable message type (canonical names, sorted), derived service/action messages included. */
export function messageTypes(): string[] {
  return [...messages.keys()].sort();
}

/** Every service type (`pkg/srv/T`), sorted. */
export function serviceTypes(): string[] {
  return [...services.keys()].sort();
}

/** Every action type (`pkg/action/T`), sorted. */
export function actionTypes(): string[] {
  return [...actions.keys()].sort();
}

/**
 * The definition text: the .msg text of a message type (for derived types the part of the .srv/.action),
 * or the whole .srv/.action file for a service or action type.
 */
export function definitionText(type: string): string {
  const msg = findMessageType(type);
  if (msg !== undefined) return messages.get(msg)!.text;
  const srv = findIn(services, type, 'srv');
  if (srv !== undefined) return RAW_DEFINITIONS.srv[srv.type]!.text;
  const action = findIn(actions, type, 'action');
  if (action !== undefined) return RAW_DEFINITIONS.action[action.type]!.text;
  throw unknownTypeError(type, 'interface');
}

// --- ros2msg schemas, built the way rosbag2_storage_mcap's MessageDefinitionCache builds them ---

/** Field types in .msg text (rosbag2's MSG_FIELD_TYPE_REGEX). */
const FIELD_TYPE_RE = /(?:^|\n)\s*([a-zA-Z0-9_/]+)(?:\[[^\]]*\])?\s+/g;
const PRIMITIVE_TYPES = new Set([
  'bool',
  'byte',
  'char',
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'string',
  'wstring',
]);

/** Dependencies as written (`pkg/Type`, local types qualified with the package), sorted like a std::set. */
function dependencyNames(info: MessageTypeInfo): string[] {
  const deps = new Set<string>();
  for (const match of info.text.matchAll(FIELD_TYPE_RE)) {
    const t = match[1]!;
    if (PRIMITIVE_TYPES.has(t)) continue;
    deps.add(t.includes('/') ? t : `${info.pkg}/${t}`);
  }
  return [...deps].sort();
}

const DELIMITER = '='.repeat(80);
const schemaCache = new Map<string, string>();

/**
 * The ros2msg schema of a message type, as MCAP's `ros2msg` schema encoding and rosbag2 store it: the type's
 * own .msg text, then for every dependency (depth first, each once, in sorted order) a line of 80 `=`, a line
 * `MSG: <type as written>` and that type's text.
 */
export function ros2msgSchema(type: string): string {
  const root = messageTypeInfo(type);
  const cached = schemaCache.get(root.type);
  if (cached !== undefined) return cached;
  const seen = new Set<string>();
  const append = (info: MessageTypeInfo, depth: number): string => {
    if (depth > 50) throw new Error(`${root.type}: dependencies nest deeper than 50 levels`);
    let text = info.text;
    for (const dep of dependencyNames(info)) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      const depType = findMessageType(dep);
      if (depType === undefined) {
        throw new Error(`${info.file}: ${info.type} uses ${dep}, which is not defined`);
      }
      text += `\n${DELIMITER}\nMSG: ${dep}\n${append(messages.get(depType)!, depth + 1)}`;
    }
    return text;
  };
  const schema = append(root, 0);
  schemaCache.set(root.type, schema);
  return schema;
}

const parsedCache = new Map<string, MessageDefinition[]>();

/**
 * The type parsed with `@foxglove/rosmsg` (`ros2: true`) from its ros2msg schema: the root definition first
 * (unnamed), then every dependency named `pkg/Type`. builtin_interfaces Time/Duration fields become the
 * `time`/`duration` primitives. The result is shared: do not modify it.
 */
export function parsedDefinitions(type: string): MessageDefinition[] {
  const canonical = messageTypeInfo(type).type;
  let defs = parsedCache.get(canonical);
  if (defs === undefined) {
    try {
      defs = rosmsg.parse(ros2msgSchema(canonical), { ros2: true });
    } catch (err) {
      throw new Error(`${messages.get(canonical)!.file}: ${canonical}: ${(err as Error).message}`);
    }
    parsedCache.set(canonical, defs);
  }
  return defs;
}

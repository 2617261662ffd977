/**
 * What a case recording holds: the robot's ROS 2 topics (CDR, `ros2msg` schemas, the `ros2` MCAP profile) and
 * our own JSON channels (schema encoding `jsonschema`, message encoding `json`).
 */

/** The topics a case records by default, with their ROS 2 types (see helpers' ros-spec). */
export const CASE_TOPICS = [
  { topic: '/joint_states', type: 'sensor_msgs/msg/JointState' },
  { topic: '/tf', type: 'tf2_msgs/msg/TFMessage' },
  { topic: '/tf_static', type: 'tf2_msgs/msg/TFMessage', latched: true },
  { topic: '/robot_description', type: 'std_msgs/msg/String', latched: true },
  { topic: '/diagnostics', type: 'diagnostic_msgs/msg/DiagnosticArray' },
  { topic: '/robot/tip_pose', type: 'geometry_msgs/msg/PoseStamped' },
  { topic: '/robot/safety_state', type: 'neuroplan_interfaces/msg/SafetyState', latched: true },
  { topic: '/robot/insertion_status', type: 'neuroplan_interfaces/msg/InsertionStatus' },
  { topic: '/bci/summary', type: 'neuroplan_interfaces/msg/BciSummary' },
  { topic: '/bci/snippets', type: 'neuroplan_interfaces/msg/BciSnippet' },
] as const satisfies readonly RecordedTopic[];

export interface RecordedTopic {
  topic: string;
  type: string;
  /** Transient-local (latched) publisher: recorded in the channel's QoS so `ros2 bag play` re-latches it. */
  latched?: boolean;
}

/**
 * rosbag2's `offered_qos_profiles` channel metadata (YAML, the format rosbag2's MCAP plugin writes and reads):
 * reliable, keep-last; durability 1 = transient local (latched), 2 = volatile.
 */
export function offeredQosProfiles(latched: boolean): string {
  const inf = '    sec: 2147483647\n    nsec: 4294967295\n';
  return (
    `- history: 3\n  depth: 0\n  reliability: 1\n  durability: ${latched ? 1 : 2}\n` +
    `  deadline:\n${inf}  lifespan:\n${inf}  liveliness: 1\n  liveliness_lease_duration:\n${inf}` +
    `  avoid_ros_namespace_conventions: false`
  );
}

/** Our JSON channels. */
export const AUDIT_TOPIC = '/audit';
export const OPERATOR_ACTIONS_TOPIC = '/case/operator_actions';
export const SAFETY_EVENTS_TOPIC = '/case/safety_events';
export const PLAN_TOPIC = '/case/plan';
export const REGISTRATION_TOPIC = '/case/registration';

const isoTime = { type: 'string', format: 'date-time' } as const;

export const JSON_CHANNELS: Record<string, { schemaName: string; schema: object }> = {
  [AUDIT_TOPIC]: {
    schemaName: 'neuroplan.AuditEntry',
    schema: {
      type: 'object',
      required: ['seq', 'time', 'actor', 'role', 'action', 'details', 'prevHash', 'hash'],
      properties: {
        seq: { type: 'integer', minimum: 0 },
        time: isoTime,
        actor: { type: 'string' },
        role: { type: 'string' },
        action: { type: 'string' },
        details: { type: 'object' },
        prevHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
  },
  [OPERATOR_ACTIONS_TOPIC]: {
    schemaName: 'neuroplan.OperatorAction',
    schema: {
      type: 'object',
      required: ['time', 'operator', 'role', 'action'],
      properties: {
        time: isoTime,
        operator: { type: 'string' },
        role: { type: 'string' },
        action: { type: 'string' },
        trajectoryId: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
  [SAFETY_EVENTS_TOPIC]: {
    schemaName: 'neuroplan.SafetyEvent',
    schema: {
      type: 'object',
      required: ['time', 'kind', 'severity', 'message'],
      properties: {
        time: isoTime,
        kind: { type: 'string', description: 'estop | deadman_lapse | limit | fault | reset | other' },
        severity: { enum: ['info', 'warning', 'critical'] },
        source: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
  [PLAN_TOPIC]: {
    schemaName: 'neuroplan.PlanRecord',
    schema: {
      type: 'object',
      required: ['time', 'sha256', 'plan'],
      properties: {
        time: isoTime,
        sha256: { type: 'string' },
        loadedBy: { type: 'string' },
        plan: { type: 'object' },
      },
    },
  },
  [REGISTRATION_TOPIC]: {
    schemaName: 'neuroplan.RegistrationRecord',
    schema: {
      type: 'object',
      required: ['time', 'success'],
      properties: {
        time: isoTime,
        success: { type: 'boolean' },
        reason: { type: 'string' },
        by: { type: 'string' },
        patientToRobot: {
          type: 'array',
          items: { type: 'number' },
          minItems: 16,
          maxItems: 16,
          description: 'row-major 4x4, mm',
        },
        freMm: { type: 'number' },
        predictedTreMm: { type: 'number' },
        fiducialResidualsMm: { type: 'array', items: { type: 'number' } },
      },
    },
  },
};

export interface OperatorAction {
  time: string;
  operator: string;
  role: string;
  action: string;
  trajectoryId?: string;
  details?: Record<string, unknown>;
}

export interface SafetyEvent {
  time: string;
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  source?: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface PlanRecord {
  time: string;
  sha256: string;
  loadedBy?: string;
  plan: unknown;
}

export interface RegistrationRecord {
  time: string;
  success: boolean;
  reason?: string;
  by?: string;
  /** Row-major 4x4, mm. */
  patientToRobot?: number[];
  freMm?: number;
  predictedTreMm?: number;
  fiducialResidualsMm?: number[];
}

/** MCAP metadata record names. */
export const META_CASE = 'case';
export const META_ROBOT = 'robot_description';
export const META_AUDIT_HEAD = 'audit_head';

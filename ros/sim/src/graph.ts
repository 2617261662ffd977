/**
 * The in-process ROS graph: topics, services and actions between the simulated robot's nodes, the recorder and
 * the rosbridge server's clients. It plays the part DDS plays for a real rosbridge_server: the bridge maps each
 * WebSocket client's advertise/publish/subscribe/call_service/send_action_goal onto it, and the robot node
 * serves its topics, services and actions here without knowing about WebSockets.
 *
 * Messages are plain JSON-compatible objects in the rosbridge JSON mapping (int64 as number, `uint8[]` as
 * Uint8Array inside the process; the bridge encodes base64 for JSON clients). Delivery is synchronous and in
 * publication order; a subscriber that throws never stops the others (the error goes to `onError`).
 */

/** Who is on the other end: a bridge client (a browser, the CLI) or a node inside this process. */
export interface GraphPeer {
  /** Unique per connection (bridge) or per node (in-process). */
  readonly id: string;
  /** True when the peer is a rosbridge WebSocket client (allow-lists apply to those). */
  readonly viaBridge: boolean;
  /** Remote address for bridge clients, for logs and the audit trail. */
  readonly remoteAddress?: string;
}

export const INTERNAL_PEER: GraphPeer = Object.freeze({ id: 'internal', viaBridge: false });

/** action_msgs/msg/GoalStatus values (rosbridge's action_result carries them). */
export const GoalStatus = Object.freeze({
  UNKNOWN: 0,
  ACCEPTED: 1,
  EXECUTING: 2,
  CANCELING: 3,
  SUCCEEDED: 4,
  CANCELED: 5,
  ABORTED: 6,
} as const);
export type GoalStatusCode = (typeof GoalStatus)[keyof typeof GoalStatus];
export type TerminalGoalStatus =
  typeof GoalStatus.SUCCEEDED | typeof GoalStatus.CANCELED | typeof GoalStatus.ABORTED;

export type MessageCallback = (msg: unknown, publisher: GraphPeer) => void;

export interface TopicOptions {
  /** Latched (transient local, depth 1): late subscribers get the last message at once. */
  latched?: boolean;
}

export interface Publisher {
  readonly topic: string;
  readonly type: string;
  publish(msg: unknown): void;
  /** Stops publishing; the topic disappears when nobody publishes or subscribes any more. */
  close(): void;
}

export interface Subscription {
  readonly topic: string;
  close(): void;
}

/** Thrown for graph misuse (type conflicts, duplicate servers, unknown services/actions). */
export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

/** A service handler returns the response or throws: the caller then gets `result:false` with the message. */
export type ServiceHandler = (request: unknown, caller: GraphPeer) => unknown | Promise<unknown>;

/** One goal as the action server sees it. */
export interface ServerGoal {
  readonly goalId: string;
  readonly goal: unknown;
  readonly caller: GraphPeer;
  /** True once the client asked to cancel; the server decides when to finish with `canceled`. */
  readonly cancelRequested: boolean;
  publishFeedback(feedback: unknown): void;
  succeed(result: unknown): void;
  abort(result: unknown): void;
  canceled(result: unknown): void;
  /** Called at most once when a cancel request arrives. */
  onCancel(cb: () => void): void;
}

export interface ActionServerHandlers {
  /** Accept and run the goal (finish it later with succeed/abort/canceled), or finish it at once to reject. */
  onGoal(goal: ServerGoal): void;
}

export interface ClientGoalCallbacks {
  onFeedback?(feedback: unknown): void;
  onResult(status: TerminalGoalStatus, result: unknown): void;
}

export interface ClientGoal {
  readonly goalId: string;
  cancel(): void;
}

interface TopicState {
  type: string;
  latched: boolean;
  last?: { msg: unknown; publisher: GraphPeer };
  publishers: number;
  subscribers: Set<{ cb: MessageCallback }>;
}

interface ServiceState {
  type: string;
  handler: ServiceHandler;
  owner: GraphPeer;
}

interface ActionState {
  type: string;
  handlers: ActionServerHandlers;
  owner: GraphPeer;
}

let goalCounter = 0;

export class RosGraph {
  private readonly topicsByName = new Map<string, TopicState>();
  private readonly servicesByName = new Map<string, ServiceState>();
  private readonly actionsByName = new Map<string, ActionState>();

  /** Where exceptions thrown by subscriber callbacks go (never to the publisher). */
  onError: (error: unknown, where: string) => void = (error, where) =>
    console.error(`ros graph: ${where}: ${error instanceof Error ? error.message : String(error)}`);

  private topic(name: string, type: string | undefined): TopicState {
    validateName(name, 'topic');
    let t = this.topicsByName.get(name);
    if (!t) {
      if (type === undefined)
        throw new GraphError(`topic ${name}: no type given and nobody publishes it yet`);
      t = { type, latched: false, publishers: 0, subscribers: new Set() };
      this.topicsByName.set(name, t);
    } else if (type !== undefined && !sameType(type, t.type)) {
      throw new GraphError(`topic ${name} has type ${t.type}, not ${type}`);
    }
    return t;
  }

  private dropIfUnused(name: string): void {
    const t = this.topicsByName.get(name);
    if (t && t.publishers === 0 && t.subscribers.size === 0) this.topicsByName.delete(name);
  }

  advertise(
    topic: string,
    type: string,
    options: TopicOptions = {},
    peer: GraphPeer = INTERNAL_PEER,
  ): Publisher {
    const t = this.topic(topic, type);
    t.publishers += 1;
    if (options.latched) t.latched = true;
    let open = true;
    return {
      topic,
      type: t.type,
      publish: (msg: unknown) => {
        if (!open) throw new GraphError(`topic ${topic}: publisher closed`);
        if (t.latched) t.last = { msg, publisher: peer };
        for (const s of [...t.subscribers]) {
          try {
            s.cb(msg, peer);
          } catch (e) {
            this.onError(e, `subscriber of ${topic}`);
          }
        }
      },
      close: () => {
        if (!open) return;
        open = false;
        t.publishers -= 1;
        this.dropIfUnused(topic);
      },
    };
  }

  /** Subscribes; `type` may be omitted when the topic already exists (as rosbridge allows). */
  subscribe(topic: string, type: string | undefined, cb: MessageCallback): Subscription {
    const t = this.topic(topic, type);
    const entry = { cb };
    t.subscribers.add(entry);
    if (t.latched && t.last) {
      try {
        cb(t.last.msg, t.last.publisher);
      } catch (e) {
        this.onError(e, `subscriber of ${topic}`);
      }
    }
    let open = true;
    return {
      topic,
      close: () => {
        if (!open) return;
        open = false;
        t.subscribers.delete(entry);
        this.dropIfUnused(topic);
      },
    };
  }

  topicType(topic: string): string | undefined {
    return this.topicsByName.get(topic)?.type;
  }

  advertiseService(
    name: string,
    type: string,
    handler: ServiceHandler,
    owner: GraphPeer = INTERNAL_PEER,
  ): () => void {
    validateName(name, 'service');
    if (this.servicesByName.has(name)) throw new GraphError(`service ${name} is already served`);
    const state: ServiceState = { type, handler, owner };
    this.servicesByName.set(name, state);
    return () => {
      if (this.servicesByName.get(name) === state) this.servicesByName.delete(name);
    };
  }

  serviceType(name: string): string | undefined {
    return this.servicesByName.get(name)?.type;
  }

  /** Calls a service; rejects with the handler's error (or GraphError when nobody serves it). */
  async callService(name: string, request: unknown, caller: GraphPeer = INTERNAL_PEER): Promise<unknown> {
    const s = this.servicesByName.get(name);
    if (!s) throw new GraphError(`service ${name} does not exist`);
    return await s.handler(request, caller);
  }

  advertiseAction(
    name: string,
    type: string,
    handlers: ActionServerHandlers,
    owner: GraphPeer = INTERNAL_PEER,
  ): () => void {
    validateName(name, 'action');
    if (this.actionsByName.has(name)) throw new GraphError(`action ${name} is already served`);
    const state: ActionState = { type, handlers, owner };
    this.actionsByName.set(name, state);
    return () => {
      if (this.actionsByName.get(name) === state) this.actionsByName.delete(name);
    };
  }

  actionType(name: string): string | undefined {
    return this.actionsByName.get(name)?.type;
  }

  /**
   * Sends a goal. The result callback fires exactly once (a server that throws in onGoal aborts the goal with
   * the error message as `{ error }`). `goalId` may be given (rosbridge passes the client's id).
   */
  sendActionGoal(
    name: string,
    goal: unknown,
    callbacks: ClientGoalCallbacks,
    caller: GraphPeer = INTERNAL_PEER,
    goalId: string = `goal-${++goalCounter}`,
  ): ClientGoal {
    const a = this.actionsByName.get(name);
    if (!a) throw new GraphError(`action ${name} does not exist`);
    let finished = false;
    let cancelRequested = false;
    let cancelCb: (() => void) | undefined;
    const finish = (status: TerminalGoalStatus, result: unknown) => {
      if (finished) return;
      finished = true;
      try {
        callbacks.onResult(status, result);
      } catch (e) {
        this.onError(e, `result callback of ${name}`);
      }
    };
    const serverGoal: ServerGoal = {
      goalId,
      goal,
      caller,
      get cancelRequested() {
        return cancelRequested;
      },
      publishFeedback: (feedback) => {
        if (finished) return;
        try {
          callbacks.onFeedback?.(feedback);
        } catch (e) {
          this.onError(e, `feedback callback of ${name}`);
        }
      },
      succeed: (result) => finish(GoalStatus.SUCCEEDED, result),
      abort: (result) => finish(GoalStatus.ABORTED, result),
      canceled: (result) => finish(GoalStatus.CANCELED, result),
      onCancel: (cb) => {
        cancelCb = cb;
      },
    };
    try {
      a.handlers.onGoal(serverGoal);
    } catch (e) {
      finish(GoalStatus.ABORTED, { error: e instanceof Error ? e.message : String(e) });
    }
    return {
      goalId,
      cancel: () => {
        if (finished || cancelRequested) return;
        cancelRequested = true;
        try {
          cancelCb?.();
        } catch (e) {
          this.onError(e, `cancel handler of ${name}`);
        }
      },
    };
  }

  /** For introspection (rosapi-like listings). */
  topics(): Array<{ name: string; type: string }> {
    return [...this.topicsByName].map(([name, t]) => ({ name, type: t.type }));
  }
  services(): Array<{ name: string; type: string }> {
    return [...this.servicesByName].map(([name, s]) => ({ name, type: s.type }));
  }
  actions(): Array<{ name: string; type: string }> {
    return [...this.actionsByName].map(([name, a]) => ({ name, type: a.type }));
  }
}

/** ROS 2 names: absolute, segments of [A-Za-z0-9_], no empty segment, no trailing slash. */
export function validateName(name: string, what: 'topic' | 'service' | 'action'): void {
  if (typeof name !== 'string' || !/^(\/[A-Za-z_][A-Za-z0-9_]*)+$/.test(name))
    throw new GraphError(`${what} name ${JSON.stringify(name)} is not a valid absolute ROS name`);
}

/** `pkg/msg/Type` and `pkg/Type` name the same ROS 2 type (rosbridge accepts both). */
export function canonicalType(type: string): string {
  const parts = type.split('/');
  return parts.length === 2 ? `${parts[0]}/msg/${parts[1]}` : type;
}

function sameType(a: string, b: string): boolean {
  return canonicalType(a) === canonicalType(b);
}

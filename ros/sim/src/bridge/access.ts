/**
 * Access rules in front of the bridge, like rosbridge_server's `topics_glob` / `services_glob` / `actions_glob`
 * (Python `fnmatch` globs: `*` also matches `/`, `?` one character, `[...]` a set). A name must match an allow
 * glob and no deny glob; deny wins.
 */

export interface AccessGlobs {
  /** Subscribing, advertising and publishing topics. */
  topics: readonly string[];
  /** Calling and advertising services. */
  services: readonly string[];
  /** Sending goals to and advertising actions. */
  actions: readonly string[];
  /** Topics a bridge client may advertise/publish (checked in addition to `topics`). */
  publish: readonly string[];
}

export type AccessKind = keyof AccessGlobs;

export const ALLOW_ALL: AccessGlobs = Object.freeze({
  topics: ['*'],
  services: ['*'],
  actions: ['*'],
  publish: ['*'],
});

/**
 * Refused by default: the trajectory controller is internal (the robot node drives it after its own safety
 * checks), and the robot's state topics may only come from the robot (a client must not spoof them).
 */
export const DEFAULT_DENY: AccessGlobs = Object.freeze({
  topics: [],
  services: [],
  actions: ['/joint_trajectory_controller/follow_joint_trajectory'],
  publish: ['/joint_states', '/tf', '/tf_static', '/robot_description', '/diagnostics', '/robot/*', '/bci/*'],
});

/** Python `fnmatch.fnmatchcase` semantics as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      // As fnmatch.translate: a leading '!' negates, a ']' right after '[' or '[!' is a member.
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      const close = glob.indexOf(']', j);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let set = glob.slice(i + 1, close).replace(/[\\\]]/g, '\\$&');
      if (set.startsWith('!')) set = '^' + set.slice(1);
      else if (set.startsWith('^')) set = '\\' + set;
      re += `[${set}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export class AccessRules {
  private readonly allow: Record<AccessKind, RegExp[]>;
  private readonly deny: Record<AccessKind, RegExp[]>;

  constructor(allow: Partial<AccessGlobs> = {}, deny: Partial<AccessGlobs> = DEFAULT_DENY) {
    const compile = (globs: readonly string[]) => globs.map(globToRegExp);
    const kinds: AccessKind[] = ['topics', 'services', 'actions', 'publish'];
    this.allow = Object.fromEntries(kinds.map((k) => [k, compile(allow[k] ?? ALLOW_ALL[k])])) as Record<
      AccessKind,
      RegExp[]
    >;
    this.deny = Object.fromEntries(kinds.map((k) => [k, compile(deny[k] ?? [])])) as Record<
      AccessKind,
      RegExp[]
    >;
  }

  /** Undefined when allowed, else the reason in words. */
  check(kind: AccessKind, name: string): string | undefined {
    const what = { topics: 'topic', services: 'service', actions: 'action', publish: 'publishing on topic' }[
      kind
    ];
    if (this.deny[kind].some((r) => r.test(name)))
      return `${what} ${name} is refused by this bridge's access rules (internal use only)`;
    if (!this.allow[kind].some((r) => r.test(name)))
      return `${what} ${name} is not in this bridge's allow-list`;
    return undefined;
  }
}

/**
 * URDF reading: `parseUrdf` turns URDF XML into a validated model (still in URDF units: metres, radians),
 * `buildChain` extracts the serial chain from a base link to a tool link, folds fixed joints into their
 * neighbours and converts to the library's units (mm, rad) once. Browser-safe (no node: imports).
 *
 * Non-standard per-joint data (acceleration limit, encoder resolution) is read from
 * `<neuroplan:limits acceleration=".." encoder_resolution=".."/>` inside `<joint>`, where the prefix is
 * whatever the file binds to {@link NEUROPLAN_URDF_NS} on `<robot>` (URDF parsers ignore the element).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { composePose, identityPose, poseFromRpy } from './pose.ts';
import type { ChainJoint, JointType, KinematicChain, Pose, Vec3 } from './types.ts';

/** The XML namespace of our URDF extensions. */
export const NEUROPLAN_URDF_NS = 'urn:neuroplan:urdf-extensions:1';

export type UrdfJointType = JointType | 'floating' | 'planar';

/** A joint as the file has it, in URDF units (m, rad, m/s, rad/s, N, N·m). */
export interface UrdfJoint {
  name: string;
  type: UrdfJointType;
  parent: string;
  child: string;
  /** `<origin>`: xyz in metres, rpy in radians (fixed axes X, Y, Z); zeros where absent. */
  origin: { xyz: Vec3; rpy: Vec3 };
  /** `<axis xyz>` normalised to unit length; null where the element is absent. */
  axis: Vec3 | null;
  /** `<limit>`; null where absent. lower/upper default to 0 as in URDF. */
  limit: { lower: number; upper: number; velocity: number; effort: number } | null;
  /** The joint this one mimics (`<mimic joint>`), if any. */
  mimic: string | null;
  /** From `<neuroplan:limits>`: m/s² or rad/s², m or rad per encoder count. */
  extension: { acceleration?: number; encoderResolution?: number };
}

export interface UrdfModel {
  /** Where the text came from (file name), used in every error message. */
  source: string;
  name: string;
  links: string[];
  joints: UrdfJoint[];
  /** The one link that is no joint's child. */
  rootLink: string;
}

const JOINT_TYPES: readonly UrdfJointType[] = [
  'revolute',
  'continuous',
  'prismatic',
  'fixed',
  'floating',
  'planar',
];
const MAX_URDF_CHARS = 32 * 1024 * 1024;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Every element becomes an array, so a single <joint> and several look alike.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

const elements = (node: XmlNode, name: string): XmlNode[] => {
  const v = node[name];
  return Array.isArray(v) ? (v as XmlNode[]).map((e) => (typeof e === 'object' && e ? e : {})) : [];
};
const attr = (node: XmlNode, name: string): string | undefined => {
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
};

/** Parse URDF XML (`source` names the file in errors) and validate its structure. */
export function parseUrdf(xml: string, source: string): UrdfModel {
  const fail = (reason: string): never => {
    throw new Error(`${source}: ${reason}`);
  };
  if (typeof xml !== 'string') fail('URDF text is not a string');
  if (xml.length > MAX_URDF_CHARS) fail(`is ${xml.length} characters long, more than a URDF can be`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) fail(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (e) {
    return fail(`not readable XML (${e instanceof Error ? e.message : String(e)})`);
  }
  const robots = elements(doc, 'robot');
  if (robots.length !== 1) fail('the root element is not a single <robot>');
  const robot = robots[0]!;
  const name = attr(robot, 'name') ?? fail('<robot> has no name');

  // The prefix bound to our extension namespace, if the file declares it.
  let extPrefix: string | null = null;
  for (const [k, v] of Object.entries(robot))
    if (k.startsWith('@_xmlns:') && v === NEUROPLAN_URDF_NS) extPrefix = k.slice('@_xmlns:'.length);

  const numbers = (text: string | undefined, count: number, what: string, fallback: number[]) => {
    if (text === undefined) return fallback;
    const parts = text.trim().split(/\s+/);
    if (parts.length !== count || !parts.every((p) => NUMBER.test(p)))
      fail(`${what} '${text}' is not ${count} number${count > 1 ? 's' : ''}`);
    const v = parts.map(Number);
    if (!v.every(Number.isFinite)) fail(`${what} '${text}' is not finite`);
    return v;
  };
  const number = (node: XmlNode, key: string, what: string, fallback?: number): number => {
    const text = attr(node, key);
    if (text === undefined) {
      if (fallback === undefined) fail(`${what} has no ${key}`);
      return fallback!;
    }
    return numbers(text, 1, `${what} ${key}`, [])[0]!;
  };

  const links: string[] = [];
  const linkSet = new Set<string>();
  for (const l of elements(robot, 'link')) {
    const ln = attr(l, 'name');
    if (!ln) fail('a <link> has no name');
    if (linkSet.has(ln!)) fail(`link '${ln}' is defined twice`);
    linkSet.add(ln!);
    links.push(ln!);
  }
  if (links.length === 0) fail('has no <link>');

  const joints: UrdfJoint[] = [];
  const jointNames = new Set<string>();
  const parentJointOf = new Map<string, UrdfJoint>();
  for (const j of elements(robot, 'joint')) {
    const jn = attr(j, 'name') ?? fail('a <joint> has no name');
    const what = `joint '${jn}'`;
    if (jointNames.has(jn)) fail(`${what} is defined twice`);
    jointNames.add(jn);
    const type = attr(j, 'type') as UrdfJointType | undefined;
    if (type === undefined) fail(`${what} has no type`);
    if (!JOINT_TYPES.includes(type!)) fail(`${what} has unknown type '${type}'`);
    const linkRef = (tag: 'parent' | 'child'): string => {
      const els = elements(j, tag);
      if (els.length !== 1) fail(`${what} needs exactly one <${tag}>`);
      const ln = attr(els[0]!, 'link') ?? fail(`${what} <${tag}> has no link`);
      if (!linkSet.has(ln)) fail(`${what} names unknown ${tag} link '${ln}'`);
      return ln;
    };
    const parent = linkRef('parent');
    const child = linkRef('child');
    if (parent === child) fail(`${what} connects link '${parent}' to itself`);

    const origins = elements(j, 'origin');
    if (origins.length > 1) fail(`${what} has several <origin>`);
    const o = origins[0] ?? {};
    const xyz = numbers(attr(o, 'xyz'), 3, `${what} origin xyz`, [0, 0, 0]) as Vec3;
    const rpy = numbers(attr(o, 'rpy'), 3, `${what} origin rpy`, [0, 0, 0]) as Vec3;

    const moving = type === 'revolute' || type === 'continuous' || type === 'prismatic';
    let axis: Vec3 | null = null;
    const axes = elements(j, 'axis');
    if (axes.length > 1) fail(`${what} has several <axis>`);
    if (axes.length === 1) {
      const a = numbers(attr(axes[0]!, 'xyz'), 3, `${what} axis xyz`, [1, 0, 0]);
      const len = Math.hypot(a[0]!, a[1]!, a[2]!);
      if (!(len > 1e-9)) fail(`${what} has a zero axis`);
      axis = [a[0]! / len, a[1]! / len, a[2]! / len];
    } else if (moving || type === 'planar') {
      // URDF would default to x; we insist, since a forgotten axis is a silent geometry error.
      fail(`${what} has no axis`);
    }

    let limit: UrdfJoint['limit'] = null;
    const limits = elements(j, 'limit');
    if (limits.length > 1) fail(`${what} has several <limit>`);
    if (limits.length === 1) {
      const l = limits[0]!;
      const lw = `${what} <limit>`;
      limit = {
        lower: number(l, 'lower', lw, 0),
        upper: number(l, 'upper', lw, 0),
        velocity: number(l, 'velocity', lw),
        effort: number(l, 'effort', lw),
      };
      if (limit.velocity <= 0) fail(`${lw} velocity must be positive`);
      if (limit.effort < 0) fail(`${lw} effort must not be negative`);
      if (type !== 'continuous' && limit.lower > limit.upper)
        fail(`${lw} lower ${limit.lower} is above upper ${limit.upper}`);
    } else if (type === 'revolute' || type === 'prismatic') fail(`${what} has no <limit>`);

    const mimics = elements(j, 'mimic');
    const mimic = mimics.length ? (attr(mimics[0]!, 'joint') ?? fail(`${what} <mimic> has no joint`)) : null;

    const extension: UrdfJoint['extension'] = {};
    if (extPrefix !== null) {
      const exts = elements(j, `${extPrefix}:limits`);
      if (exts.length > 1) fail(`${what} has several <${extPrefix}:limits>`);
      if (exts.length === 1) {
        const e = exts[0]!;
        const ew = `${what} <${extPrefix}:limits>`;
        if (attr(e, 'acceleration') !== undefined) {
          extension.acceleration = number(e, 'acceleration', ew);
          if (extension.acceleration <= 0) fail(`${ew} acceleration must be positive`);
        }
        if (attr(e, 'encoder_resolution') !== undefined) {
          extension.encoderResolution = number(e, 'encoder_resolution', ew);
          if (extension.encoderResolution <= 0) fail(`${ew} encoder_resolution must be positive`);
        }
      }
    }

    const joint: UrdfJoint = {
      name: jn,
      type: type!,
      parent,
      child,
      origin: { xyz, rpy },
      axis,
      limit,
      mimic,
      extension,
    };
    const other = parentJointOf.get(child);
    if (other) fail(`link '${child}' is the child of several joints ('${other.name}', '${jn}')`);
    parentJointOf.set(child, joint);
    joints.push(joint);
  }
  for (const j of joints)
    if (j.mimic !== null && !jointNames.has(j.mimic))
      fail(`joint '${j.name}' mimics unknown joint '${j.mimic}'`);

  const roots = links.filter((l) => !parentJointOf.has(l));
  if (roots.length > 1) fail(`has several root links (${roots.map((r) => `'${r}'`).join(', ')})`);
  // Every link has at most one parent, so a link that does not reach the root by walking up is on a cycle.
  const reachesRoot = new Set<string>(roots);
  for (const start of links) {
    const path: string[] = [];
    let l = start;
    while (!reachesRoot.has(l)) {
      if (path.includes(l))
        fail(`the joints form a cycle through links ${path.map((p) => `'${p}'`).join(', ')}`);
      path.push(l);
      l = parentJointOf.get(l)!.parent;
    }
    for (const p of path) reachesRoot.add(p);
  }
  return { source, name, links, joints, rootLink: roots[0]! };
}

/** Rotation/translation of a URDF origin, converted to mm. */
function originPose(j: UrdfJoint): Pose {
  const { xyz, rpy } = j.origin;
  return poseFromRpy([xyz[0] * 1000, xyz[1] * 1000, xyz[2] * 1000], rpy);
}

/**
 * The serial chain from `baseLink` to `toolLink`: moving joints in order, fixed joints folded into the next
 * joint's origin (or into `toolFromLastJoint` after the last one). Prismatic values become mm.
 * Every moving joint must carry an acceleration limit and an encoder resolution (`<neuroplan:limits>`).
 */
export function buildChain(
  model: UrdfModel,
  baseLink = 'base_link',
  toolLink = 'needle_tip',
): KinematicChain {
  const fail = (reason: string): never => {
    throw new Error(`${model.source}: ${reason}`);
  };
  for (const l of [baseLink, toolLink]) if (!model.links.includes(l)) fail(`has no link '${l}'`);
  const parentJointOf = new Map(model.joints.map((j) => [j.child, j]));
  const path: UrdfJoint[] = [];
  for (let l = toolLink; l !== baseLink;) {
    const j = parentJointOf.get(l);
    if (!j) fail(`link '${toolLink}' is not below link '${baseLink}'`);
    path.push(j!);
    l = j!.parent;
  }
  path.reverse();

  const joints: ChainJoint[] = [];
  let pending = identityPose();
  for (const j of path) {
    const origin = originPose(j);
    if (j.type === 'fixed') {
      pending = composePose(pending, origin);
      continue;
    }
    if (j.type === 'floating' || j.type === 'planar')
      fail(`joint '${j.name}' is ${j.type}, which a serial chain cannot hold`);
    if (j.mimic !== null) fail(`joint '${j.name}' mimics '${j.mimic}', which the chain does not support`);
    const type = j.type as ChainJoint['type'];
    const { acceleration, encoderResolution } = j.extension;
    if (acceleration === undefined)
      fail(`joint '${j.name}' has no acceleration limit (<neuroplan:limits acceleration>)`);
    if (encoderResolution === undefined)
      fail(`joint '${j.name}' has no encoder resolution (<neuroplan:limits encoder_resolution>)`);
    const scale = type === 'prismatic' ? 1000 : 1;
    const lim = j.limit;
    const continuous = type === 'continuous';
    joints.push({
      name: j.name,
      type,
      originFromParent: composePose(pending, origin),
      axis: [...j.axis!],
      limits: {
        lower: continuous ? -Infinity : lim!.lower * scale,
        upper: continuous ? Infinity : lim!.upper * scale,
        velocity: lim ? lim.velocity * scale : Infinity,
        acceleration: acceleration! * scale,
        effort: lim ? lim.effort : Infinity,
      },
      encoderResolution: encoderResolution! * scale,
    });
    pending = identityPose();
  }
  if (joints.length === 0) fail(`no moving joint between '${baseLink}' and '${toolLink}'`);
  return { baseLink, toolLink, joints, toolFromLastJoint: pending };
}

/**
 * `neuroplan robot <subcommand>`: our insertion robot (ros/description/urdf/neuroplan_robot.urdf).
 * Joint values on the command line are in URDF units and order (base_link → needle_tip): radians for
 * revolute joints, metres for the prismatic insertion axis. Poses are printed in the robot (base_link)
 * frame in mm, quaternions x, y, z, w with w ≥ 0.
 *
 * Subcommands are added to the group by functions below (`robotFk`, …) so that each stays separate.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  forwardKinematics,
  quaternionFromRotation,
  type KinematicChain,
  type Vec3,
  type QuaternionXyzw,
} from '@neuroplan/kinematics';
import { loadRobotChain } from '@neuroplan/kinematics/node';
import { ikTargetFromQuaternion, solveIk } from '@neuroplan/kinematics';

export interface RobotFkJson {
  toolPoseRobot: { positionMm: Vec3; quaternionXyzw: QuaternionXyzw };
}

/** A finite number (commander parser for one argument; `what` names it in the error). */
export const finiteNumber = (what: string) => (s: string) => {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v))
    throw new InvalidArgumentError(`${what} '${s}' is not a finite number`);
  return v;
};

/**
 * Runs a subcommand's body; an InvalidArgumentError thrown inside (bad values found only once the robot is
 * loaded) is printed like commander's own argument errors and exits 2.
 */
export function reportUsageErrors(cmd: Command, body: () => void): void {
  try {
    body();
  } catch (e) {
    if (e instanceof InvalidArgumentError) cmd.error(`error: ${e.message}`, { exitCode: 2, code: e.code });
    throw e;
  }
}

const unitOf = (chain: KinematicChain, i: number) => (chain.joints[i]!.type === 'prismatic' ? 'm' : 'rad');

/**
 * Joint values from URDF units (rad, m) to the library's (rad, mm), checked against count and limits;
 * throws InvalidArgumentError (exit 2) with a reason otherwise.
 */
export function jointsFromCli(chain: KinematicChain, values: string[]): number[] {
  const n = chain.joints.length;
  const names = chain.joints.map((j, i) => `${j.name} [${unitOf(chain, i)}]`).join(' ');
  if (values.length !== n)
    throw new InvalidArgumentError(`expected ${n} joint values (${names}), got ${values.length}`);
  return values.map((s, i) => {
    const j = chain.joints[i]!;
    const v = finiteNumber(`joint '${j.name}' value`)(s);
    const scale = j.type === 'prismatic' ? 1000 : 1;
    const q = v * scale;
    if (q < j.limits.lower || q > j.limits.upper)
      throw new InvalidArgumentError(
        `joint '${j.name}' value ${v} ${unitOf(chain, i)} is outside its limits [${j.limits.lower / scale}, ${j.limits.upper / scale}]`,
      );
    return q;
  });
}

function robotFk(group: Command, setExit: (code: number) => void): void {
  group
    .command('fk')
    .description(
      'forward kinematics: the needle_tip pose in the base_link frame for joint values (rad; m for insertion)',
    )
    .argument('<q...>', 'joint values in URDF order, base_link → needle_tip (negative values need no --)')
    .option('--json', 'print exactly one JSON object on stdout')
    .action((values: string[], opts: { json?: boolean }, cmd: Command) =>
      reportUsageErrors(cmd, () => {
        const chain = loadRobotChain();
        const q = jointsFromCli(chain, values);
        const pose = forwardKinematics(chain, q);
        const json: RobotFkJson = {
          toolPoseRobot: {
            positionMm: pose.positionMm,
            quaternionXyzw: quaternionFromRotation(pose.rotation),
          },
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
        else {
          const p = json.toolPoseRobot;
          process.stdout.write(
            `needle_tip in base_link: position ${p.positionMm.map((v) => v.toFixed(6)).join(', ')} mm; ` +
              `quaternion (x, y, z, w) ${p.quaternionXyzw.map((v) => v.toFixed(12)).join(', ')}\n`,
          );
        }
        setExit(0);
      }),
    );
}

export function robotCommand(program: Command, setExit: (code: number) => void): void {
  const group = program
    .command('robot')
    .description('the insertion robot: kinematics of ros/description/urdf/neuroplan_robot.urdf');
  robotFk(group, setExit);
  robotIk(group, setExit);
}

export type RobotIkJson =
  | { ok: true; joints: number[]; positionErrorUm: number; orientationErrorUrad: number }
  | { ok: false; reason: string };

/**
 * `robot ik <xMm> <yMm> <zMm> <qx> <qy> <qz> <qw> [--seed q...]`: joints (URDF units) putting needle_tip at that
 * pose in base_link. Exit 0 with ok:true; exit 1 with {"ok":false,"reason"} on stdout when no configuration
 * within limits reaches the pose; exit 2 for unusable input (not a number, quaternion not normalised, bad seed).
 */
function robotIk(group: Command, setExit: (code: number) => void): void {
  group
    .command('ik')
    .description(
      'inverse kinematics: joint values (rad; m for insertion) putting needle_tip at a pose in base_link',
    )
    .argument(
      '<pose...>',
      'xMm yMm zMm qx qy qz qw: needle_tip position (mm) and unit quaternion in base_link',
    )
    .option('--seed <q...>', 'start configuration in URDF order and units (default: mid-range)')
    .option('--json', 'print exactly one JSON object on stdout')
    .action((values: string[], opts: { json?: boolean; seed?: string[] }, cmd: Command) =>
      reportUsageErrors(cmd, () => {
        if (values.length !== 7)
          throw new InvalidArgumentError(`expected 7 values (xMm yMm zMm qx qy qz qw), got ${values.length}`);
        const names = ['x', 'y', 'z', 'qx', 'qy', 'qz', 'qw'];
        const v = values.map((s, i) => finiteNumber(names[i]!)(s));
        const target = ikTargetFromQuaternion(v.slice(0, 3), v.slice(3));
        if (!target.ok) throw new InvalidArgumentError(target.reason);
        const chain = loadRobotChain();
        const seed = opts.seed ? jointsFromCli(chain, opts.seed) : undefined;
        const r = solveIk(chain, target.pose, seed ? { seed } : {});
        const json: RobotIkJson = r.ok
          ? {
              ok: true,
              joints: Array.from(r.joints, (q: number, i: number) =>
                chain.joints[i]!.type === 'prismatic' ? q / 1000 : q,
              ),
              positionErrorUm: r.positionErrorMm * 1000,
              orientationErrorUrad: r.orientationErrorRad * 1e6,
            }
          : { ok: false, reason: r.reason };
        if (opts.json) process.stdout.write(`${JSON.stringify(json)}\n`);
        else if (json.ok)
          process.stdout.write(
            `joints (${chain.joints.map((j, i) => `${j.name} [${unitOf(chain, i)}]`).join(', ')}): ` +
              `${json.joints.map((q) => q.toFixed(12)).join(' ')}\n` +
              `error: position ${json.positionErrorUm.toExponential(2)} µm, orientation ${json.orientationErrorUrad.toExponential(2)} µrad\n`,
          );
        else process.stdout.write(`no solution: ${json.reason}\n`);
        setExit(json.ok ? 0 : 1);
      }),
    );
}

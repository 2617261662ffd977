/**
 * `neuroplan plan <case-folder> --target x,y,z [--target ...] [--electrode ID] [--count N] [--json] [--out plan.json]`
 *
 * Builds the planning scene from the case's images (CT, T1, TOF angiography: segmentation, registration,
 * distance maps), then searches entries automatically. One target: the best N alternatives, ranked. Several
 * targets: one electrode each, planned jointly so every pair keeps the inter-electrode distance.
 * Coordinates are LPS mm in the CT's frame. `minVesselDistanceMm` is the conservative clearance from the
 * electrode's surface to the nearest vessel wall. `score` is the risk score (0 safest, 1 worst).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  ElectrodeCatalog,
  NEUROPLAN_SOFTWARE,
  approvePlan,
  createPlan,
  parseElectrodeCatalog,
  planElectrodeSet,
  planEvaluationFromAssessment,
  resolveConstraints,
  searchEntries,
  serializePlan,
  type DeepPartial,
  type PlanningConstraints,
  type RankedTrajectory,
  type Vec3,
} from '@neuroplan/planning';
import { loadPlanningCase } from '@neuroplan/planning/node';

export interface PlanJson {
  trajectories: {
    id: string;
    electrode: string;
    entryLps: Vec3;
    targetLps: Vec3;
    lengthMm: number;
    minVesselDistanceMm: number;
    score: number;
    entryAngleDeg: number | null;
    violations: { code: string; message: string }[];
    explanation: string;
  }[];
  explanation: string[];
  warnings: string[];
  plan?: string;
}

const point = (s: string, previous: Vec3[] = []): Vec3[] => {
  const parts = s.split(',').map((x) => Number(x.trim()));
  if (parts.length !== 3 || !parts.every(Number.isFinite))
    throw new InvalidArgumentError(`--target must be three numbers x,y,z in LPS mm, got '${s}'`);
  return [...previous, parts as Vec3];
};
const number =
  (name: string, min: number, max: number, integer = false) =>
  (s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(
        `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
      );
    return n;
  };

function toJson(r: RankedTrajectory): PlanJson['trajectories'][number] {
  const a = r.assessment;
  return {
    id: a.trajectory.id,
    electrode: a.trajectory.electrodeId,
    entryLps: a.trajectory.entryLps,
    targetLps: a.trajectory.targetLps,
    lengthMm: a.geometry.lengthMm,
    minVesselDistanceMm: a.risk.vessel.clearanceMm,
    score: a.risk.score,
    entryAngleDeg: a.entryAngleDeg ?? null,
    violations: a.violations.map((v) => ({ code: v.code, message: v.message })),
    explanation: r.explanation,
  };
}

interface PlanOptions {
  target: Vec3[];
  targetRadius: number;
  electrode: string;
  count: number;
  candidates: number;
  catalog?: string;
  margin?: number;
  targetingError?: number;
  maxAngle?: number;
  maxLength?: number;
  spacing: number;
  seed: number;
  json?: boolean;
  out?: string;
  approveBy?: string;
}

export function planCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('plan')
    .description('plan electrode trajectories for targets in a case folder (CT, T1 MR, TOF angiography)')
    .argument('<case-folder>', 'folder with the case images (DICOM series and/or NIfTI)')
    .requiredOption(
      '--target <x,y,z>',
      'target in LPS mm (repeat for several electrodes, planned jointly)',
      point,
    )
    .option(
      '--target-radius <mm>',
      'plan to a spherical target region of this radius',
      number('target-radius', 0, 50),
      0,
    )
    .option('--electrode <id>', 'electrode model from the catalog', 'seeg-10')
    .option(
      '--count <n>',
      'ranked alternatives for a single target (several targets: one trajectory each)',
      number('count', 1, 50, true),
      3,
    )
    .option(
      '--candidates <n>',
      'entry candidates per target',
      number('candidates', 100, 1_000_000, true),
      12_000,
    )
    .option('--catalog <file.json>', 'extra electrode models (JSON)')
    .option('--margin <mm>', 'minimum electrode-to-vessel clearance', number('margin', 0, 20))
    .option(
      '--targeting-error <mm>',
      'predicted targeting error added to every margin',
      number('targeting-error', 0, 10),
    )
    .option('--max-angle <deg>', 'largest angle to the skull normal at entry', number('max-angle', 1, 90))
    .option('--max-length <mm>', 'longest trajectory', number('max-length', 5, 300))
    .option('--spacing <mm>', 'planning map grid spacing', number('spacing', 0.25, 4), 1)
    .option('--seed <n>', 'random seed of the candidate sampling', number('seed', 0, 2 ** 32 - 1, true), 1)
    .option('--out <plan.json>', 'write the plan file (best trajectory per target)')
    .option('--approve-by <name>', 'approve the written plan in this name')
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (caseDir: string, opts: PlanOptions) => {
      const catalog = opts.catalog
        ? parseElectrodeCatalog(JSON.parse(readFileSync(opts.catalog, 'utf8')) as unknown, opts.catalog)
        : new ElectrodeCatalog();
      if (!catalog.has(opts.electrode)) {
        process.stderr.write(
          `neuroplan plan: unknown electrode '${opts.electrode}'; the catalog has ${catalog
            .list()
            .map((m) => m.id)
            .join(', ')}\n`,
        );
        setExit(2);
        return;
      }
      const electrode = catalog.get(opts.electrode);
      const partial: DeepPartial<PlanningConstraints> = {
        ...(opts.margin !== undefined && { minVesselClearanceMm: opts.margin }),
        ...(opts.targetingError !== undefined && { targetingErrorMm: opts.targetingError }),
        ...(opts.maxAngle !== undefined && { maxEntryAngleDeg: opts.maxAngle }),
        ...(opts.maxLength !== undefined && { maxLengthMm: opts.maxLength }),
      };
      const constraints = resolveConstraints(partial);
      const { scene } = await loadPlanningCase(caseDir, { spacingMm: opts.spacing });

      let results: RankedTrajectory[];
      let explanation: string[];
      if (opts.target.length === 1) {
        const search = searchEntries(scene, {
          targetLps: opts.target[0]!,
          targetRadiusMm: opts.targetRadius,
          electrode,
          constraints,
          candidateCount: opts.candidates,
          best: opts.count,
          seed: opts.seed,
        });
        results = search.best;
        explanation = search.explanation;
      } else {
        const set = planElectrodeSet(
          scene,
          opts.target.map((t, n) => ({
            id: `E${n + 1}`,
            electrode,
            targetLps: t,
            targetRadiusMm: opts.targetRadius,
          })),
          constraints,
          { candidateCount: opts.candidates, seed: opts.seed },
        );
        results = set.chosen.filter((c): c is RankedTrajectory => c !== undefined);
        explanation = [...set.explanation, ...set.violations.map((v) => v.message)];
      }
      const json: PlanJson = {
        trajectories: results.map(toJson),
        explanation,
        warnings: scene.warnings,
      };
      if (opts.out && results.length > 0) {
        const chosen = opts.target.length === 1 ? results.slice(0, 1) : results;
        let plan = createPlan({
          caseRef: scene.caseRef,
          electrodes: [electrode],
          trajectories: chosen.map((r) => r.assessment.trajectory),
          evaluations: chosen.map((r) => planEvaluationFromAssessment(r.assessment)),
          constraints,
          software: NEUROPLAN_SOFTWARE,
        });
        if (opts.approveBy) plan = approvePlan(plan, opts.approveBy);
        writeFileSync(opts.out, serializePlan(plan));
        json.plan = opts.out;
      }
      if (opts.json) process.stdout.write(JSON.stringify(json) + '\n');
      else {
        for (const t of json.trajectories)
          process.stdout.write(
            `${t.id} ${t.electrode}: entry ${t.entryLps.map((x) => x.toFixed(1)).join(',')} → target ${t.targetLps.map((x) => x.toFixed(1)).join(',')}; ${t.explanation}\n`,
          );
        for (const line of explanation) process.stdout.write(`  ${line}\n`);
        for (const w of scene.warnings) process.stderr.write(`warning: ${w}\n`);
        if (json.plan) process.stdout.write(`plan written to ${json.plan}\n`);
      }
      if (results.length === 0) setExit(1);
    });
}

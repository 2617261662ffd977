/**
 * `neuroplan register <fixed> <moving> [--json]`: rigid registration by Mattes mutual information.
 * Each argument is a file or folder that must give one volume (or pick one with --fixed-index /
 * --moving-index, 0-based in load order). `movingToFixedLps` (16 numbers, row-major) maps a point of
 * the moving image's LPS space to the same anatomy in the fixed image's LPS space.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { registerRigid, type RigidInitialization, type Volume } from '@neuroplan/imaging';
import { loadPaths } from '@neuroplan/imaging/node';

export interface RegisterJson {
  movingToFixedLps: number[];
  /** −MI (Mattes) at the result; lower is better. */
  metric: number;
  iterations: number;
  seconds: number;
  initialMetric: number;
  initialization: string;
  levels: { targetSpacingMm: number; iterations: number; metric: number }[];
  fixed: { path: string; id: string; dimensions: number[] };
  moving: { path: string; id: string; dimensions: number[] };
}

const integer = (name: string, min: number, max: number) => (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};

const INITIALIZATIONS: RigidInitialization[] = ['centers-of-mass', 'principal-axes', 'identity'];
const initialization = (s: string): RigidInitialization => {
  if (!(INITIALIZATIONS as string[]).includes(s))
    throw new InvalidArgumentError(`--init must be one of ${INITIALIZATIONS.join(', ')}`);
  return s as RigidInitialization;
};

/** The one volume `path` gives (or volume `index`); an Error that names the path otherwise. */
async function loadOne(path: string, index: number | undefined, flag: string): Promise<Volume> {
  const { volumes, errors } = await loadPaths([path]);
  if (volumes.length === 0) {
    const why = errors.length ? ` (${errors[0]!.file}: ${errors[0]!.reason})` : '';
    throw new Error(`${path}: no volume could be loaded${why}`);
  }
  if (index !== undefined) {
    const v = volumes[index];
    if (!v) throw new Error(`${path}: ${flag} ${index} is out of range (${volumes.length} volume(s))`);
    return v;
  }
  if (volumes.length > 1)
    throw new Error(
      `${path}: gives ${volumes.length} volumes (${volumes.map((v, n) => `${n}: ${v.modality} ${v.dimensions.join('×')} ${v.metadata.seriesDescription ?? v.id}`).join('; ')}); choose one with ${flag}`,
    );
  return volumes[0]!;
}

export function registerCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('register')
    .description(
      'rigidly register a moving volume to a fixed one (Mattes mutual information, multi-resolution)',
    )
    .argument('<fixed>', 'file or folder giving the fixed volume (e.g. the CT)')
    .argument('<moving>', 'file or folder giving the moving volume (e.g. the T1 MR)')
    .option('--json', 'print exactly one JSON object on stdout')
    .option(
      '--fixed-index <n>',
      'which volume of <fixed> to use when it gives several',
      integer('fixed-index', 0, 1e6),
    )
    .option(
      '--moving-index <n>',
      'which volume of <moving> to use when it gives several',
      integer('moving-index', 0, 1e6),
    )
    .option(
      '--init <how>',
      `initialisation: ${INITIALIZATIONS.join(', ')}`,
      initialization,
      'centers-of-mass',
    )
    .option('--levels <n>', 'pyramid levels', integer('levels', 1, 6), 4)
    .option('--bins <n>', 'histogram bins', integer('bins', 8, 512), 32)
    .option('--samples <n>', 'fixed-image samples per level', integer('samples', 500, 5_000_000), 20000)
    .action(
      async (
        fixedPath: string,
        movingPath: string,
        opts: {
          json?: boolean;
          fixedIndex?: number;
          movingIndex?: number;
          init: RigidInitialization;
          levels: number;
          bins: number;
          samples: number;
        },
      ) => {
        const fixed = await loadOne(fixedPath, opts.fixedIndex, '--fixed-index');
        const moving = await loadOne(movingPath, opts.movingIndex, '--moving-index');
        const r = registerRigid(fixed, moving, {
          initialization: opts.init,
          levels: opts.levels,
          bins: opts.bins,
          samples: opts.samples,
        });
        const json: RegisterJson = {
          movingToFixedLps: Array.from(r.movingToFixedLps),
          metric: r.metric,
          iterations: r.iterations,
          seconds: r.seconds,
          initialMetric: r.initialMetric,
          initialization: r.initialization,
          levels: r.levels.map((l) => ({
            targetSpacingMm: l.targetSpacingMm,
            iterations: l.iterations,
            metric: l.metric,
          })),
          fixed: { path: fixedPath, id: fixed.id, dimensions: [...fixed.dimensions] },
          moving: { path: movingPath, id: moving.id, dimensions: [...moving.dimensions] },
        };
        if (opts.json) process.stdout.write(JSON.stringify(json) + '\n');
        else {
          const m = json.movingToFixedLps;
          const row = (r0: number) =>
            m
              .slice(r0 * 4, r0 * 4 + 4)
              .map((x) => x.toFixed(6).padStart(12))
              .join(' ');
          process.stdout.write(
            [
              `fixed   ${fixed.modality} ${fixed.dimensions.join(' × ')}  (${fixedPath})`,
              `moving  ${moving.modality} ${moving.dimensions.join(' × ')}  (${movingPath})`,
              'moving → fixed (LPS, row-major):',
              ...[0, 1, 2, 3].map((n) => '  ' + row(n)),
              `metric −MI ${r.metric.toFixed(4)} (start ${r.initialMetric.toFixed(4)}), ${r.iterations} iterations, ${r.seconds.toFixed(2)} s`,
            ].join('\n') + '\n',
          );
        }
        setExit(0);
      },
    );
}

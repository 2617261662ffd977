/** `neuroplan phantom --out DIR [--size N] [--seed S]`: writes the synthetic head phantom case. */
import { InvalidArgumentError, type Command } from 'commander';
import { writePhantomCase } from '@neuroplan/imaging/node';
import { progressReporter } from '../progress.ts';

const integer = (name: string, min: number, max: number) => (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};

export function phantomCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('phantom')
    .description('write the synthetic head phantom (CT, T1 MR, angiography as DICOM, plus ground-truth.json)')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--size <n>', 'in-plane matrix of the CT (e.g. 128, 256, 512)', integer('size', 16, 2048), 128)
    .option('--slices <n>', 'CT slice count (default: size × 400/512)', integer('slices', 4, 4096))
    .option('--seed <s>', 'random seed', integer('seed', 0, 2 ** 31 - 1), 1)
    .option('--json', 'print a JSON summary')
    .action(async (opts: { out: string; size: number; slices?: number; seed: number; json?: boolean }) => {
      const progress = progressReporter('phantom');
      const result = await writePhantomCase(opts.out, {
        size: opts.size,
        slices: opts.slices,
        seed: opts.seed,
        onProgress: progress ? (done, total) => progress({ phase: 'writing', done, total }) : undefined,
      });
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(`wrote ${result.files} files to ${opts.out}\n`);
        for (const s of result.series)
          process.stdout.write(`  ${s.name}: ${s.dimensions.join(' × ')} in ${s.dir}\n`);
        process.stdout.write(`  ground truth: ${result.groundTruthPath}\n`);
      }
      setExit(0);
    });
}

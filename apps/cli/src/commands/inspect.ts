/** `neuroplan inspect <file-or-folder>... [--json]`: what volumes these files make, and what could not be read. */
import { InvalidArgumentError, type Command } from 'commander';
import { volumeStats, type Volume } from '@neuroplan/imaging';
import { loadPaths, type LoadResult } from '@neuroplan/imaging/node';
import { progressReporter } from '../progress.ts';

export interface InspectVolumeJson {
  id: string;
  modality: string;
  seriesInstanceUid: string | null;
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: [number, number, number];
  directionLps: number[];
  min: number;
  max: number;
  mean: number;
  warnings: string[];
  sourceFiles: number;
}

/** What the table shows beyond the JSON contract. */
interface VolumeRow extends InspectVolumeJson {
  description: string;
}

export interface InspectJson {
  volumes: InspectVolumeJson[];
  errors: { file: string; reason: string }[];
}

export function volumeJson(v: Volume): InspectVolumeJson {
  const { min, max, mean } = volumeStats(v);
  return {
    id: v.id,
    modality: v.modality,
    seriesInstanceUid: v.metadata.seriesInstanceUid ?? null,
    dimensions: [...v.dimensions],
    spacingMm: [...v.spacingMm],
    originLps: [...v.originLps],
    directionLps: Array.from(v.directionLps),
    min,
    max,
    mean,
    warnings: [...v.warnings],
    sourceFiles: v.metadata.sourceFileCount ?? 1,
  };
}

export function inspectJson(result: LoadResult): InspectJson {
  return { volumes: result.volumes.map(volumeJson), errors: result.errors };
}

const fmt = (x: number, digits = 3) => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const triple = (t: readonly number[], digits = 3) => t.map((x) => fmt(x, digits)).join(' × ');

function printTable(report: { volumes: VolumeRow[]; errors: InspectJson['errors'] }): void {
  const out: string[] = [];
  out.push(`${report.volumes.length} volume(s), ${report.errors.length} error(s)`);
  report.volumes.forEach((v, n) => {
    out.push('');
    out.push(`[${n + 1}] ${v.modality}  ${v.description}`);
    out.push(`    id          ${v.id}`);
    out.push(`    voxels      ${v.dimensions.join(' × ')}  from ${v.sourceFiles} file(s)`);
    out.push(`    spacing     ${triple(v.spacingMm, 4)} mm`);
    out.push(`    origin      (${v.originLps.map((x) => fmt(x)).join(', ')}) mm (LPS)`);
    const d = v.directionLps;
    out.push(
      `    axes (LPS)  i [${[d[0], d[3], d[6]].map((x) => fmt(x!, 4)).join(' ')}]  j [${[d[1], d[4], d[7]].map((x) => fmt(x!, 4)).join(' ')}]  k [${[d[2], d[5], d[8]].map((x) => fmt(x!, 4)).join(' ')}]`,
    );
    out.push(`    values      min ${fmt(v.min)}  max ${fmt(v.max)}  mean ${fmt(v.mean)}`);
    for (const w of v.warnings) out.push(`    warning     ${w}`);
  });
  if (report.errors.length) {
    out.push('');
    out.push('Could not read:');
    for (const e of report.errors) out.push(`    ${e.file}: ${e.reason}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

const count = (name: string, min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};

export function inspectCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('inspect')
    .description('load DICOM files/folders and NIfTI files and describe the volumes they make')
    .argument('<paths...>', 'files or folders (folders are searched recursively)')
    .option('--json', 'print exactly one JSON object on stdout')
    .option('--workers <n>', 'decode threads (default: number of cores)', count('workers', 1, 64))
    .option(
      '--time-index <n>',
      'which volume of 4D NIfTI files to load (default 0, the first)',
      count('time-index', 0, 1e6),
    )
    .action(async (paths: string[], opts: { json?: boolean; workers?: number; timeIndex?: number }) => {
      const result = await loadPaths(paths, {
        onProgress: progressReporter('loading'),
        workers: opts.workers,
        niftiTimeIndex: opts.timeIndex ?? 0,
      });
      const report = inspectJson(result);
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else
        printTable({
          ...report,
          volumes: result.volumes.map((v, n) => ({
            ...report.volumes[n]!,
            description: v.metadata.seriesDescription ?? '',
          })),
        });
      setExit(result.volumes.length > 0 ? 0 : 1);
    });
}

/**
 * `neuroplan case <subcommand>`: case bundles and recordings.
 *   case bundle --case-id ID --imaging <paths...> --plan <plan.json> --recording <file.mcap> --out <dir>
 *   case verify <bundle>                 manifest check (missing / extra / hash mismatch each named); exit 1 on failure
 *   case recover <file.mcap> [--out f]   rebuild the index of a truncated recording
 *   case audit <bundle-or-mcap>          verify the audit chain; exit 1 when broken
 *   case deidentify <bundle> --out <dir> [--date-shift-days N] [--seed S]
 * Exit codes: 0 ok, 1 the check failed or nothing was produced, 2 usage error. `--json` prints one JSON object.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { rosMessagesCodec, verifyAuditChain } from '@neuroplan/cases';
import {
  createBundle,
  deidentifyBundle,
  openRecordingFile,
  recoverFile,
  verifyBundle,
} from '@neuroplan/cases/node';

const out = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(
    json
      ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n'
      : text + '\n',
  );

const integer = (what: string) => (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || Math.abs(n) > 36500)
    throw new InvalidArgumentError(`${what} must be a whole number of days (|N| ≤ 36500)`);
  return n;
};

/** The recording inside a bundle, or the file itself. */
export function recordingPath(path: string): string {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    const p = join(path, 'recording.mcap');
    if (!existsSync(p)) throw new Error(`${path}: no recording.mcap in this bundle`);
    return p;
  }
  return path;
}

export function caseCommand(program: Command, setExit: (code: number) => void): void {
  const group = program
    .command('case')
    .description('case bundles, recordings, audit and de-identified export');

  group
    .command('bundle')
    .description('make a case bundle folder (imaging, plan, recording, manifest with SHA-256 of every file)')
    .requiredOption('--case-id <id>', 'case identifier')
    .requiredOption('--imaging <paths...>', 'DICOM files or folders')
    .requiredOption('--plan <file>', 'the plan (JSON)')
    .requiredOption('--recording <file>', 'the recording (MCAP)')
    .requiredOption('--out <dir>', 'bundle folder to create')
    .option('--json', 'print one JSON object')
    .action(
      async (o: {
        caseId: string;
        imaging: string[];
        plan: string;
        recording: string;
        out: string;
        json?: boolean;
      }) => {
        const m = await createBundle(o.out, {
          caseId: o.caseId,
          imaging: o.imaging,
          planPath: o.plan,
          recordingPath: o.recording,
        });
        out(o.json, m, `bundle ${o.out}: ${m.files.length} files hashed into manifest.json`);
        setExit(0);
      },
    );

  group
    .command('verify')
    .description('check a bundle against its manifest')
    .argument('<bundle>', 'bundle folder')
    .option('--json', 'print one JSON object')
    .action(async (bundle: string, o: { json?: boolean }) => {
      const v = await verifyBundle(bundle);
      out(
        o.json,
        v,
        v.ok
          ? `${bundle}: OK (${v.checked} files match the manifest)`
          : `${bundle}: ${v.problems.length} problem(s)\n${v.problems.map((p) => `  ${p.kind}: ${p.detail}`).join('\n')}`,
      );
      setExit(v.ok ? 0 : 1);
    });

  group
    .command('recover')
    .description('rebuild the index of a truncated recording (e.g. after a crash)')
    .argument('<file>', 'the MCAP file')
    .option('--out <file>', 'where to write the recovered file (default: <file>.recovered.mcap)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, o: { out?: string; json?: boolean }) => {
      const dest = o.out ?? file.replace(/\.mcap$/i, '') + '.recovered.mcap';
      if (dest === file) throw new InvalidArgumentError('--out must differ from the input file');
      const r = await recoverFile(file, dest);
      const last =
        r.lastLogTimeNs === undefined ? 'none' : new Date(Number(r.lastLogTimeNs / 1_000_000n)).toISOString();
      out(
        o.json,
        { ...r, output: dest },
        `${file}: ${r.wasComplete ? 'complete file' : `cut at byte ${r.validBytes} of ${r.fileBytes}`} (${r.stopReason})\n` +
          `recovered ${r.messageCount} messages on ${r.channelCount} channels, ${r.metadataCount} metadata records; last message ${last}\n` +
          `wrote ${dest}`,
      );
      setExit(r.messageCount > 0 ? 0 : 1);
    });

  group
    .command('audit')
    .description("verify a recording's audit chain (tampered, removed or reordered entries are named)")
    .argument('<bundle-or-mcap>', 'bundle folder or MCAP file')
    .option('--json', 'print one JSON object')
    .action(async (path: string, o: { json?: boolean }) => {
      const { recording, close } = await openRecordingFile(recordingPath(path), rosMessagesCodec());
      try {
        const { entries, head } = await recording.audit();
        const v = verifyAuditChain(entries, head);
        out(
          o.json,
          { ...v, entries: entries.length, headRecorded: head !== undefined },
          v.ok
            ? `${path}: audit chain intact (${entries.length} entries${head ? ', head matches' : ', no head recorded'})`
            : `${path}: audit chain BROKEN\n${v.problems.map((p) => `  ${p.reason}`).join('\n')}`,
        );
        setExit(v.ok ? 0 : 1);
      } finally {
        await close();
      }
    });

  group
    .command('deidentify')
    .description(
      'de-identified export: DICOM PS3.15 Basic Profile, dates shifted, UIDs remapped, names pseudonymised',
    )
    .argument('<bundle>', 'bundle folder')
    .requiredOption('--out <dir>', 'output bundle folder (new or empty)')
    .option(
      '--date-shift-days <n>',
      'days added to every date (default: derived from --seed, or random)',
      integer('--date-shift-days'),
    )
    .option('--seed <text>', 'export key: the same key gives the same UIDs and shift (keep it secret)')
    .option('--json', 'print one JSON object')
    .action(
      async (bundle: string, o: { out: string; dateShiftDays?: number; seed?: string; json?: boolean }) => {
        const r = await deidentifyBundle(bundle, o.out, {
          codec: rosMessagesCodec(),
          ...(o.dateShiftDays !== undefined ? { dateShiftDays: o.dateShiftDays } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
        });
        out(
          o.json,
          r,
          `${o.out}: case ${r.caseId}: ${r.dicomFiles} DICOM files, ${r.uidsRemapped} UIDs remapped, ` +
            `${r.operatorsPseudonymised} operators pseudonymised, ${r.messages} messages, ${r.auditEntries} audit entries re-sealed`,
        );
        setExit(0);
      },
    );
}

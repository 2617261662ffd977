/**
 * `neuroplan replay <bundle-or-mcap> --report DIR`: the case report (report.md with SVG plots, report.json):
 * planned versus achieved targets, insertion durations, tracking-error statistics, BCI yield, safety events.
 */
import type { Command } from 'commander';
import { rosMessagesCodec } from '@neuroplan/cases';
import { openRecordingFile, writeCaseReport } from '@neuroplan/cases/node';
import { recordingPath } from './case.ts';

export function replayCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description('replay a recorded case and write its report')
    .argument('<bundle-or-mcap>', 'bundle folder or MCAP recording')
    .requiredOption('--report <dir>', 'folder for report.md, report.json and the plots')
    .option('--json', 'print the report numbers as one JSON object')
    .action(async (path: string, o: { report: string; json?: boolean }) => {
      const { recording, close } = await openRecordingFile(recordingPath(path), rosMessagesCodec());
      try {
        const r = await writeCaseReport(recording, o.report);
        if (o.json) {
          const { reportJson } = await import('@neuroplan/cases');
          process.stdout.write(JSON.stringify(reportJson(r)) + '\n');
        } else
          process.stdout.write(
            `${o.report}/report.md: ${r.electrodes.length} electrode(s), ${r.safetyEvents.length} safety event(s), ` +
              `tracking error RMS ${r.trackingError.rmsUm.toFixed(1)} µm over ${r.trackingError.samples} samples\n`,
          );
        setExit(r.messageCount > 0 ? 0 : 1);
      } finally {
        await close();
      }
    });
}

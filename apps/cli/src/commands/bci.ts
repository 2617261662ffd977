/**
 * `neuroplan bci check <recording> [--json] [--k 4.5] [--notch 50|60|off] [--car] [--series NAME]`: per-contact
 * verdicts (ok, noisy, open, short, saturated, no neural activity) and per-electrode placement of a recording
 * (NWB, Intan .rhd, Open Ephys binary folder).
 * `neuroplan bci simulate --channels N --seconds S [--rate 30000] [--seed N] [--line 50|60] --out file.nwb`:
 * a simulated intraoperative recording as NWB, with its impedance test, and its ground truth beside it
 * (`file.truth.json`).
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  checkRecording,
  measureImpedance,
  simulateSession,
  type CheckRecordingOptions,
  type SimulatedElectrode,
} from '@neuroplan/bci';
import { readRecordingFile, writeNwbFile } from '@neuroplan/bci/node';

export interface BciChannelJson {
  index: number;
  label: string;
  electrodeId: string;
  contactNumber: number;
  verdict: string;
  reasons: string[];
  noiseUv: number;
  spikeRateHz: number;
  /** From the check's impedance test when the file keeps one, else as the amplifier stored it; null if unknown. */
  impedanceKohm: number | null;
}

export interface BciElectrodeJson {
  electrodeId: string;
  verdict: string;
  summary: string;
  activeContacts: number[];
  silentContacts: number[];
  faultyContacts: number[];
  tipDepthMm: number | null;
  boundaryDepthMm: number | null;
}

export interface BciCheckJson {
  file: string;
  format: string;
  sampleRateHz: number;
  channelCount: number;
  durationS: number;
  channels: BciChannelJson[];
  electrodes: BciElectrodeJson[];
  warnings: string[];
}

const number =
  (name: string, min: number, max: number, integer = false) =>
  (s: string) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(
        `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
      );
    return n;
  };

const notch = (s: string): 50 | 60 | 'off' => {
  if (s === '50' || s === '60') return Number(s) as 50 | 60;
  if (s === 'off') return 'off';
  throw new InvalidArgumentError('--notch must be 50, 60 or off');
};

/** Contacts per simulated electrode: channels are split into electrodes of this many contacts (SEEG-like). */
const CONTACTS_PER_ELECTRODE = 16;

export function bciCommand(program: Command, setExit: (code: number) => void): void {
  const bci = program
    .command('bci')
    .description('brain–computer interface recordings: simulate and check signals');

  bci
    .command('check <recording>')
    .description(
      'per-contact signal verdicts and per-electrode placement (NWB, Intan .rhd, Open Ephys folder)',
    )
    .option('--json', 'print the report as JSON')
    .option('--k <sigma>', 'spike threshold in robust standard deviations', number('k', 2, 20), 4)
    .option('--notch <hz>', 'mains frequency to notch: 50, 60 or off (default: the file’s, else 50)', notch)
    .option('--car', 'common average reference before spike detection')
    .option('--series <name>', 'NWB ElectricalSeries (or Open Ephys stream) to read')
    .action(
      async (
        file: string,
        opts: { json?: boolean; k: number; notch?: 50 | 60 | 'off'; car?: boolean; series?: string },
      ) => {
        const loaded = await readRecordingFile(
          file,
          opts.series === undefined ? {} : { series: opts.series },
        );
        const rec = loaded.recording;
        const warnings = [...loaded.warnings];
        const options: CheckRecordingOptions = {
          thresholdSigma: opts.k,
          commonAverageReference: opts.car === true,
        };
        const line = opts.notch ?? (loaded.acquisitionNotchHz || 50);
        if (line === 'off') {
          // The checks always measure mains pickup at a line frequency; "off" keeps 50 Hz for that measure and
          // makes the notch so narrow it removes nothing that matters to spike detection.
          options.lineFrequencyHz = 50;
          options.notchQ = 1e6;
        } else options.lineFrequencyHz = line;
        if (loaded.impedanceTest) options.impedanceTest = loaded.impedanceTest;
        const report = checkRecording(rec, options, file);
        const json: BciCheckJson = {
          file,
          format: loaded.format,
          sampleRateHz: rec.sampleRateHz,
          channelCount: rec.channelCount,
          durationS: rec.sampleCount / rec.sampleRateHz,
          channels: report.channels.map((c, i) => {
            const stored = loaded.impedanceOhm?.[i];
            return {
              index: c.index,
              label: c.label,
              electrodeId: c.electrodeId,
              contactNumber: c.contactNumber,
              verdict: c.verdict,
              reasons: c.reasons,
              noiseUv: c.noiseUv,
              spikeRateHz: c.spikeRateHz,
              impedanceKohm:
                c.impedanceKohm ?? (stored !== undefined && Number.isFinite(stored) ? stored / 1000 : null),
            };
          }),
          electrodes: report.electrodes.map((e) => ({
            electrodeId: e.electrodeId,
            verdict: e.verdict,
            summary: e.summary,
            activeContacts: e.activeContacts,
            silentContacts: e.silentContacts,
            faultyContacts: e.faultyContacts,
            tipDepthMm: e.tipDepthMm,
            boundaryDepthMm: e.boundaryDepthMm,
          })),
          warnings,
        };
        if (opts.json) process.stdout.write(JSON.stringify(json) + '\n');
        else printCheck(json);
        setExit(0);
      },
    );

  bci
    .command('simulate')
    .description(
      'write a simulated recording (NWB, with its impedance test) and its ground truth (.truth.json)',
    )
    .requiredOption(
      '--out <file.nwb>',
      'NWB file to write; the ground truth goes beside it as <name>.truth.json',
      (s: string) => {
        if (!/\.(nwb|h5|hdf5)$/i.test(s)) throw new InvalidArgumentError('--out must name an .nwb file');
        return s;
      },
    )
    .requiredOption(
      '--channels <n>',
      'number of contacts (electrodes of up to 16)',
      number('channels', 1, 1024, true),
    )
    .requiredOption('--seconds <s>', 'duration, s', number('seconds', 0.01, 600))
    .option('--rate <hz>', 'sample rate, Hz', number('rate', 1000, 100000), 30000)
    .option('--seed <n>', 'random seed', number('seed', 0, 2 ** 31 - 1, true), 1)
    .option('--line <hz>', 'mains frequency: 50 or 60', (s) => {
      if (s !== '50' && s !== '60') throw new InvalidArgumentError('--line must be 50 or 60');
      return Number(s) as 50 | 60;
    })
    .option('--json', 'print a JSON summary')
    .action(
      async (opts: {
        out: string;
        channels: number;
        seconds: number;
        rate: number;
        seed: number;
        line?: 50 | 60;
        json?: boolean;
      }) => {
        const electrodes: SimulatedElectrode[] = [];
        for (let left = opts.channels, k = 1; left > 0; k++) {
          const n = Math.min(CONTACTS_PER_ELECTRODE, left);
          // Tips 10 + 0.8·n mm deep with a 1 mm pitch: the shallowest contacts lie above the cortex (10 mm), as on a real lead.
          electrodes.push({ id: `E${k}`, contactCount: n, tipDepthMm: 10 + Math.ceil(0.8 * n), pitchMm: 1 });
          left -= n;
        }
        const session = simulateSession({
          seed: opts.seed,
          sampleRateHz: opts.rate,
          durationS: opts.seconds,
          electrodes,
          ...(opts.line ? { lineFrequencyHz: opts.line } : {}),
        });
        // What an amplifier stores after its impedance test: |Z| and phase per contact (plus the raw test).
        const z = measureImpedance(session.impedanceTest);
        const written = await writeNwbFile(opts.out, session.recording, {
          sessionDescription: `NeuroPlan simulated recording (seed ${opts.seed})`,
          deviceName: 'simulated_amplifier',
          deviceDescription: 'NeuroPlan simulated amplifier (Intan RHD2000-like, ±5 mV input range)',
          impedanceOhm: z.map((r) => r.magnitudeKohm * 1000),
          impedancePhaseDeg: z.map((r) => r.phaseDeg),
          impedanceTest: session.impedanceTest,
          truth: session.groundTruth,
        });
        const summary = {
          nwbPath: written.nwbPath,
          truthPath: written.truthPath!,
          channelCount: session.recording.channelCount,
          sampleCount: session.recording.sampleCount,
          sampleRateHz: session.recording.sampleRateHz,
          electrodes: electrodes.map((e) => e.id),
        };
        if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else
          process.stdout.write(
            `wrote ${summary.channelCount} channels × ${summary.sampleCount} samples at ${summary.sampleRateHz} Hz to ${summary.nwbPath}\n` +
              `  ground truth: ${summary.truthPath}\n`,
          );
        setExit(0);
      },
    );
}

function printCheck(r: BciCheckJson): void {
  const out: string[] = [];
  const counts = new Map<string, number>();
  for (const c of r.channels) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  out.push(
    `${r.file} (${r.format}): ${r.channelCount} channels, ${r.durationS.toFixed(2)} s at ${r.sampleRateHz} Hz — ` +
      [...counts].map(([v, n]) => `${n} ${v}`).join(', '),
  );
  out.push('');
  out.push('  #  label            electrode  contact  verdict              noise µV  spikes/s  |Z| kΩ');
  for (const c of r.channels)
    out.push(
      `${String(c.index).padStart(3)}  ${c.label.padEnd(15).slice(0, 15)}  ${c.electrodeId.padEnd(9).slice(0, 9)}  ${String(c.contactNumber).padStart(7)}  ${c.verdict.padEnd(19)}  ${c.noiseUv.toFixed(1).padStart(8)}  ${c.spikeRateHz.toFixed(1).padStart(8)}  ${c.impedanceKohm === null ? '     —' : c.impedanceKohm.toFixed(0).padStart(6)}`,
    );
  const flagged = r.channels.filter((c) => c.reasons.length > 0 && c.verdict !== 'ok');
  if (flagged.length) {
    out.push('');
    for (const c of flagged) out.push(`  ${c.label}: ${c.reasons.join(' ')}`);
  }
  out.push('');
  for (const e of r.electrodes) out.push(`  electrode ${e.electrodeId}: ${e.verdict} — ${e.summary}`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  process.stdout.write(out.join('\n') + '\n');
}

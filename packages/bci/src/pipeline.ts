/**
 * `checkRecording`: the whole check of one recording (and optionally its impedance test): per-channel verdicts
 * and per-electrode placement verdicts. `filter: 'zeroPhase'` (default, offline) runs the spike band forward and
 * backward (scipy's sosfiltfilt); `'causal'` runs it forward only and equals a `SignalChecker` fed in chunks.
 */
import { butterSos } from './dsp/butter.ts';
import { concatSos, iirnotchSos } from './dsp/notch.ts';
import { sosfiltfilt } from './dsp/sos.ts';
import type { ImpedanceResult, ImpedanceTestSegment } from './checks/impedance.ts';
import { measureImpedance } from './checks/impedance.ts';
import type { CheckOptions } from './checks/options.ts';
import { resolveCheckOptions } from './checks/options.ts';
import type { ElectrodeReport } from './checks/placement.ts';
import { electrodePlacement } from './checks/placement.ts';
import type { StreamMetrics } from './checks/stream.ts';
import { SignalChecker } from './checks/stream.ts';
import type { ChannelReport } from './checks/verdict.ts';
import { channelVerdict } from './checks/verdict.ts';
import type { Recording, RecordingChannel } from './recording.ts';
import { validateRecording } from './recording.ts';

export interface CheckReport {
  sampleRateHz: number;
  durationS: number;
  channels: ChannelReport[];
  electrodes: ElectrodeReport[];
  lineNoise: StreamMetrics['lineNoise'];
  /** Spike trough sample indices per channel. */
  spikeSamples: number[][];
}

export interface CheckRecordingOptions extends Partial<CheckOptions> {
  filter?: 'zeroPhase' | 'causal';
  impedanceTest?: ImpedanceTestSegment;
}

/** Turns a checker's metrics (and impedances) into channel and electrode reports. */
export function buildReport(
  channels: RecordingChannel[],
  sampleRateHz: number,
  metrics: StreamMetrics,
  impedance: ImpedanceResult[] | null,
  options: CheckOptions,
): CheckReport {
  const reports = channels.map((ch, i) =>
    channelVerdict(ch, metrics.channels[i]!, impedance?.[i] ?? null, options, (j) => channels[j]!.label),
  );
  const ids = [...new Set(channels.map((c) => c.electrodeId))];
  return {
    sampleRateHz,
    durationS: metrics.durationS,
    channels: reports,
    electrodes: ids.map((id) => electrodePlacement(id, reports)),
    lineNoise: metrics.lineNoise,
    spikeSamples: metrics.spikeSamples,
  };
}

export function checkRecording(
  rec: Recording,
  options: CheckRecordingOptions = {},
  source = 'recording',
): CheckReport {
  validateRecording(rec, source);
  const { filter = 'zeroPhase', impedanceTest, ...rest } = options;
  const o = resolveCheckOptions(rest);
  if (impedanceTest && impedanceTest.channelCount !== rec.channelCount)
    throw new Error(`${source}: the impedance test has ${impedanceTest.channelCount} channels, the recording ${rec.channelCount}`); // prettier-ignore
  const impedance = impedanceTest
    ? measureImpedance(impedanceTest, o.impedance, `${source} impedance test`)
    : null;
  const checker = new SignalChecker(
    {
      sampleRateHz: rec.sampleRateHz,
      channels: rec.channels,
      spikeBand: filter === 'causal' ? 'filter' : 'given',
    },
    o,
    source,
  );
  if (filter === 'causal') checker.push(rec.dataUv);
  else {
    const C = rec.channelCount;
    const n = rec.sampleCount;
    const fs = rec.sampleRateHz;
    const sos = concatSos(
      iirnotchSos(o.lineFrequencyHz, o.notchQ, fs),
      butterSos(
        o.spikeFilterOrder,
        [o.spikeBandHz[0], Math.min(o.spikeBandHz[1], fs * 0.45)],
        'bandpass',
        fs,
      ),
    );
    const band = new Float32Array(n * C);
    const x = new Float64Array(n);
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < n; t++) x[t] = rec.dataUv[t * C + c]!;
      const y = sosfiltfilt(sos, x);
      for (let t = 0; t < n; t++) band[t * C + c] = y[t]!;
    }
    checker.pushWithSpikeBand(rec.dataUv, band);
  }
  const metrics = checker.metrics();
  checker.dispose();
  return buildReport(rec.channels, rec.sampleRateHz, metrics, impedance, o);
}

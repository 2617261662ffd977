/**
 * A multichannel extracellular recording as every part of @neuroplan/bci exchanges it.
 *
 * Samples are time-major (interleaved), as amplifiers deliver them (Intan, Open Ephys, Blackrock) and as NWB's
 * ElectricalSeries stores them (time × channels): sample `t` of channel `c` is `dataUv[t * channelCount + c]`.
 * That layout also lets the filters run one SIMD lane per channel. Values are microvolts at the electrode.
 */

/** One recorded contact and where it is. */
export interface RecordingChannel {
  /** 0-based index into the recording's channels (= column of dataUv). */
  index: number;
  /** Human label as the amplifier names it, e.g. "A-003". */
  label: string;
  /** Which electrode (shank, SEEG lead, thread) the contact belongs to, e.g. the plan's trajectory id. */
  electrodeId: string;
  /** 1-based contact number on that electrode, counted from the tip (contact 1 = deepest). */
  contactNumber: number;
  /** Depth of the contact's centre below the entry point along the trajectory, mm (when known). */
  depthMm?: number;
}

export interface Recording {
  sampleRateHz: number;
  channelCount: number;
  sampleCount: number;
  /** Time-major microvolts: dataUv[t * channelCount + c]. Length sampleCount × channelCount. */
  dataUv: Float32Array;
  channels: RecordingChannel[];
  /** Seconds since the session start of sample 0. */
  startTimeS: number;
}

/** Throws a clear error when the recording's shape is inconsistent (lengths, indices, rates). */
export function validateRecording(rec: Recording, source = 'recording'): void {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (!(Number.isFinite(rec.sampleRateHz) && rec.sampleRateHz > 0))
    fail(`sample rate must be a positive number of Hz, got ${rec.sampleRateHz}`);
  if (!Number.isInteger(rec.channelCount) || rec.channelCount < 1)
    fail(`channel count must be a positive integer, got ${rec.channelCount}`);
  if (!Number.isInteger(rec.sampleCount) || rec.sampleCount < 0)
    fail(`sample count must be a non-negative integer, got ${rec.sampleCount}`);
  if (rec.dataUv.length !== rec.sampleCount * rec.channelCount)
    fail(
      `data holds ${rec.dataUv.length} values, expected ${rec.sampleCount} samples × ${rec.channelCount} channels`,
    );
  if (rec.channels.length !== rec.channelCount)
    fail(`${rec.channels.length} channel descriptions for ${rec.channelCount} channels`);
  rec.channels.forEach((ch, i) => {
    if (ch.index !== i) fail(`channel ${i} is described with index ${ch.index}`);
  });
}

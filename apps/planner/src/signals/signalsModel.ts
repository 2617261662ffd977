/**
 * What the signals panel shows, computed from the ROS messages it receives (field names as on the wire):
 * `/bci/summary` (BciSummary) and `/bci/snippets` (BciSnippet). Pure functions, no DOM, so they are unit-tested.
 */
import { butterSos, madSigma, sosfilt } from '@neuroplan/bci';

export interface BciChannelReportMsg {
  index: number;
  label: string;
  electrode_id: string;
  contact_number: number;
  verdict: string;
  reasons: string[];
  noise_uv: number;
  spike_rate_hz: number;
  impedance_kohm: number;
  impedance_phase_deg: number;
  lfp_power_uv2?: number;
}

export interface BciSummaryMsg {
  channels: BciChannelReportMsg[];
  electrode_verdicts: string[];
}

export interface BciSnippetMsg {
  sample_rate_hz: number;
  /** Channel indices of data_uv's columns. */
  channels: number[];
  sample_count: number;
  /** Time-major µV: data_uv[s * channels.length + c]. */
  data_uv: ArrayLike<number>;
}

export const VERDICT_COLORS: Record<string, string> = {
  ok: '#2e9d5b',
  noisy: '#e0a100',
  open: '#d0342c',
  short: '#8e44ad',
  saturated: '#c0392b',
  no_neural_activity: '#7f8c8d',
};
export const verdictColor = (verdict: string): string => VERDICT_COLORS[verdict] ?? '#555';

/** Electrodes in first-seen order, each with its contacts from the shallowest (top) to contact 1 (tip, bottom). */
export function electrodeColumns(
  channels: BciChannelReportMsg[],
): { electrodeId: string; contacts: BciChannelReportMsg[] }[] {
  const byElectrode = new Map<string, BciChannelReportMsg[]>();
  for (const ch of channels) {
    const list = byElectrode.get(ch.electrode_id) ?? [];
    list.push(ch);
    byElectrode.set(ch.electrode_id, list);
  }
  return [...byElectrode].map(([electrodeId, list]) => ({
    electrodeId,
    contacts: [...list].sort((a, b) => b.contact_number - a.contact_number),
  }));
}

/** One snippet column's samples. */
export function snippetColumn(s: BciSnippetMsg, column: number): Float64Array {
  const C = s.channels.length;
  if (column < 0 || column >= C) throw new Error(`snippet has no column ${column}`);
  if (s.data_uv.length !== s.sample_count * C)
    throw new Error(`snippet holds ${s.data_uv.length} values, expected ${s.sample_count} × ${C}`);
  const out = new Float64Array(s.sample_count);
  for (let t = 0; t < s.sample_count; t++) out[t] = s.data_uv[t * C + column]!;
  return out;
}

/** Min/max per pixel column (what a trace of `x` looks like at `width` pixels), interleaved [min0, max0, …]. */
export function envelope(x: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(2 * width);
  const n = x.length;
  for (let p = 0; p < width; p++) {
    const a = Math.floor((p * n) / width);
    const b = Math.max(a + 1, Math.floor(((p + 1) * n) / width));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = a; i < b && i < n; i++) {
      const v = x[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[2 * p] = lo === Infinity ? NaN : lo;
    out[2 * p + 1] = hi === -Infinity ? NaN : hi;
  }
  return out;
}

/**
 * Negative threshold crossings of the 300–6000 Hz band (2nd-order Butterworth, causal) below −k·σ
 * (σ = median|x|/0.6745), with a 1 ms dead time: sample indices of each spike's crossing. For display only;
 * the verdicts come from the checks in @neuroplan/bci.
 */
export function detectSpikes(x: ArrayLike<number>, sampleRateHz: number, kSigma = 4.5): number[] {
  if (x.length < 16) return [];
  const sos = butterSos(2, [300, Math.min(6000, sampleRateHz * 0.45)], 'bandpass', sampleRateHz);
  const band = sosfilt(sos, x);
  const threshold = -kSigma * madSigma(band);
  const dead = Math.max(1, Math.round(0.001 * sampleRateHz));
  const spikes: number[] = [];
  for (let i = 1; i < band.length; i++)
    if (band[i]! < threshold && band[i - 1]! >= threshold) {
      spikes.push(i);
      i += dead - 1;
    }
  return spikes;
}

/** The verdicts in the legend's order (best first). */
export const VERDICT_ORDER = ['ok', 'no_neural_activity', 'noisy', 'short', 'open', 'saturated'] as const;

export const VERDICT_LABELS: Record<string, string> = {
  ok: 'OK',
  no_neural_activity: 'No neural activity',
  noisy: 'Noisy',
  short: 'Short',
  open: 'Open',
  saturated: 'Saturated',
};
export const verdictLabel = (verdict: string): string => VERDICT_LABELS[verdict] ?? verdict;

/** How many channels carry each verdict (every verdict of VERDICT_ORDER present, 0 when none). */
export function verdictCounts(channels: readonly { verdict: string }[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0]));
  for (const c of channels) out[c.verdict] = (out[c.verdict] ?? 0) + 1;
  return out;
}

export interface ElectrodePlacement {
  electrodeId: string;
  verdict: string;
  text: string;
}

/** Parses an electrode_verdicts line "<electrode>: <verdict>: <sentence>"; other text is kept as the sentence. */
export function parseElectrodeVerdict(line: string): ElectrodePlacement {
  const m = /^([^:]+): ([a-z_]+): ([\s\S]*)$/.exec(line);
  return m
    ? { electrodeId: m[1]!, verdict: m[2]!, text: m[3]! }
    : { electrodeId: '', verdict: '', text: line };
}

/** "342 kΩ", "2.15 MΩ", "5.6 kΩ"; "—" when not measured (0 or not finite). */
export function formatImpedance(kohm: number): string {
  if (!(Number.isFinite(kohm) && kohm > 0)) return '—';
  if (kohm >= 1000) return `${(kohm / 1000).toFixed(2)} MΩ`;
  return `${kohm >= 100 ? kohm.toFixed(0) : kohm.toFixed(1)} kΩ`;
}

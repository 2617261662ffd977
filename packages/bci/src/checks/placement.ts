/**
 * Per-electrode placement verdict from the contacts' activity along the trajectory (contact 1 = tip, deepest),
 * and its trend over successive checks as the electrode advances.
 */
import type { ChannelReport } from './verdict.ts';

export type PlacementVerdict =
  'in_tissue' | 'partially_in_tissue' | 'outside_tissue' | 'inconsistent' | 'unknown';

export interface ElectrodeReport {
  electrodeId: string;
  verdict: PlacementVerdict;
  summary: string;
  activeContacts: number[];
  silentContacts: number[];
  faultyContacts: number[];
  /** Depth of the deepest contact (tip), mm, when depths are known. */
  tipDepthMm: number | null;
  /** Estimated depth of the tissue boundary (midpoint between the shallowest active and deepest silent contact above it). */
  boundaryDepthMm: number | null;
}

/** "1–6, 8" from contact numbers. */
export function contactRanges(nums: number[]): string {
  const s = [...nums].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j > i ? `${s[i]}–${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

const plural = (n: number[]): string => (n.length > 1 ? 'contacts' : 'contact');
const show = (n: number[]): string => (n.length > 1 ? 'show' : 'shows');

export function electrodePlacement(electrodeId: string, channels: ChannelReport[]): ElectrodeReport {
  const mine = channels
    .filter((c) => c.electrodeId === electrodeId)
    .sort((a, b) => a.contactNumber - b.contactNumber);
  const working = mine.filter((c) => c.verdict === 'ok' || c.verdict === 'no_neural_activity');
  const active = working.filter((c) => c.verdict === 'ok' && c.neuralActivity).map((c) => c.contactNumber);
  const silent = working.filter((c) => c.verdict === 'no_neural_activity').map((c) => c.contactNumber);
  const faulty = mine.filter((c) => !working.includes(c)).map((c) => c.contactNumber);
  const depthOf = new Map(mine.map((c) => [c.contactNumber, c.depthMm]));
  const depths = mine.map((c) => c.depthMm).filter((d): d is number => d !== null);
  const tipDepthMm = depths.length ? Math.max(...depths) : null;
  const at = (n: number): string => {
    const d = depthOf.get(n);
    return d !== null && d !== undefined ? ` (${d.toFixed(1)} mm)` : '';
  };
  const faultNote = faulty.length
    ? ` ${plural(faulty)} ${contactRanges(faulty)} could not be judged (faulty).`
    : '';
  let verdict: PlacementVerdict;
  let summary: string;
  let boundaryDepthMm: number | null = null;
  if (working.length === 0) {
    verdict = 'unknown';
    summary = `No working contact on ${electrodeId}.${faultNote}`;
  } else if (silent.length === 0) {
    verdict = 'in_tissue';
    summary = `${plural(active)} ${contactRanges(active)} ${show(active)} spiking or LFP: in grey matter.${faultNote}`;
  } else if (active.length === 0) {
    verdict = 'outside_tissue';
    summary = `${plural(silent)} ${contactRanges(silent)} ${show(silent)} no spiking and no LFP: outside the brain.${faultNote}`;
  } else {
    // Contact numbers grow towards the entry: in-tissue contacts should be the low numbers.
    const maxActive = Math.max(...active);
    const minSilent = Math.min(...silent);
    if (maxActive < minSilent) {
      verdict = 'partially_in_tissue';
      const dIn = depthOf.get(maxActive);
      const dOut = depthOf.get(minSilent);
      if (dIn !== null && dIn !== undefined && dOut !== null && dOut !== undefined)
        boundaryDepthMm = (dIn + dOut) / 2;
      summary =
        `${plural(active)} ${contactRanges(active)} ${show(active)} spiking or LFP: in grey matter; ` +
        `${plural(silent)} ${contactRanges(silent)}${at(minSilent)} ${show(silent)} none: outside the brain` +
        (boundaryDepthMm !== null
          ? `; the cortical surface lies near ${boundaryDepthMm.toFixed(1)} mm.`
          : '.') +
        faultNote;
    } else {
      verdict = 'inconsistent';
      const deepSilent = silent.filter((n) => n < maxActive);
      summary =
        `${plural(active)} ${contactRanges(active)} ${show(active)} spiking or LFP, but deeper ` +
        `${plural(deepSilent)} ${contactRanges(deepSilent)}${at(Math.min(...deepSilent))} ${show(deepSilent)} none: ` +
        `the tip may lie beyond grey matter (white matter, ventricle) or those contacts are damaged.${faultNote}`;
    }
  }
  return { electrodeId, verdict, summary, activeContacts: active, silentContacts: silent, faultyContacts: faulty, tipDepthMm, boundaryDepthMm }; // prettier-ignore
}

export interface PlacementStep {
  tipDepthMm: number | null;
  activeCount: number;
  verdict: PlacementVerdict;
  boundaryDepthMm: number | null;
}

/** Successive checks of one electrode as it advances: how the active contacts change with depth. */
export class PlacementTrend {
  readonly steps: PlacementStep[] = [];
  constructor(readonly electrodeId: string) {}

  add(report: ElectrodeReport): void {
    if (report.electrodeId !== this.electrodeId)
      throw new Error(
        `placement trend: report for ${report.electrodeId} given to the trend of ${this.electrodeId}`,
      );
    const last = this.steps[this.steps.length - 1];
    if (last && last.tipDepthMm !== null && report.tipDepthMm !== null && report.tipDepthMm < last.tipDepthMm)
      throw new Error(`placement trend: checks must come at increasing depths (${report.tipDepthMm} mm after ${last.tipDepthMm} mm)`); // prettier-ignore
    this.steps.push({
      tipDepthMm: report.tipDepthMm,
      activeCount: report.activeContacts.length,
      verdict: report.verdict,
      boundaryDepthMm: report.boundaryDepthMm,
    });
  }

  /** 'entering' while active contacts increase, 'stable', or 'leaving' when they drop as the tip advances. */
  get direction(): 'entering' | 'stable' | 'leaving' | 'unknown' {
    if (this.steps.length < 2) return 'unknown';
    const a = this.steps[this.steps.length - 2]!.activeCount;
    const b = this.steps[this.steps.length - 1]!.activeCount;
    return b > a ? 'entering' : b < a ? 'leaving' : 'stable';
  }

  summary(): string {
    if (!this.steps.length) return `No checks of ${this.electrodeId} yet.`;
    const d = (x: number | null): string => (x === null ? '?' : x.toFixed(1));
    const first = this.steps[0]!;
    const last = this.steps[this.steps.length - 1]!;
    const counts = this.steps.map((s) => s.activeCount).join(' → ');
    const bounds = this.steps.map((s) => s.boundaryDepthMm).filter((x): x is number => x !== null);
    const surface = bounds.length
      ? ` The cortical surface was estimated at ${Math.min(...bounds).toFixed(1)}–${Math.max(...bounds).toFixed(1)} mm over ${bounds.length} check(s).` // prettier-ignore
      : '';
    const warn =
      this.direction === 'leaving' ? ' Warning: fewer contacts are active than at the previous check.' : '';
    return `As the tip advanced from ${d(first.tipDepthMm)} to ${d(last.tipDepthMm)} mm, active contacts went ${counts}.${surface}${warn}`;
  }
}

/**
 * The case report: from a recording, per electrode the planned versus achieved target (mm), the insertion's
 * duration and depth, tracking-error statistics (RMS, p95, max in µm) over the `inserting` phase, BCI channel
 * yield (ok channels / all channels of the electrode, from the last /bci/summary), and the safety events;
 * rendered as Markdown with two SVG plots (tracking error and depth over time).
 *
 * Definitions (also printed in the report):
 * - insertion of a trajectory: from its first /robot/insertion_status with phase `inserting` to the first
 *   later status (any trajectory) whose phase is neither `inserting` nor `holding`, else its last status;
 * - achieved target: /robot/tip_pose (frame `patient_lps`, metres on the wire) at the insertion's end;
 * - p95: linear interpolation between order statistics (numpy's default).
 */
import { PLAN_TOPIC, SAFETY_EVENTS_TOPIC, type PlanRecord, type SafetyEvent } from './channels.ts';
import type { BciSummary, InsertionStatus, PoseStamped } from '@neuroplan/ros-messages';
import type { CaseRecording, RecordedMessage } from './replay.ts';
import { svgLinePlot, type PlotSeries } from './svg.ts';

export interface ErrorStats {
  samples: number;
  rmsUm: number;
  p95Um: number;
  maxUm: number;
}

export interface ElectrodeReport {
  trajectoryId: string;
  electrodeId?: string;
  plannedTargetLps?: [number, number, number];
  achievedTipLps?: [number, number, number];
  targetErrorMm?: number;
  insertionStartS?: number;
  insertionDurationS?: number;
  finalDepthMm?: number;
  targetDepthMm?: number;
  trackingError: ErrorStats;
  bciYield?: { ok: number; total: number };
}

export interface CaseReport {
  caseId?: string;
  durationS: number;
  messageCount: number;
  electrodes: ElectrodeReport[];
  trackingError: ErrorStats;
  safetyEvents: Array<SafetyEvent & { tS: number }>;
  /** Time series for the plots (s since the recording start). */
  series: {
    trackingErrorUm: Map<string, Array<[number, number]>>;
    depthMm: Map<string, Array<[number, number]>>;
  };
}

export function errorStats(values: readonly number[]): ErrorStats {
  if (values.length === 0) return { samples: 0, rmsUm: NaN, p95Um: NaN, maxUm: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const pos = 0.95 * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const p95 = sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  const rms = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
  return { samples: values.length, rmsUm: rms, p95Um: p95, maxUm: sorted[sorted.length - 1]! };
}

const ACTIVE = new Set(['inserting', 'holding']);

export async function computeCaseReport(rec: CaseRecording): Promise<CaseReport> {
  const t0 = rec.startTimeNs;
  const tS = (ns: bigint) => Number(ns - t0) / 1e9;
  const meta = await rec.metadata();
  const plans = await rec.collect<PlanRecord>([PLAN_TOPIC]);
  const plan = plans[plans.length - 1]?.message.plan as
    | { trajectories?: Array<{ id: string; electrodeId: string; targetLps: [number, number, number] }> }
    | undefined;
  const statuses: Array<RecordedMessage<InsertionStatus>> = [];
  for await (const m of rec.messagesBetween(undefined, undefined, ['/robot/insertion_status']))
    statuses.push(m as RecordedMessage<InsertionStatus>);

  const trackingErrorUm = new Map<string, Array<[number, number]>>();
  const depthMm = new Map<string, Array<[number, number]>>();
  const windows = new Map<string, { start: bigint; end: bigint; endIndex: number; errors: number[] }>();
  const order: string[] = [];
  let open: string | undefined;
  statuses.forEach((m, i) => {
    const s = m.message;
    const id = s.trajectory_id;
    if (id) {
      if (!depthMm.has(id)) depthMm.set(id, []);
      depthMm.get(id)!.push([tS(m.logTimeNs), s.depth_mm]);
    }
    if (s.phase === 'inserting' && id) {
      let w = windows.get(id);
      if (!w) {
        w = { start: m.logTimeNs, end: m.logTimeNs, endIndex: i, errors: [] };
        windows.set(id, w);
        order.push(id);
        trackingErrorUm.set(id, []);
      }
      w.errors.push(s.tracking_error_um);
      trackingErrorUm.get(id)!.push([tS(m.logTimeNs), s.tracking_error_um]);
      open = id;
    }
    if (open !== undefined) {
      const w = windows.get(open)!;
      if (ACTIVE.has(s.phase) && (s.trajectory_id === open || !s.trajectory_id)) {
        w.end = m.logTimeNs;
        w.endIndex = i;
      } else if (!ACTIVE.has(s.phase)) {
        w.end = m.logTimeNs;
        w.endIndex = i;
        open = undefined;
      }
    }
  });

  // BCI yield from the last summary.
  const lastBci = (await rec.stateAt(rec.endTimeNs, ['/bci/summary'])).get('/bci/summary')?.message as
    BciSummary | undefined;
  const yieldByElectrode = new Map<string, { ok: number; total: number }>();
  for (const c of lastBci?.channels ?? []) {
    const y = yieldByElectrode.get(c.electrode_id) ?? { ok: 0, total: 0 };
    y.total += 1;
    if (c.verdict === 'ok') y.ok += 1;
    yieldByElectrode.set(c.electrode_id, y);
  }

  const electrodes: ElectrodeReport[] = [];
  const ids = [...order, ...(plan?.trajectories ?? []).map((t) => t.id).filter((id) => !order.includes(id))];
  for (const id of ids) {
    const planned = plan?.trajectories?.find((t) => t.id === id);
    const w = windows.get(id);
    const r: ElectrodeReport = { trajectoryId: id, trackingError: errorStats(w?.errors ?? []) };
    if (planned) {
      r.electrodeId = planned.electrodeId;
      r.plannedTargetLps = [...planned.targetLps];
      const y = yieldByElectrode.get(planned.electrodeId) ?? yieldByElectrode.get(id);
      if (y) r.bciYield = y;
    } else {
      const y = yieldByElectrode.get(id);
      if (y) r.bciYield = y;
    }
    if (w) {
      const last = statuses[w.endIndex]!.message;
      r.insertionStartS = tS(w.start);
      r.insertionDurationS = Number(w.end - w.start) / 1e9;
      r.finalDepthMm = last.depth_mm;
      r.targetDepthMm = last.target_depth_mm;
      const tip = (await rec.stateAt(w.end, ['/robot/tip_pose'])).get('/robot/tip_pose')?.message as
        PoseStamped | undefined;
      if (tip && tip.header.frame_id === 'patient_lps') {
        const p = tip.pose.position;
        r.achievedTipLps = [p.x * 1000, p.y * 1000, p.z * 1000];
        if (r.plannedTargetLps)
          r.targetErrorMm = Math.hypot(...r.achievedTipLps.map((v, k) => v - r.plannedTargetLps![k]!));
      }
    }
    electrodes.push(r);
  }

  const safetyEvents = (await rec.collect<SafetyEvent>([SAFETY_EVENTS_TOPIC])).map((m) => ({
    ...m.message,
    tS: tS(m.logTimeNs),
  }));
  const caseId = meta.get('case')?.case_id;
  return {
    ...(caseId !== undefined ? { caseId } : {}),
    durationS: rec.durationS,
    messageCount: rec.messageCount,
    electrodes,
    trackingError: errorStats([...windows.values()].flatMap((w) => w.errors)),
    safetyEvents,
    series: { trackingErrorUm, depthMm },
  };
}

const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** The Markdown report and its SVG files (names → text); the Markdown links the SVGs by name. */
export function renderCaseReport(r: CaseReport): { markdown: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const toSeries = (m: Map<string, Array<[number, number]>>): PlotSeries[] =>
    [...m].map(([label, points]) => ({ label, points }));
  files.set(
    'tracking-error.svg',
    svgLinePlot(toSeries(r.series.trackingErrorUm), {
      title: 'Tracking error during insertion',
      xLabel: 'time since recording start (s)',
      yLabel: 'tracking error (µm)',
    }),
  );
  files.set(
    'depth.svg',
    svgLinePlot(toSeries(r.series.depthMm), {
      title: 'Insertion depth',
      xLabel: 'time since recording start (s)',
      yLabel: 'depth (mm)',
    }),
  );
  const L: string[] = [];
  L.push(`# Case report${r.caseId ? `: ${r.caseId}` : ''}`, '');
  L.push(`Recording: ${f(r.durationS, 1)} s, ${r.messageCount} messages.`, '');
  L.push('## Electrodes', '');
  L.push(
    '| trajectory | electrode | planned target LPS (mm) | achieved tip LPS (mm) | target error (mm) | insertion (s) | final / target depth (mm) | tracking RMS (µm) | p95 (µm) | max (µm) | BCI yield |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const e of r.electrodes) {
    const v3 = (v?: number[]) => (v ? v.map((x) => x.toFixed(2)).join(', ') : '—');
    L.push(
      `| ${e.trajectoryId} | ${e.electrodeId ?? '—'} | ${v3(e.plannedTargetLps)} | ${v3(e.achievedTipLps)} | ${f(e.targetErrorMm, 3)} | ${f(e.insertionDurationS, 2)} | ${f(e.finalDepthMm)} / ${f(e.targetDepthMm)} | ${f(e.trackingError.rmsUm, 1)} | ${f(e.trackingError.p95Um, 1)} | ${f(e.trackingError.maxUm, 1)} | ${e.bciYield ? `${e.bciYield.ok}/${e.bciYield.total}` : '—'} |`,
    );
  }
  L.push('');
  const t = r.trackingError;
  L.push('## Tracking error (all insertions)', '');
  L.push(
    `${t.samples} samples: RMS ${f(t.rmsUm, 1)} µm, p95 ${f(t.p95Um, 1)} µm, max ${f(t.maxUm, 1)} µm.`,
    '',
  );
  L.push('![Tracking error](tracking-error.svg)', '', '![Depth](depth.svg)', '');
  L.push('## Safety events', '');
  if (r.safetyEvents.length === 0) L.push('None.');
  else {
    L.push('| t (s) | severity | kind | source | message |', '|---|---|---|---|---|');
    for (const e of r.safetyEvents)
      L.push(
        `| ${e.tS.toFixed(3)} | ${e.severity} | ${e.kind} | ${e.source ?? ''} | ${e.message.replace(/\|/g, '\\|')} |`,
      );
  }
  L.push('', '## Definitions', '');
  L.push(
    '- Insertion: from the first `inserting` status of the trajectory to the first later status that is neither `inserting` nor `holding`.',
    '- Achieved tip: `/robot/tip_pose` (frame `patient_lps`) at the end of the insertion; target error is its distance to the planned target.',
    '- Tracking error statistics use the `inserting` samples; p95 interpolates linearly between order statistics.',
    '- BCI yield: channels with verdict `ok` over all channels of the electrode in the last `/bci/summary`.',
    '',
  );
  return { markdown: L.join('\n'), files };
}

/** JSON-safe form of the report (maps and series dropped). */
export function reportJson(r: CaseReport): Omit<CaseReport, 'series'> {
  const { series: _series, ...rest } = r;
  void _series;
  return JSON.parse(
    JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as Omit<CaseReport, 'series'>;
}

/**
 * The simulated BCI amplifier as a ROS node: it records the contacts of the loaded plan's electrodes (or one
 * default electrode), runs @neuroplan/bci's streaming checker on what it records, publishes /bci/summary at
 * 10 Hz and serves /bci/request_snippet (raw µV of chosen channels, also published on /bci/snippets).
 *
 * Signal: @neuroplan/bci's simulated amplifier, generated once per layout as a loop of `loopS` seconds in two
 * versions with the same seed and faults: every contact in tissue (units, LFP) and every contact outside (noise,
 * mains, faults only). Each channel plays from one or the other according to its depth now: contact depth below
 * the entry = insertion depth − its distance from the tip; in tissue when ≥ the brain surface depth. The
 * insertion depth of each trajectory comes from /robot/insertion_status (or a function, for tests and replay).
 *
 * Time is simulated: `advance(seconds)` records that much signal and publishes the summaries that fall due, so
 * tests are deterministic; `startRealTime()` advances with the wall clock. The checker starts afresh every
 * `windowS` so verdicts follow the insertion; a summary reports the running window once it holds half a window,
 * else the last complete one.
 */
import {
  buildReport,
  measureImpedance,
  resolveCheckOptions,
  SignalChecker,
  simulateSession,
  type CheckOptions,
  type CheckReport,
  type FaultPlan,
  type ImpedanceResult,
  type RecordingChannel,
} from '@neuroplan/bci';
import type { Plan } from '@neuroplan/planning';
import {
  RosNames,
  RosTypes,
  type BciChannelReport,
  type BciSnippet,
  type BciSummary,
  type RequestBciSnippetResponse,
} from '@neuroplan/ros-messages';
import type { Publisher, RosGraph, Subscription } from '../graph.ts';
import { toRosTime } from '../robot/clock.ts';
import { defaultFaults, layoutFromPlan, type BciContact, type BciElectrodeLayout } from './layout.ts';

export type DepthSource = 'insertion_status' | ((trajectoryId: string) => number);

export interface BciNodeOptions {
  seed: number;
  /** Amplifier sample rate, Hz (default 30000). */
  sampleRateHz?: number;
  /** Record at most this many contacts per electrode, deepest first (default all, up to 1024 in total). */
  channelsPerElectrode?: number;
  /** Insertion depth per trajectory id, mm: /robot/insertion_status (default) or a function. */
  depthSource?: DepthSource;
  /** The loaded plan (polled at every step, e.g. `() => robot.loadedPlan?.plan ?? null`); none: default electrode. */
  plan?: () => Plan | null;
  /** Depth of the brain surface below the entry point along a trajectory, mm (default 10). */
  brainSurfaceDepthMm?: number | ((trajectoryId: string) => number);
  /** Faults on the amplifier's channels; default: a shorted pair and an open contact on the first electrode. */
  faults?: FaultPlan | ((layout: BciElectrodeLayout[]) => FaultPlan);
  /** Length of the simulated signal loop, s (default 2). */
  loopS?: number;
  /** Checker window, s (default 2). */
  windowS?: number;
  /** Raw history kept for snippets, s (default 2). */
  historyS?: number;
  /** ROS time (s since 1970) at simulated time 0 (default: now); pass the robot's `clock.epochS` to share it. */
  epochS?: number;
  /** Check options for @neuroplan/bci (default: its defaults, minSpikeRateHz 2); rail and mains also set the simulator. */
  check?: Partial<CheckOptions>;
}

/** Summary rate on /bci/summary, Hz. */
export const BCI_SUMMARY_RATE_HZ = 10;
/** Largest snippet, in values (float32: 400 kB in CDR, under ~1 MB as rosbridge JSON with 2 decimals). */
export const MAX_SNIPPET_VALUES = 100_000;

interface Amplifier {
  layout: BciElectrodeLayout[];
  contacts: BciContact[];
  channels: RecordingChannel[];
  C: number;
  loopN: number;
  inTissueData: Float32Array;
  outsideData: Float32Array;
  impedance: ImpedanceResult[];
  inTissue: Uint8Array;
  depthMm: Float64Array;
}

export class BciNode {
  readonly sampleRateHz: number;
  /** ROS time at simulated time 0; real-time mode moves it on after a stall so stamps keep up with the wall. */
  epochS: number;
  private readonly graph: RosGraph;
  private readonly opts: BciNodeOptions;
  private readonly checkOptions: CheckOptions;
  private readonly windowN: number;
  private readonly historyN: number;
  private amp!: Amplifier;
  private planRef: Plan | null | undefined = undefined;
  /** Frames recorded since the start. */
  private frames = 0;
  private elapsed = 0;
  private summariesSent = 0;
  private checker!: SignalChecker;
  private checkerFrames = 0;
  private lastComplete: CheckReport | null = null;
  private ring!: Float32Array;
  private chunk = new Float32Array(0);
  private readonly depthByTrajectory = new Map<string, number>();
  private lastDepthMm = 0;
  private readonly pubSummary: Publisher;
  private readonly pubSnippet: Publisher;
  private readonly closers: Array<() => void> = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastWallMs = 0;
  /** The last summary published (for the CLI and tests). */
  lastSummary: BciSummary | null = null;

  constructor(graph: RosGraph, options: BciNodeOptions) {
    this.graph = graph;
    this.opts = options;
    this.sampleRateHz = options.sampleRateHz ?? 30000;
    this.epochS = options.epochS ?? Date.now() / 1000;
    const windowS = options.windowS ?? 2;
    const historyS = options.historyS ?? 2;
    if (!(windowS >= 0.2 && windowS <= 60))
      throw new Error(`bci node: windowS ${windowS} is outside [0.2, 60] s`);
    if (!(historyS > 0 && historyS <= 60))
      throw new Error(`bci node: historyS ${historyS} is outside (0, 60] s`);
    this.windowN = Math.round(windowS * this.sampleRateHz);
    this.historyN = Math.round(historyS * this.sampleRateHz);
    // A live window is short: one stray noise crossing in 1 s would read as 1 Hz of spiking, so spiking needs
    // ≥ 2 Hz here (≥ 4 crossings per 2 s window; contacts in tissue also show LFP well above its 5 µV limit).
    this.checkOptions = resolveCheckOptions({
      lineFrequencyHz: 50,
      railUv: 5000,
      minSpikeRateHz: 2,
      ...options.check,
    });
    this.pubSummary = graph.advertise(RosNames.bciSummary, RosTypes.BciSummary);
    this.pubSnippet = graph.advertise(RosNames.bciSnippets, RosTypes.BciSnippet);
    this.closers.push(
      () => this.pubSummary.close(),
      () => this.pubSnippet.close(),
    );
    const source = options.depthSource ?? 'insertion_status';
    if (source === 'insertion_status') {
      const sub: Subscription = graph.subscribe(RosNames.insertionStatus, RosTypes.InsertionStatus, (msg) =>
        this.onInsertionStatus(msg),
      );
      this.closers.push(() => sub.close());
    }
    this.closers.push(
      graph.advertiseService(RosNames.requestBciSnippet, RosTypes.RequestBciSnippet, (req) =>
        this.snippetService(req),
      ),
    );
    this.syncPlan();
  }

  /** Simulated seconds since the start. */
  get elapsedS(): number {
    return this.elapsed;
  }

  get channelCount(): number {
    return this.amp.C;
  }

  /** The recorded contacts and their current depth below the entry (mm) and tissue state. */
  contacts(): Array<BciContact & { depthMm: number; inTissue: boolean }> {
    return this.amp.contacts.map((c) => ({
      ...c,
      depthMm: this.amp.depthMm[c.index]!,
      inTissue: this.amp.inTissue[c.index] === 1,
    }));
  }

  /** Records `seconds` of signal and publishes the summaries that fall due (at 10 Hz of simulated time). */
  advance(seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds))
      throw new Error(`bci node: cannot advance by ${seconds} s`);
    const end = this.elapsed + seconds;
    const period = 1 / BCI_SUMMARY_RATE_HZ;
    for (;;) {
      const nextSummary = (this.summariesSent + 1) * period;
      const stepEnd = Math.min(end, nextSummary);
      this.recordUntil(stepEnd);
      this.elapsed = stepEnd;
      if (stepEnd >= nextSummary - 1e-12) {
        this.summariesSent++;
        this.publishSummary();
      }
      if (stepEnd >= end) break;
    }
  }

  /** Real-time mode: a timer advances simulated time with the wall clock (a stall over 0.25 s is not replayed). */
  startRealTime(intervalMs = 20): void {
    if (this.timer) return;
    // As the robot node does: wire time starts at the wall clock, not behind it by the setup time.
    const lagS = Date.now() / 1000 - (this.epochS + this.elapsed);
    if (lagS > 0) this.epochS += lagS;
    this.lastWallMs = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const wallDt = (now - this.lastWallMs) / 1000;
      const dt = Math.min(0.25, wallDt);
      this.lastWallMs = now;
      if (dt > 0) this.advance(dt);
      if (wallDt > dt) this.epochS += wallDt - dt;
    }, intervalMs);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.closers.splice(0)) c();
    (this.checker as SignalChecker | undefined)?.dispose();
  }

  // ------------------------------------------------------------------ amplifier

  private syncPlan(): void {
    const plan = this.opts.plan?.() ?? null;
    if (plan === this.planRef) return;
    this.planRef = plan;
    this.amp = this.buildAmplifier(layoutFromPlan(plan, this.opts.channelsPerElectrode));
    this.ring = new Float32Array(this.historyN * this.amp.C);
    this.startWindow();
    this.lastComplete = null;
    this.updateDepths();
  }

  private buildAmplifier(layout: BciElectrodeLayout[]): Amplifier {
    const contacts = layout.flatMap((e) => e.contacts);
    const C = contacts.length;
    const f = this.opts.faults;
    const faultPlan = f === undefined ? defaultFaults(layout) : typeof f === 'function' ? f(layout) : f;
    // One pitch per electrode for the simulator's layout; depths are set per channel below, not by it.
    const electrodes = layout.map((e) => ({
      id: e.id,
      contactCount: e.contacts.length,
      tipDepthMm: 0,
      pitchMm: 1,
    }));
    const common = {
      seed: this.opts.seed,
      sampleRateHz: this.sampleRateHz,
      durationS: this.opts.loopS ?? 2,
      electrodes,
      faultPlan,
      artefactsPerS: 0,
      lineFrequencyHz: this.checkOptions.lineFrequencyHz,
      railUv: this.checkOptions.railUv,
    };
    const inside = simulateSession({ ...common, cortexDepthMm: -Infinity });
    const outside = simulateSession({ ...common, cortexDepthMm: Infinity });
    const channels: RecordingChannel[] = contacts.map((c) => ({
      index: c.index,
      label: `${c.electrodeId}-${String(c.contactNumber).padStart(2, '0')}`,
      electrodeId: c.electrodeId,
      contactNumber: c.contactNumber,
    }));
    return {
      layout,
      contacts,
      channels,
      C,
      loopN: inside.recording.sampleCount,
      inTissueData: inside.recording.dataUv,
      outsideData: outside.recording.dataUv,
      // The impedance test runs once, before the insertion (impedance does not depend on the depth here).
      impedance: measureImpedance(
        inside.impedanceTest,
        this.checkOptions.impedance,
        'bci node impedance test',
      ),
      inTissue: new Uint8Array(C),
      depthMm: new Float64Array(C),
    };
  }

  private onInsertionStatus(msg: unknown): void {
    const m = msg as { trajectory_id?: unknown; depth_mm?: unknown };
    if (typeof m.depth_mm !== 'number' || !Number.isFinite(m.depth_mm)) return;
    const id = typeof m.trajectory_id === 'string' ? m.trajectory_id : '';
    this.lastDepthMm = m.depth_mm;
    if (id) this.depthByTrajectory.set(id, m.depth_mm);
  }

  private insertionDepth(trajectoryId: string, only: boolean): number {
    const source = this.opts.depthSource ?? 'insertion_status';
    if (typeof source === 'function') return source(trajectoryId);
    // The default electrode (no plan) follows whatever the robot inserts.
    return this.depthByTrajectory.get(trajectoryId) ?? (only ? this.lastDepthMm : 0);
  }

  private updateDepths(): void {
    const a = this.amp;
    const surface = this.opts.brainSurfaceDepthMm ?? 10;
    const single = this.planRef === null;
    for (const e of a.layout) {
      const depth = this.insertionDepth(e.id, single);
      const brain = typeof surface === 'function' ? surface(e.id) : surface;
      for (const c of e.contacts) {
        const d = depth - c.distanceFromTipMm;
        a.depthMm[c.index] = d;
        a.inTissue[c.index] = d >= brain ? 1 : 0;
      }
    }
  }

  private startWindow(): void {
    const channels = this.amp.channels.map((c) => ({ ...c, depthMm: this.amp.depthMm[c.index] }));
    (this.checker as SignalChecker | undefined)?.dispose(); // its kernel memory serves the next one
    this.checker = new SignalChecker(
      { sampleRateHz: this.sampleRateHz, channels },
      this.checkOptions,
      'bci node',
    );
    this.checkerFrames = 0;
  }

  /** Records frames up to simulated time `t`, feeding the checker window by window. */
  private recordUntil(t: number): void {
    this.syncPlan();
    this.updateDepths();
    const a = this.amp;
    const C = a.C;
    let framesDue = Math.round(t * this.sampleRateHz) - this.frames;
    while (framesDue > 0) {
      const n = Math.min(framesDue, this.windowN - this.checkerFrames);
      if (this.chunk.length < n * C) this.chunk = new Float32Array(n * C);
      const out = this.chunk.subarray(0, n * C);
      for (let k = 0; k < n; k++) {
        const f = this.frames + k;
        const src = (f % a.loopN) * C;
        const ring = (f % this.historyN) * C;
        for (let c = 0; c < C; c++) {
          const v = (a.inTissue[c] ? a.inTissueData : a.outsideData)[src + c]!;
          out[k * C + c] = v;
          this.ring[ring + c] = v;
        }
      }
      this.checker.push(out);
      this.frames += n;
      this.checkerFrames += n;
      framesDue -= n;
      if (this.checkerFrames >= this.windowN) {
        this.lastComplete = this.report();
        this.startWindow();
      }
    }
  }

  private report(): CheckReport {
    const channels = this.amp.channels.map((c) => ({ ...c, depthMm: this.amp.depthMm[c.index] }));
    return buildReport(
      channels,
      this.sampleRateHz,
      this.checker.metrics(),
      this.amp.impedance,
      this.checkOptions,
    );
  }

  // ------------------------------------------------------------------ messages

  private stamp(): { sec: number; nanosec: number } {
    return toRosTime(this.epochS + this.elapsed);
  }

  /** The report a summary shows now: the running window once it holds half a window, else the last complete one. */
  currentReport(): CheckReport {
    if (this.checkerFrames >= this.windowN / 2 || !this.lastComplete) return this.report();
    return this.lastComplete;
  }

  private publishSummary(): void {
    const r = this.currentReport();
    const num = (x: number | null): number => (x !== null && Number.isFinite(x) ? x : 0);
    const channels: BciChannelReport[] = r.channels.map((c) => ({
      index: c.index,
      label: c.label,
      electrode_id: c.electrodeId,
      contact_number: c.contactNumber,
      verdict: c.verdict,
      reasons: c.reasons,
      noise_uv: num(c.noiseUv),
      spike_rate_hz: num(c.spikeRateHz),
      impedance_kohm: num(c.impedanceKohm),
      impedance_phase_deg: num(c.impedancePhaseDeg),
      lfp_power_uv2: num(c.lfpUv * c.lfpUv),
    }));
    const msg: BciSummary = {
      header: { stamp: this.stamp(), frame_id: '' },
      channels,
      electrode_verdicts: r.electrodes.map((e) => `${e.electrodeId}: ${e.verdict}: ${e.summary}`),
    };
    this.lastSummary = msg;
    this.pubSummary.publish(msg);
  }

  /** Raw µV of `channels` over the last `durationS` (capped by the history and MAX_SNIPPET_VALUES). */
  snippet(channels: number[], durationS: number): BciSnippet {
    const a = this.amp;
    const C = a.C;
    const want = Math.max(1, Math.round(durationS * this.sampleRateHz));
    const n = Math.min(want, this.frames, this.historyN, Math.floor(MAX_SNIPPET_VALUES / channels.length));
    const data = new Array<number>(n * channels.length);
    const first = this.frames - n;
    for (let k = 0; k < n; k++) {
      const row = ((first + k) % this.historyN) * C;
      for (let j = 0; j < channels.length; j++)
        data[k * channels.length + j] = Math.round(this.ring[row + channels[j]!]! * 100) / 100;
    }
    return {
      header: { stamp: this.stamp(), frame_id: '' },
      sample_rate_hz: this.sampleRateHz,
      channels: [...channels],
      sample_count: n,
      data_uv: data,
    };
  }

  private snippetService(req: unknown): RequestBciSnippetResponse {
    const empty: BciSnippet = {
      header: { stamp: this.stamp(), frame_id: '' },
      sample_rate_hz: this.sampleRateHz,
      channels: [],
      sample_count: 0,
      data_uv: [],
    };
    const refuse = (reason: string): RequestBciSnippetResponse => ({
      success: false,
      reason,
      snippet: empty,
    });
    const r = (req ?? {}) as { channels?: unknown; duration_s?: unknown };
    const C = this.amp.C;
    const raw = r.channels instanceof Uint8Array ? [...r.channels] : r.channels;
    if (!Array.isArray(raw) || raw.length === 0)
      return refuse('channels must list at least one channel index');
    const channels: number[] = [];
    for (const c of raw) {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= C)
        return refuse(`channel ${JSON.stringify(c)} does not exist (the amplifier has channels 0–${C - 1})`);
      if (channels.includes(c)) return refuse(`channel ${c} is listed twice`);
      channels.push(c);
    }
    const d = r.duration_s;
    if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d))
      return refuse('duration_s must be a positive number of seconds');
    if (this.frames === 0) return refuse('nothing has been recorded yet');
    const snippet = this.snippet(channels, d);
    const got = snippet.sample_count / this.sampleRateHz;
    const reason =
      snippet.sample_count < Math.round(d * this.sampleRateHz)
        ? `shortened to ${got.toFixed(4)} s (${snippet.sample_count} samples × ${channels.length} channels): ` +
          `at most ${MAX_SNIPPET_VALUES} values per snippet and ${(this.historyN / this.sampleRateHz).toFixed(1)} s of history`
        : '';
    this.pubSnippet.publish(snippet);
    return { success: true, reason, snippet };
  }
}

export function startBciNode(graph: RosGraph, options: BciNodeOptions): BciNode {
  return new BciNode(graph, options);
}

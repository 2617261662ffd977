/**
 * Replay of a case recording: open an .mcap (a local file, a case bundle folder, or one from the robot's
 * server list), then a timeline (play/pause, 0.1×–10×, scrubber) and, at the current instant, the needle
 * depth along the trajectory, the insertion status, the safety state, the tracking error so far, the BCI
 * summary when recorded, and the event list (operator actions, safety events, audit), each clickable to seek.
 * Every instant is read through the file's index (ReplayRecording.stateAt), never by scanning the file.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { BciSummary, InsertionStatus, JointState, SafetyState } from '@neuroplan/ros-messages';
import {
  ReplayRecording,
  blobReadable,
  httpReadable,
  type ReplayEvent,
  type ReplayMessage,
} from './recording.ts';
import { DepthGauge, ErrorPlot } from './ReplayPlots.tsx';
import './replay.css';

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10] as const;
export const DEFAULT_SERVER = 'http://127.0.0.1:9090';
const STATE_TOPICS = ['/robot/insertion_status', '/robot/safety_state', '/bci/summary', '/joint_states'];
const PLOT_WINDOW_S = 30;

interface Shown {
  atNs: bigint;
  state: Map<string, ReplayMessage>;
}

export interface ReplayViewProps {
  /** Shown at the top left (e.g. the app's mode switch). */
  header?: ReactNode;
  /** The robot's HTTP root for the recordings list (default http://127.0.0.1:9090). */
  server?: string;
}

const fmtS = (ns: bigint) => (Number(ns) / 1e9).toFixed(3);
const nsToS = (ns: bigint, start: bigint) => Number(ns - start) / 1e9;

export function ReplayView({ header, server = DEFAULT_SERVER }: ReplayViewProps) {
  const [rec, setRec] = useState<ReplayRecording | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [caseId, setCaseId] = useState('');
  const [events, setEvents] = useState<ReplayEvent[]>([]);
  const [showAudit, setShowAudit] = useState(false);
  const [tNs, setTNs] = useState(0n);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const [shown, setShown] = useState<Shown | null>(null);
  const [series, setSeries] = useState<Array<[number, number]>>([]);
  const [serverUrl, setServerUrl] = useState(server);
  const [list, setList] = useState<Array<{ name: string; size: number; mtime: string }> | null>(null);
  const [seekBytes, setSeekBytes] = useState(0);

  const open = useCallback(async (make: () => Promise<ReplayRecording>) => {
    setBusy(true);
    setError(null);
    setPlaying(false);
    try {
      const r = await make();
      const meta = await r.metadata();
      setCaseId(meta.get('case')?.case_id ?? r.source.name);
      setEvents(await r.events());
      setShown(null);
      setSeries([]);
      seriesEnd.current = null;
      setRec(r);
      setTNs(r.startNs);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }, []);

  const openFiles = (files: FileList | null) => {
    const all = [...(files ?? [])];
    // A bundle folder: its recording (the first .mcap, by path).
    const mcap = all
      .filter((f) => f.name.toLowerCase().endsWith('.mcap'))
      .sort((a, b) => (a.webkitRelativePath || a.name).localeCompare(b.webkitRelativePath || b.name))[0];
    if (!mcap) {
      if (all.length)
        setError(`${all[0]!.webkitRelativePath || all[0]!.name}: no .mcap recording in what was chosen`);
      return;
    }
    void open(() => ReplayRecording.open(blobReadable(mcap, mcap.webkitRelativePath || mcap.name)));
  };

  const listServer = async () => {
    setError(null);
    try {
      const res = await fetch(`${serverUrl.replace(/\/+$/, '')}/cases`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      setList((await res.json()) as Array<{ name: string; size: number; mtime: string }>);
    } catch (e) {
      setList(null);
      setError(`${serverUrl}/cases: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  // The state at tNs: one read in flight at a time; the latest wanted instant wins.
  const wanted = useRef(0n);
  const inFlight = useRef(false);
  const refresh = useCallback(async (r: ReplayRecording) => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      for (;;) {
        const at = wanted.current;
        const before = r.source.bytesRead;
        const state = await r.stateAt(at, STATE_TOPICS);
        setSeekBytes(r.source.bytesRead - before);
        setShown({ atNs: at, state });
        if (wanted.current === at) break;
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      inFlight.current = false;
    }
  }, []);
  useEffect(() => {
    if (!rec) return;
    wanted.current = tNs;
    void refresh(rec);
  }, [rec, tNs, refresh]);

  // Tracking error up to now (the last PLOT_WINDOW_S seconds): reloaded on seeks, extended while playing.
  const seriesEnd = useRef<bigint | null>(null);
  const seriesBusy = useRef(false);
  const playingRef = useRef(false);
  playingRef.current = playing;
  const loadSeries = useCallback(async (r: ReplayRecording) => {
    if (seriesBusy.current) return;
    seriesBusy.current = true;
    try {
      while (seriesEnd.current !== wanted.current) {
        const at = wanted.current;
        const from = at - BigInt(PLOT_WINDOW_S * 1e9);
        const last = seriesEnd.current;
        const extend = playingRef.current && last !== null && last <= at && at - last < 2_000_000_000n;
        const t0 = extend ? last + 1n : from > r.startNs ? from : r.startNs;
        const msgs = await r.collect<InsertionStatus>(['/robot/insertion_status'], t0, at);
        const pts = msgs.map((m): [number, number] => [
          nsToS(m.logTimeNs, r.startNs),
          m.message.tracking_error_um,
        ]);
        const fromS = nsToS(from, r.startNs);
        setSeries((old) => (extend ? [...old.filter(([x]) => x >= fromS), ...pts] : pts));
        seriesEnd.current = at;
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      seriesBusy.current = false;
    }
  }, []);
  useEffect(() => {
    if (rec) void loadSeries(rec);
  }, [rec, tNs, loadSeries]);

  // Playback: recorded time advances by wall time × speed, stopping at the end.
  const tRef = useRef(0n);
  tRef.current = tNs;
  useEffect(() => {
    if (!playing || !rec) return;
    let last = performance.now();
    let frame = 0;
    const step = (now: number) => {
      const next = tRef.current + BigInt(Math.round((now - last) * 1e6 * speed));
      last = now;
      if (next >= rec.endNs) {
        tRef.current = rec.endNs;
        setTNs(rec.endNs);
        setPlaying(false);
        return;
      }
      tRef.current = next;
      setTNs(next);
      frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, rec]);

  const seek = (ns: bigint) => {
    if (!rec) return;
    setTNs(ns < rec.startNs ? rec.startNs : ns > rec.endNs ? rec.endNs : ns);
  };

  const ins = shown?.state.get('/robot/insertion_status');
  const status = ins?.message as InsertionStatus | undefined;
  const safety = shown?.state.get('/robot/safety_state')?.message as SafetyState | undefined;
  const bci = shown?.state.get('/bci/summary')?.message as BciSummary | undefined;
  const joints = shown?.state.get('/joint_states')?.message as JointState | undefined;
  const durationMs = rec ? Math.round(Number(rec.endNs - rec.startNs) / 1e6) : 0;
  const posMs = rec ? Math.round(Number(tNs - rec.startNs) / 1e6) : 0;
  const visibleEvents = events.filter((e) => showAudit === (e.kind === 'audit'));

  return (
    <div className="replay" data-testid="replay-view">
      <section className="rp-side">
        {header}
        <h3>Replay</h3>
        <label>
          Recording (.mcap)
          <input
            type="file"
            accept=".mcap"
            data-testid="replay-file"
            onChange={(e) => openFiles(e.currentTarget.files)}
          />
        </label>
        <label>
          Case bundle folder
          <input
            type="file"
            data-testid="replay-folder"
            ref={(el) => el?.setAttribute('webkitdirectory', '')}
            onChange={(e) => openFiles(e.currentTarget.files)}
          />
        </label>
        <div className="rp-server">
          <input
            value={serverUrl}
            onChange={(e) => setServerUrl(e.currentTarget.value)}
            aria-label="Robot server"
            data-testid="replay-server"
          />
          <button onClick={() => void listServer()} data-testid="replay-list">
            List recordings
          </button>
        </div>
        {list && (
          <ul className="rp-list" data-testid="replay-server-list">
            {list.length === 0 && <li>no recordings on the server</li>}
            {list.map((f) => (
              <li key={f.name}>
                <button
                  onClick={() =>
                    void open(async () =>
                      ReplayRecording.open(
                        await httpReadable(
                          `${serverUrl.replace(/\/+$/, '')}/cases/${encodeURIComponent(f.name)}`,
                        ),
                      ),
                    )
                  }
                >
                  {f.name}
                </button>
                <span>
                  {(f.size / 1e6).toFixed(1)} MB, {new Date(f.mtime).toLocaleString()}
                </span>
              </li>
            ))}
          </ul>
        )}
        {busy && <p>Opening…</p>}
        {error && (
          <p className="rp-error" role="alert" data-testid="replay-error">
            {error}
          </p>
        )}
        {rec && (
          <div className="rp-events">
            <div className="rp-row">
              <h3>{showAudit ? 'Audit trail' : 'Events'}</h3>
              <label className="rp-inline">
                <input
                  type="checkbox"
                  checked={showAudit}
                  onChange={(e) => setShowAudit(e.currentTarget.checked)}
                />
                audit
              </label>
            </div>
            <ol data-testid="replay-events">
              {visibleEvents.map((e, i) => (
                <li
                  key={i}
                  className={`rp-ev rp-${e.kind} ${e.severity ?? ''} ${e.timeNs <= tNs ? 'past' : ''}`}
                >
                  <button onClick={() => seek(e.timeNs)} data-time-ns={String(e.timeNs)}>
                    <span className="rp-t">{nsToS(e.timeNs, rec.startNs).toFixed(2)} s</span> {e.summary}
                  </button>
                </li>
              ))}
            </ol>
          </div>
        )}
      </section>
      {rec ? (
        <section className="rp-main">
          <div className="rp-timeline">
            <button
              data-testid="replay-play"
              onClick={() => {
                if (!playing && tNs >= rec.endNs) seek(rec.startNs);
                setPlaying((p) => !p);
              }}
              aria-pressed={playing}
            >
              {playing ? 'Pause' : 'Play'}
            </button>
            <select
              data-testid="replay-speed"
              value={speed}
              onChange={(e) => setSpeed(Number(e.currentTarget.value))}
              aria-label="Speed"
            >
              {SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {s}×
                </option>
              ))}
            </select>
            <input
              type="range"
              data-testid="replay-scrubber"
              aria-label="Time"
              min={0}
              max={durationMs}
              step={1}
              value={posMs}
              onChange={(e) => seek(rec.startNs + BigInt(Number(e.currentTarget.value)) * 1_000_000n)}
            />
            <span data-testid="replay-time" data-time-ns={String(tNs)}>
              {(posMs / 1000).toFixed(3)} / {(durationMs / 1000).toFixed(3)} s
            </span>
          </div>
          <div className="rp-title">
            <strong data-testid="replay-case">{caseId}</strong>{' '}
            <span data-testid="replay-source">{rec.source.name}</span>{' '}
            <span
              className="rp-dim"
              data-testid="replay-bytes"
              data-seek-bytes={seekBytes}
              data-file-size={rec.source.fileSize}
            >
              read {(rec.source.bytesRead / 1e6).toFixed(2)} of {(rec.source.fileSize / 1e6).toFixed(2)} MB
            </span>
          </div>
          <div className="rp-panels" data-testid="replay-state" data-at-ns={shown ? String(shown.atNs) : ''}>
            <div className="rp-panel">
              <h4>Needle</h4>
              <DepthGauge
                depthMm={status?.depth_mm ?? 0}
                targetMm={status?.target_depth_mm ?? 0}
                phase={status?.phase ?? ''}
              />
            </div>
            <div className="rp-panel">
              <h4>Insertion</h4>
              {status ? (
                <table className="rp-table">
                  <tbody>
                    <tr>
                      <th>phase</th>
                      <td data-testid="replay-phase">{status.phase}</td>
                    </tr>
                    <tr>
                      <th>trajectory</th>
                      <td data-testid="replay-trajectory">{status.trajectory_id || '—'}</td>
                    </tr>
                    <tr>
                      <th>depth</th>
                      <td>
                        <span
                          data-testid="replay-depth"
                          data-value={status.depth_mm}
                          data-log-ns={String(ins!.logTimeNs)}
                        >
                          {status.depth_mm.toFixed(3)}
                        </span>{' '}
                        / {status.target_depth_mm.toFixed(2)} mm
                      </td>
                    </tr>
                    <tr>
                      <th>velocity</th>
                      <td>{status.velocity_mm_per_s.toFixed(2)} mm/s</td>
                    </tr>
                    <tr>
                      <th>tracking error</th>
                      <td data-testid="replay-tracking">{status.tracking_error_um.toFixed(1)} µm</td>
                    </tr>
                    <tr>
                      <th>tissue displacement</th>
                      <td>{status.tissue_displacement_um.toFixed(1)} µm</td>
                    </tr>
                    <tr>
                      <th>force</th>
                      <td>{status.force_n.toFixed(3)} N</td>
                    </tr>
                  </tbody>
                </table>
              ) : (
                <p className="rp-dim">no insertion status yet</p>
              )}
            </div>
            <div className="rp-panel">
              <h4>Safety</h4>
              {safety ? (
                <ul className="rp-flags" data-testid="replay-safety">
                  <li className={safety.estop_latched ? 'bad' : 'ok'}>
                    e-stop {safety.estop_latched ? 'LATCHED' : 'clear'}
                  </li>
                  <li className={safety.deadman_ok ? 'ok' : 'bad'}>
                    deadman {safety.deadman_ok ? 'ok' : 'lost'}
                  </li>
                  <li className={safety.motion_enabled ? 'ok' : 'bad'}>
                    motion {safety.motion_enabled ? 'enabled' : 'disabled'}
                  </li>
                  <li>controller: {safety.controller || 'none'}</li>
                  <li className={safety.plan_approved ? 'ok' : 'bad'}>
                    plan {safety.plan_approved ? 'approved' : 'not approved'}
                  </li>
                  <li className={safety.registration_ok ? 'ok' : 'bad'}>
                    registration {safety.registration_ok ? 'ok' : 'missing'}
                  </li>
                  {safety.blocking_reasons.map((r, i) => (
                    <li key={i} className="bad">
                      {r}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="rp-dim">no safety state yet</p>
              )}
              {joints && (
                <p className="rp-dim" data-testid="replay-joints">
                  {joints.name.map((n, i) => `${n} ${(joints.position[i] ?? 0).toFixed(3)}`).join(' · ')}
                </p>
              )}
            </div>
            <div className="rp-panel">
              <h4>BCI</h4>
              {bci ? <BciPanel summary={bci} /> : <p className="rp-dim">not recorded</p>}
            </div>
          </div>
          <div className="rp-plot">
            <h4>Tracking error (µm), last {PLOT_WINDOW_S} s</h4>
            <ErrorPlot points={series} nowS={nsToS(tNs, rec.startNs)} windowS={PLOT_WINDOW_S} />
          </div>
          <p className="rp-dim">
            {new Date(Number(tNs / 1_000_000n)).toISOString()} (ROS time {fmtS(tNs)} s)
            {shown && shown.atNs !== tNs ? ' · loading…' : ''}
          </p>
        </section>
      ) : (
        <section className="rp-main rp-empty">
          <p>Open a recording: a .mcap file, a case bundle folder, or one from the robot's list.</p>
        </section>
      )}
    </div>
  );
}

function BciPanel({ summary }: { summary: BciSummary }) {
  const byElectrode = new Map<string, Map<string, number>>();
  for (const c of summary.channels) {
    const m = byElectrode.get(c.electrode_id) ?? new Map<string, number>();
    m.set(c.verdict, (m.get(c.verdict) ?? 0) + 1);
    byElectrode.set(c.electrode_id, m);
  }
  return (
    <table className="rp-table" data-testid="replay-bci">
      <tbody>
        {[...byElectrode].map(([e, m]) => (
          <tr key={e}>
            <th>{e}</th>
            <td>
              {[...m]
                .sort((a, b) => b[1] - a[1])
                .map(([v, n]) => `${n} ${v}`)
                .join(', ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

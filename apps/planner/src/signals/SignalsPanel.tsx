/**
 * The signals panel: each electrode's channel map coloured by verdict (contact 1, the tip, at the bottom; click a
 * contact to select it), the legend with counts, the placement line of each electrode, the reasons of the
 * selected channels, live traces and a spike raster of the last snippet, and the impedance table. It shows what
 * it is given (messages with their wire field names) and asks for snippets of the selected channels through
 * `onRequestSnippet` when the selection changes and every `refreshMs` while channels are selected.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { BciChannelReport, BciSnippet, BciSummary } from '@neuroplan/ros-messages';
import {
  detectSpikes,
  electrodeColumns,
  envelope,
  formatImpedance,
  parseElectrodeVerdict,
  snippetColumn,
  VERDICT_ORDER,
  verdictColor,
  verdictCounts,
  verdictLabel,
} from './signalsModel.ts';
import './signals.css';

export interface SignalsPanelProps {
  summary: BciSummary | null;
  snippet: BciSnippet | null;
  /** Selected amplifier channel indices. */
  selected: number[];
  onSelect(channels: number[]): void;
  onRequestSnippet?(channels: number[]): void;
  /** Spike threshold of the raster, in robust σ (MAD/0.6745) of the 300–6000 Hz band (default 4.5). */
  kSigma?: number;
  /** Re-request the selected channels' snippet this often, ms (default 1000; 0: on selection only). */
  refreshMs?: number;
}

export function SignalsPanel(props: SignalsPanelProps) {
  const { summary, snippet, selected, onSelect, onRequestSnippet, kSigma = 4.5, refreshMs = 1000 } = props;
  const channels = useMemo(() => summary?.channels ?? [], [summary]);
  const columns = useMemo(() => electrodeColumns(channels), [channels]);
  const counts = useMemo(() => verdictCounts(channels), [channels]);
  const byIndex = useMemo(() => new Map(channels.map((c) => [c.index, c])), [channels]);
  const placements = useMemo(() => (summary?.electrode_verdicts ?? []).map(parseElectrodeVerdict), [summary]);

  // Ask for the selection's snippet now and then; the callback stays out of the effect's dependencies.
  const request = useRef(onRequestSnippet);
  request.current = onRequestSnippet;
  const selectionKey = selected.join(',');
  useEffect(() => {
    const chosen = selectionKey === '' ? [] : selectionKey.split(',').map(Number);
    if (chosen.length === 0 || !request.current) return;
    request.current(chosen);
    if (!(refreshMs > 0)) return;
    const id = setInterval(() => request.current?.(chosen), refreshMs);
    return () => clearInterval(id);
  }, [selectionKey, refreshMs]);

  const toggle = (index: number): void =>
    onSelect(
      selected.includes(index)
        ? selected.filter((c) => c !== index)
        : [...selected, index].sort((a, b) => a - b),
    );

  if (!summary)
    return (
      <section className="signals-panel" data-testid="signals-panel" data-state="waiting">
        <h3>Signals</h3>
        <p className="signals-empty">No BCI summary yet (waiting for /bci/summary).</p>
      </section>
    );

  const selectedReports = selected.flatMap((i) => {
    const r = byIndex.get(i);
    return r ? [r] : [];
  });
  return (
    <section className="signals-panel" data-testid="signals-panel" data-state="live">
      <h3>Signals</h3>
      <ul className="signals-legend" data-testid="signals-legend">
        {VERDICT_ORDER.map((v) => (
          <li key={v} data-verdict={v} data-count={counts[v] ?? 0}>
            <span className="signals-swatch" style={{ background: verdictColor(v) }} />
            {verdictLabel(v)} ({counts[v] ?? 0})
          </li>
        ))}
      </ul>
      <div className="signals-maps">
        {columns.map((e) => (
          <div className="signals-electrode" key={e.electrodeId} data-electrode={e.electrodeId}>
            <div className="signals-electrode-title">{e.electrodeId}</div>
            {/* Shallowest contact on top, contact 1 (the tip) at the bottom, as the electrode sits in the head. */}
            <div className="signals-contacts">
              {e.contacts.map((c) => (
                <button
                  key={c.index}
                  type="button"
                  className={`signals-contact${selected.includes(c.index) ? ' selected' : ''}`}
                  style={{ background: verdictColor(c.verdict) }}
                  title={`${c.label}: ${verdictLabel(c.verdict)}${c.reasons.length ? `\n${c.reasons.join('\n')}` : ''}`}
                  aria-pressed={selected.includes(c.index)}
                  data-testid="signals-contact"
                  data-channel={c.index}
                  data-verdict={c.verdict}
                  onClick={() => toggle(c.index)}
                >
                  {c.contact_number}
                </button>
              ))}
            </div>
          </div>
        ))}
      </div>
      {placements.length > 0 && (
        <ul className="signals-placements" data-testid="signals-placements">
          {placements.map((p, i) => (
            <li key={i} data-verdict={p.verdict}>
              {p.electrodeId && <strong>{p.electrodeId}</strong>}{' '}
              {p.verdict && <em>{verdictLabel(p.verdict)}</em>} {p.text}
            </li>
          ))}
        </ul>
      )}
      {selectedReports.length > 0 && (
        <div className="signals-reasons" data-testid="signals-reasons">
          {selectedReports.map((c) => (
            <div key={c.index} style={{ borderColor: verdictColor(c.verdict) }} data-channel={c.index}>
              <strong>
                {c.label}: {verdictLabel(c.verdict)}
              </strong>
              <ul>
                {c.reasons.map((r, i) => (
                  <li key={i}>{r}</li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      <Traces snippet={snippet} reports={byIndex} />
      <Raster snippet={snippet} reports={byIndex} kSigma={kSigma} />
      <ImpedanceTable channels={channels} selected={selected} onToggle={toggle} />
    </section>
  );
}

const TRACE_ROW_PX = 56;

function Traces(props: { snippet: BciSnippet | null; reports: Map<number, BciChannelReport> }) {
  const { snippet, reports } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = snippet?.channels.length ?? 0;
  useEffect(() => {
    const cv = canvas.current;
    const ctx = cv?.getContext('2d');
    if (!cv || !ctx || !snippet || rows === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(100, Math.round(cv.clientWidth));
    const h = rows * TRACE_ROW_PX;
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0b0e11';
    ctx.fillRect(0, 0, w, h);
    ctx.font = '11px sans-serif';
    for (let j = 0; j < rows; j++) {
      let x: Float64Array;
      try {
        x = snippetColumn(snippet, j);
      } catch {
        continue; // a malformed snippet: nothing to draw for it
      }
      if (x.length === 0) continue;
      // Each row on its own scale around its mean (traces differ by orders of magnitude).
      let mean = 0;
      for (const v of x) mean += v / x.length;
      let span = 20;
      for (const v of x) span = Math.max(span, Math.abs(v - mean));
      const y0 = j * TRACE_ROW_PX + TRACE_ROW_PX / 2;
      const k = (TRACE_ROW_PX / 2 - 3) / span;
      const env = envelope(x, w);
      const report = reports.get(snippet.channels[j]!);
      ctx.strokeStyle = verdictColor(report?.verdict ?? '');
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let p = 0; p < w; p++) {
        const lo = env[2 * p]!;
        const hi = env[2 * p + 1]!;
        if (Number.isNaN(lo)) continue;
        ctx.moveTo(p + 0.5, y0 - (hi - mean) * k);
        ctx.lineTo(p + 0.5, y0 - (lo - mean) * k + 1);
      }
      ctx.stroke();
      ctx.fillStyle = '#c8d0d8';
      ctx.fillText(
        `${report?.label ?? `channel ${snippet.channels[j]}`}  ±${span.toFixed(0)} µV`,
        4,
        j * TRACE_ROW_PX + 12,
      );
    }
  }, [snippet, reports, rows]);
  if (!snippet || rows === 0)
    return (
      <p className="signals-empty" data-testid="signals-traces-empty">
        Select contacts to see their traces.
      </p>
    );
  return (
    <figure className="signals-traces">
      <canvas ref={canvas} data-testid="signals-traces" style={{ height: rows * TRACE_ROW_PX }} />
      <figcaption>
        Raw traces, last {(snippet.sample_count / snippet.sample_rate_hz).toFixed(2)} s at{' '}
        {(snippet.sample_rate_hz / 1000).toFixed(0)} kHz
      </figcaption>
    </figure>
  );
}

function Raster(props: {
  snippet: BciSnippet | null;
  reports: Map<number, BciChannelReport>;
  kSigma: number;
}) {
  const { snippet, reports, kSigma } = props;
  const spikes = useMemo(() => {
    if (!snippet || snippet.channels.length === 0 || !(snippet.sample_rate_hz > 0)) return null;
    try {
      return snippet.channels.map((_, j) =>
        detectSpikes(snippetColumn(snippet, j), snippet.sample_rate_hz, kSigma),
      );
    } catch {
      return null;
    }
  }, [snippet, kSigma]);
  if (!snippet || !spikes || snippet.sample_count === 0) return null;
  const row = 14;
  const width = 400;
  const n = snippet.sample_count;
  const durationS = n / snippet.sample_rate_hz;
  return (
    <figure className="signals-raster">
      <svg
        data-testid="signals-raster"
        viewBox={`0 0 ${width} ${spikes.length * row}`}
        preserveAspectRatio="none"
        style={{ height: spikes.length * row }}
        role="img"
        aria-label="Spike raster"
      >
        {spikes.map((times, j) => {
          const channel = snippet.channels[j]!;
          const color = verdictColor(reports.get(channel)?.verdict ?? '');
          return (
            <g key={j} data-channel={channel} data-spikes={times.length}>
              {times.map((t, i) => {
                const x = (t / n) * width;
                return (
                  <line
                    key={i}
                    x1={x}
                    x2={x}
                    y1={j * row + 2}
                    y2={j * row + row - 2}
                    stroke={color}
                    strokeWidth={1.5}
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption>
        Threshold crossings below −{kSigma} σ (σ = MAD/0.6745, 300–6000 Hz):{' '}
        {snippet.channels
          .map((c, j) => `${reports.get(c)?.label ?? c} ${(spikes[j]!.length / durationS).toFixed(1)} Hz`)
          .join(', ')}
      </figcaption>
    </figure>
  );
}

function ImpedanceTable(props: {
  channels: BciChannelReport[];
  selected: number[];
  onToggle(index: number): void;
}) {
  return (
    <table className="signals-table" data-testid="signals-impedance">
      <thead>
        <tr>
          <th>Channel</th>
          <th>Verdict</th>
          <th>|Z| at 1 kHz</th>
          <th>Phase</th>
          <th>Noise (µV)</th>
          <th>Spikes (Hz)</th>
        </tr>
      </thead>
      <tbody>
        {props.channels.map((c) => (
          <tr
            key={c.index}
            className={props.selected.includes(c.index) ? 'selected' : ''}
            title={c.reasons.join('\n')}
            data-testid="signals-impedance-row"
            data-channel={c.index}
            onClick={() => props.onToggle(c.index)}
          >
            <td>{c.label}</td>
            <td>
              <span className="signals-swatch" style={{ background: verdictColor(c.verdict) }} />
              {verdictLabel(c.verdict)}
            </td>
            <td data-col="impedance">{formatImpedance(c.impedance_kohm)}</td>
            <td data-col="phase">{c.impedance_kohm > 0 ? `${c.impedance_phase_deg.toFixed(0)}°` : '—'}</td>
            <td>{c.noise_uv.toFixed(1)}</td>
            <td>{c.spike_rate_hz.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

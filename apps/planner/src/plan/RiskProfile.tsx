/**
 * The selected trajectory's risk along its depth: the electrode's clearance to vessels, ventricles and
 * sulci (mm, left axis), the combined risk (0–1, right axis, shaded), the required vessel clearance as a
 * dashed line, and the riskiest point marked. Hovering moves the linked cursor to that point of the path
 * so the 2D and 3D views follow.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { requiredClearanceMm, type Vec3 } from '@neuroplan/planning';
import { useStore } from '../store/index.ts';
import './plan.css';

const HEIGHT = 128;
const PAD = { left: 44, right: 40, top: 18, bottom: 22 };
/** Clearances above this are drawn at the top edge (the plot is about the close approaches). */
const CLEARANCE_TOP_MM = 15;
const CLEARANCE_BOTTOM_MM = -2;
const STRUCTURES = [
  { key: 'vessel', label: 'vessel', color: '#ff5a5a' },
  { key: 'ventricle', label: 'ventricle', color: '#4fa3ff' },
  { key: 'sulcus', label: 'sulcus', color: '#d8c25a' },
] as const;

function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => e && setWidth(Math.max(200, e.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export function RiskProfile() {
  const selectedId = useStore((s) => s.selectedId);
  const assessment = useStore((s) => (s.selectedId ? s.assessments[s.selectedId] : undefined));
  const constraints = useStore((s) => s.constraints);
  const setCursor = useStore((s) => s.setCursor);
  const [ref, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);

  const plot = useMemo(() => {
    if (!assessment) return null;
    const p = assessment.risk.profile;
    const n = p.depthMm.length;
    const lengthMm = assessment.geometry.lengthMm;
    const w = width - PAD.left - PAD.right;
    const h = HEIGHT - PAD.top - PAD.bottom;
    const x = (d: number): number => PAD.left + (d / lengthMm) * w;
    const yC = (c: number): number => {
      const v = Math.min(CLEARANCE_TOP_MM, Math.max(CLEARANCE_BOTTOM_MM, c));
      return PAD.top + ((CLEARANCE_TOP_MM - v) / (CLEARANCE_TOP_MM - CLEARANCE_BOTTOM_MM)) * h;
    };
    const yR = (r: number): number => PAD.top + (1 - r) * h;
    const line = (values: Float32Array, y: (v: number) => number): string =>
      Array.from({ length: n }, (_, i) => `${x(p.depthMm[i]!).toFixed(1)},${y(values[i]!).toFixed(1)}`).join(
        ' ',
      );
    const riskArea =
      `${x(0).toFixed(1)},${yR(0).toFixed(1)} ` +
      line(p.risk, yR) +
      ` ${x(lengthMm).toFixed(1)},${yR(0).toFixed(1)}`;
    const ticks: number[] = [];
    const step = lengthMm > 60 ? 10 : 5;
    for (let d = 0; d <= lengthMm + 1e-6; d += step) ticks.push(d);
    return { p, n, lengthMm, x, yC, yR, line, riskArea, ticks, w, h };
  }, [assessment, width]);

  if (!selectedId || !assessment || !plot)
    return (
      <div ref={ref} className="risk-profile empty" data-testid="risk-profile-empty">
        Select a trajectory to see its risk profile along depth.
      </div>
    );

  const { p, n, lengthMm, x, yC, yR, line, riskArea, ticks } = plot;
  const required = requiredClearanceMm(constraints);
  const riskiest = assessment.risk.riskiestDepthMm;
  const riskiestIdx = Math.min(n - 1, Math.max(0, Math.round((riskiest / lengthMm) * (n - 1))));
  const pointAt = (depthMm: number): Vec3 => {
    const { entryLps } = assessment.trajectory;
    const d = assessment.geometry.directionLps;
    return [entryLps[0] + d[0] * depthMm, entryLps[1] + d[1] * depthMm, entryLps[2] + d[2] * depthMm];
  };
  const onMove = (e: React.MouseEvent<SVGSVGElement>): void => {
    const box = e.currentTarget.getBoundingClientRect();
    const frac = (e.clientX - box.left - PAD.left) / (box.width - PAD.left - PAD.right);
    if (frac < 0 || frac > 1) return;
    const i = Math.round(frac * (n - 1));
    setHover(i);
    setCursor(pointAt(p.depthMm[i]!));
  };
  const hoverDepth = hover !== null ? p.depthMm[hover]! : null;

  return (
    <div ref={ref} className="risk-profile">
      <svg
        data-testid="risk-profile"
        width={width}
        height={HEIGHT}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        role="img"
        aria-label={`Risk profile of ${selectedId} along its ${lengthMm.toFixed(1)} mm depth`}
      >
        <text x={PAD.left} y={12} className="rp-title">
          {selectedId}: clearance (mm) and risk along depth (mm from the entry)
        </text>
        <polygon points={riskArea} className="rp-risk" data-testid="risk-area" />
        {ticks.map((d) => (
          <g key={d}>
            <line x1={x(d)} x2={x(d)} y1={PAD.top} y2={HEIGHT - PAD.bottom} className="rp-grid" />
            <text x={x(d)} y={HEIGHT - 6} className="rp-tick" textAnchor="middle">
              {d} mm
            </text>
          </g>
        ))}
        {[0, 5, 10, CLEARANCE_TOP_MM].map((c) => (
          <text key={c} x={PAD.left - 4} y={yC(c) + 3} className="rp-tick" textAnchor="end">
            {c} mm
          </text>
        ))}
        {[0, 0.5, 1].map((r) => (
          <text key={r} x={plot.w + PAD.left + 4} y={yR(r) + 3} className="rp-tick">
            risk {r}
          </text>
        ))}
        <line
          x1={PAD.left}
          x2={x(lengthMm)}
          y1={yC(required.vessel)}
          y2={yC(required.vessel)}
          className="rp-required"
          data-testid="required-clearance"
        />
        <text x={x(lengthMm) - 2} y={yC(required.vessel) - 3} className="rp-required-label" textAnchor="end">
          required vessel clearance {required.vessel.toFixed(1)} mm
        </text>
        {STRUCTURES.map((s) => (
          <polyline
            key={s.key}
            points={line(p.clearanceMm[s.key], yC)}
            fill="none"
            stroke={s.color}
            strokeWidth={1.5}
            data-testid={`clearance-${s.key}`}
          />
        ))}
        <circle
          cx={x(riskiest)}
          cy={yR(p.risk[riskiestIdx]!)}
          r={5}
          className="rp-riskiest"
          data-testid="riskiest-point"
        >
          <title>
            riskiest point: risk {assessment.risk.riskiestRisk.toFixed(2)} at {riskiest.toFixed(1)} mm depth
          </title>
        </circle>
        {hoverDepth !== null && hover !== null && (
          <g data-testid="risk-hover">
            <line
              x1={x(hoverDepth)}
              x2={x(hoverDepth)}
              y1={PAD.top}
              y2={HEIGHT - PAD.bottom}
              className="rp-hover"
            />
            <text x={x(hoverDepth) + 4} y={PAD.top + 10} className="rp-hover-label">
              {hoverDepth.toFixed(1)} mm: vessel {p.clearanceMm.vessel[hover]!.toFixed(1)} mm, ventricle{' '}
              {p.clearanceMm.ventricle[hover]!.toFixed(1)} mm, risk {p.risk[hover]!.toFixed(2)}
            </text>
          </g>
        )}
      </svg>
      <div className="rp-legend">
        {STRUCTURES.map((s) => (
          <span key={s.key} style={{ color: s.color }}>
            — {s.label} clearance (mm)
          </span>
        ))}
        <span className="rp-legend-risk">▮ risk (0–1)</span>
        <span className="rp-legend-riskiest">
          ● riskiest: risk {assessment.risk.riskiestRisk.toFixed(2)} at {riskiest.toFixed(1)} mm depth
        </span>
      </div>
    </div>
  );
}

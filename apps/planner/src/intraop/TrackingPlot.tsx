/** Live plot of the tracking error and the tissue motion (µm) over the last 20 s, on a canvas. */
import { useEffect, useRef } from 'react';
import { trackingSeries } from './robotStore.ts';

const WINDOW_S = 20;

export function TrackingPlot() {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current!;
    let frame = 0;
    let lastMs = 0;
    const draw = (now0: number): void => {
      frame = requestAnimationFrame(draw);
      // 10 redraws a second are plenty for a 20 s window, and leave the page's thread to the heartbeat.
      if (now0 - lastMs < 100) return;
      lastMs = now0;
      const w = (c.width = c.clientWidth);
      const h = (c.height = c.clientHeight);
      const g = c.getContext('2d');
      if (!g || w === 0 || h === 0) return;
      g.fillStyle = '#0b0e11';
      g.fillRect(0, 0, w, h);
      const s = trackingSeries;
      const now = performance.now() / 1000;
      let max = 10;
      for (let i = 0; i < s.t.length; i++)
        if (now - s.t[i]! <= WINDOW_S) max = Math.max(max, s.trackingUm[i]!, s.tissueUm[i]!);
      const x = (t: number) => w - ((now - t) / WINDOW_S) * w;
      const y = (v: number) => h - 14 - (v / (max * 1.1)) * (h - 24);
      g.strokeStyle = '#2a3036';
      g.beginPath();
      g.moveTo(0, y(0));
      g.lineTo(w, y(0));
      g.stroke();
      const series: [number[], string][] = [
        [s.trackingUm, '#ffb020'],
        [s.tissueUm, '#4aa3ff'],
      ];
      for (const [values, colour] of series) {
        g.strokeStyle = colour;
        g.lineWidth = 1.5;
        g.beginPath();
        let started = false;
        for (let i = 0; i < s.t.length; i++) {
          if (now - s.t[i]! > WINDOW_S) continue;
          if (started) g.lineTo(x(s.t[i]!), y(values[i]!));
          else g.moveTo(x(s.t[i]!), y(values[i]!));
          started = true;
        }
        g.stroke();
      }
      g.fillStyle = '#9aa7b4';
      g.font = '11px system-ui';
      g.fillText(`${(max * 1.1).toFixed(0)} µm`, 4, 12);
      g.fillStyle = '#ffb020';
      g.fillText('tracking error', 60, 12);
      g.fillStyle = '#4aa3ff';
      g.fillText('tissue motion', 150, 12);
      g.fillStyle = '#9aa7b4';
      g.fillText(`last ${WINDOW_S} s`, w - 60, h - 2);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, []);
  return <canvas className="tracking-plot" ref={canvas} data-testid="tracking-plot" />;
}

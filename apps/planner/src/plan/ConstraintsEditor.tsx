/**
 * The main hard constraints, editable: vessel margin, maximum entry angle, maximum length and the
 * targeting error the robot side predicts. A value is applied when the field is left or Enter is
 * pressed (one undo step per edit, not per keystroke); a refused value is explained by the store.
 */
import { useEffect, useState } from 'react';
import type { PlanningConstraints } from '@neuroplan/planning';
import { useStore } from '../store/index.ts';

type Key = 'minVesselClearanceMm' | 'maxEntryAngleDeg' | 'maxLengthMm' | 'targetingErrorMm';
const FIELDS: readonly { key: Key; label: string; unit: string; step: number }[] = [
  { key: 'minVesselClearanceMm', label: 'Vessel margin', unit: 'mm', step: 0.5 },
  { key: 'maxEntryAngleDeg', label: 'Max entry angle', unit: '°', step: 1 },
  { key: 'maxLengthMm', label: 'Max length', unit: 'mm', step: 5 },
  { key: 'targetingErrorMm', label: 'Targeting error', unit: 'mm', step: 0.1 },
];

function NumberField({ k, label, unit, step }: { k: Key; label: string; unit: string; step: number }) {
  const value = useStore((s) => s.constraints[k]);
  const setConstraints = useStore((s) => s.setConstraints);
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = (): void => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) {
      setText(String(value));
      return;
    }
    if (v !== value) setConstraints({ [k]: v } as Partial<PlanningConstraints>);
  };
  return (
    <label className="pp-field">
      <span>{label}</span>
      <input
        type="number"
        step={step}
        value={text}
        data-testid={`constraint-${k}`}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <span className="pp-unit">{unit}</span>
    </label>
  );
}

export function ConstraintsEditor() {
  return (
    <section className="pp-section">
      <h4>Constraints</h4>
      <div className="pp-fields">
        {FIELDS.map((f) => (
          <NumberField key={f.key} k={f.key} label={f.label} unit={f.unit} step={f.step} />
        ))}
      </div>
    </section>
  );
}

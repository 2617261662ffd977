/**
 * The plan panel: electrode model, adding trajectories by picking or by automatic entry search (ranked
 * candidates explained in words), the electrode list with the numbers a surgeon checks, the main
 * constraints, approval and export. Every number carries its unit.
 */
import { useState } from 'react';
import { requiredClearanceMm } from '@neuroplan/planning';
import { useStore } from '../store/index.ts';
import { ConstraintsEditor } from './ConstraintsEditor.tsx';
import { downloadFile } from './download.ts';
import { deg, mm, score, when } from './format.ts';
import { exportPlanFiles } from './planFilesClient.ts';
import { SHORTCUTS } from './useShortcuts.ts';
import './plan.css';

function PickControls() {
  const pickMode = useStore((s) => s.pickMode);
  const pending = useStore((s) => s.pendingTargetLps);
  const cursor = useStore((s) => s.cursorLps);
  const scene = useStore((s) => s.scene);
  const setPickMode = useStore((s) => s.setPickMode);
  const select = useStore((s) => s.select);
  const autoPlan = useStore((s) => s.autoPlan);
  const busy = useStore((s) => s.autoPlanStatus === 'working');
  const prompt =
    pickMode === 'target'
      ? 'Click the target in a view.'
      : pickMode === 'entry'
        ? pending
          ? 'Click the entry in a view, or let Auto entry search for one.'
          : 'Click the new entry of the selected trajectory in a view.'
        : null;
  return (
    <div className="pp-row pp-pick">
      <button
        data-testid="add-electrode"
        disabled={!scene}
        onClick={() => {
          select(null);
          setPickMode('target');
        }}
      >
        Add electrode
      </button>
      <button
        data-testid="auto-entry"
        disabled={!scene || busy || !(pending ?? cursor)}
        title="Search ≥ 10,000 entries for the picked target (or the cursor point)"
        onClick={() => void autoPlan((pending ?? cursor)!)}
      >
        Auto entry
      </button>
      {pickMode !== 'none' && (
        <button onClick={() => setPickMode('none')} data-testid="cancel-pick">
          Cancel (Esc)
        </button>
      )}
      {prompt && (
        <div className="pp-prompt" data-testid="pick-prompt">
          {prompt}
        </div>
      )}
    </div>
  );
}

function AutoPlanResults() {
  const status = useStore((s) => s.autoPlanStatus);
  const progress = useStore((s) => s.autoPlanProgress);
  const error = useStore((s) => s.autoPlanError);
  const candidates = useStore((s) => s.candidates);
  const explanation = useStore((s) => s.autoPlanExplanation);
  const cancel = useStore((s) => s.cancelAutoPlan);
  const accept = useStore((s) => s.acceptCandidate);
  if (status === 'idle' && !error && candidates.length === 0) return null;
  return (
    <section className="pp-section" data-testid="auto-plan">
      <h4>Automatic entries</h4>
      {status === 'working' && progress && (
        <div className="pp-row">
          <progress max={1} value={progress.fraction} data-testid="auto-plan-progress" />
          <span>
            {progress.phase} {(progress.fraction * 100).toFixed(0)} %
          </span>
          <button onClick={cancel} data-testid="auto-plan-cancel">
            Cancel
          </button>
        </div>
      )}
      {error && <div className="pp-error">{error}</div>}
      {explanation.length > 0 && (
        <ul className="pp-explain">
          {explanation.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {status === 'ready' && candidates.length === 0 && (
        <div className="pp-error">No candidate keeps every hard constraint.</div>
      )}
      {candidates.length > 0 && (
        <table className="pp-table" data-testid="candidates">
          <thead>
            <tr>
              <th>#</th>
              <th>score</th>
              <th>length</th>
              <th>vessel clearance</th>
              <th>entry angle</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {candidates.map((c, i) => {
              const a = c.assessment;
              return [
                <tr key={`c${i}`} data-testid="candidate">
                  <td>{c.rank}</td>
                  <td>{score(a.risk.score)}</td>
                  <td>{mm(a.geometry.lengthMm)}</td>
                  <td>
                    {mm(a.risk.vessel.clearanceMm)} at {mm(a.risk.vessel.depthMm)}
                  </td>
                  <td>{deg(a.entryAngleDeg)}</td>
                  <td>
                    <button onClick={() => accept(i)} data-testid="accept-candidate">
                      Accept
                    </button>
                  </td>
                </tr>,
                <tr key={`e${i}`} className="pp-explain-row">
                  <td colSpan={6}>{c.explanation}</td>
                </tr>,
              ];
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ElectrodeList() {
  const trajectories = useStore((s) => s.trajectories);
  const assessments = useStore((s) => s.assessments);
  const catalog = useStore((s) => s.catalog);
  const selectedId = useStore((s) => s.selectedId);
  const select = useStore((s) => s.select);
  const remove = useStore((s) => s.removeTrajectory);
  if (trajectories.length === 0) return <div className="pp-muted">No electrode planned yet.</div>;
  return (
    <table className="pp-table pp-electrodes" data-testid="electrode-list">
      <thead>
        <tr>
          <th>id</th>
          <th>type</th>
          <th>length</th>
          <th>score</th>
          <th>closest vessel</th>
          <th>entry angle</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {trajectories.map((t) => {
          const a = assessments[t.id];
          const model = catalog.has(t.electrodeId) ? catalog.get(t.electrodeId).name : 'unknown model';
          const rows = [
            <tr
              key={t.id}
              className={t.id === selectedId ? 'selected' : ''}
              onClick={() => select(t.id)}
              data-testid="electrode-row"
              data-id={t.id}
            >
              <td>{t.id}</td>
              <td title={model}>{t.electrodeId}</td>
              <td data-testid="length">{a ? mm(a.geometry.lengthMm) : '—'}</td>
              <td data-testid="score">{a ? score(a.risk.score) : '—'}</td>
              <td data-testid="vessel" data-clearance-mm={a?.risk.vessel.clearanceMm}>
                {a ? `${mm(a.risk.vessel.clearanceMm)} at ${mm(a.risk.vessel.depthMm)} depth` : '—'}
              </td>
              <td>{a ? deg(a.entryAngleDeg) : '—'}</td>
              <td>
                <button
                  title={`Remove ${t.id} (Delete)`}
                  onClick={(e) => {
                    e.stopPropagation();
                    remove(t.id);
                  }}
                >
                  ×
                </button>
              </td>
            </tr>,
          ];
          if (a && (a.violations.length > 0 || a.notes.length > 0))
            rows.push(
              <tr key={`${t.id}-why`} className="pp-why">
                <td colSpan={7}>
                  {a.violations.map((v, i) => (
                    <div key={`v${i}`} className="pp-violation" data-testid="violation">
                      {t.id} {v.message}
                    </div>
                  ))}
                  {a.notes.map((n, i) => (
                    <div key={`n${i}`} className="pp-note">
                      note: {n}
                    </div>
                  ))}
                </td>
              </tr>,
            );
          else if (!a)
            rows.push(
              <tr key={`${t.id}-why`} className="pp-why">
                <td colSpan={7} className="pp-muted">
                  not assessed (no planning scene yet)
                </td>
              </tr>,
            );
          return rows;
        })}
      </tbody>
    </table>
  );
}

function ApprovalBox() {
  const state = useStore((s) => s.approvalState);
  const approve = useStore((s) => s.approve);
  const count = useStore((s) => s.trajectories.length);
  const [name, setName] = useState('');
  return (
    <section className="pp-section" data-testid="approval">
      <h4>Approval</h4>
      <div className="pp-row">
        <input
          data-testid="approver-name"
          placeholder="Approver's name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button data-testid="approve" disabled={!name.trim() || count === 0} onClick={() => approve(name)}>
          Approve plan
        </button>
      </div>
      <div data-testid="approval-status" data-state={state.state} className={`pp-approval ${state.state}`}>
        {state.state === 'approved'
          ? `Approved by ${state.by} at ${when(state.at)}.`
          : state.state === 'void'
            ? `Approval void: ${state.reason.replace(state.at, when(state.at))}. Approve again after checking the plan.`
            : 'Not approved.'}
      </div>
    </section>
  );
}

function ExportBox() {
  const canExport = useStore((s) => s.scene !== null && s.trajectories.length > 0);
  const approved = useStore((s) => s.approvalState.state === 'approved');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (which: 'json' | 'markups' | 'stl'): Promise<void> => {
    setBusy(true);
    try {
      const files = await exportPlanFiles(useStore.getState());
      if (which === 'json') downloadFile(files.planJson.name, files.planJson.text, 'application/json');
      else if (which === 'markups') downloadFile(files.markups.name, files.markups.text, 'application/json');
      else downloadFile(files.stl.name, files.stl.bytes, 'model/stl');
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="pp-section">
      <h4>Export</h4>
      <div className="pp-row">
        <button data-testid="export-json" disabled={!canExport || busy} onClick={() => void run('json')}>
          Plan JSON
        </button>
        <button
          data-testid="export-markups"
          disabled={!canExport || busy}
          onClick={() => void run('markups')}
        >
          Slicer markups
        </button>
        <button data-testid="export-stl" disabled={!canExport || busy} onClick={() => void run('stl')}>
          STL
        </button>
      </div>
      {canExport && !approved && <div className="pp-muted">The plan is exported without an approval.</div>}
      {error && <div className="pp-error">{error}</div>}
    </section>
  );
}

function Help() {
  const [open, setOpen] = useState(false);
  return (
    <span className="pp-help">
      <button onClick={() => setOpen(!open)} aria-expanded={open} title="Keyboard shortcuts">
        ?
      </button>
      {open && (
        <div className="pp-popover" role="dialog" data-testid="shortcuts-help">
          <strong>Keyboard shortcuts</strong>
          <table>
            <tbody>
              {SHORTCUTS.map((k) => (
                <tr key={k.keys}>
                  <td>
                    <kbd>{k.keys}</kbd>
                  </td>
                  <td>{k.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </span>
  );
}

export function PlanPanel() {
  const catalog = useStore((s) => s.catalog);
  const electrodeId = useStore((s) => s.electrodeId);
  const setElectrodeId = useStore((s) => s.setElectrodeId);
  const canUndo = useStore((s) => s.canUndo);
  const canRedo = useStore((s) => s.canRedo);
  const undo = useStore((s) => s.undo);
  const redo = useStore((s) => s.redo);
  const planError = useStore((s) => s.planError);
  const constraints = useStore((s) => s.constraints);
  const sceneStatus = useStore((s) => s.sceneStatus);
  return (
    <section className="plan-panel" data-testid="plan-panel">
      <header className="pp-header">
        <h3>Plan</h3>
        <button onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
          Undo
        </button>
        <button onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
          Redo
        </button>
        <Help />
      </header>
      {sceneStatus !== 'ready' && (
        <div className="pp-muted">
          Planning needs the scene (skull, vessels, ventricles); it is being built.
        </div>
      )}
      <label className="pp-row">
        Electrode model
        <select
          value={electrodeId}
          onChange={(e) => setElectrodeId(e.target.value)}
          data-testid="electrode-model"
        >
          {catalog.list().map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({m.id})
            </option>
          ))}
        </select>
      </label>
      <PickControls />
      <AutoPlanResults />
      <section className="pp-section">
        <h4>
          Electrodes{' '}
          <span className="pp-muted">
            (vessel margin {mm(requiredClearanceMm(constraints).vessel)} required)
          </span>
        </h4>
        <ElectrodeList />
      </section>
      {planError && (
        <div className="pp-error" data-testid="plan-error">
          {planError}
        </div>
      )}
      <ConstraintsEditor />
      <ApprovalBox />
      <ExportBox />
    </section>
  );
}

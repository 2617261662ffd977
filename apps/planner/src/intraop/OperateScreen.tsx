/**
 * The intraoperative operator screen: connect and claim control, register the patient (fiducials, FRE,
 * predicted TRE per target), load the approved plan, move to pre-entry, insert, pause, retract, and the
 * e-stop (always enabled; Escape anywhere or Space outside text fields). The robot's safety state is shown
 * first, its blocking reasons as sentences. The planning state is not touched here.
 */
import { useEffect, useState } from 'react';
import { RobotView } from './RobotView.tsx';
import { TrackingPlot } from './TrackingPlot.tsx';
import { useRobot } from './robotStore.ts';
import { ModeSwitch } from './ModeSwitch.tsx';
import { OperatorSignals } from '../signals/OperatorSignals.tsx';
import { useStore } from '../store/index.ts';
import './operate.css';

const fmt = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** E-stop keys, in the capture phase so nothing else sees them; other plan shortcuts are held back. */
function useEstopKeys(): void {
  useEffect(() => {
    const down = (e: KeyboardEvent): void => {
      const space = e.key === ' ' && !typingInField(e.target);
      if (e.key === 'Escape' || space) {
        e.preventDefault();
        e.stopPropagation();
        void useRobot.getState().estop();
        return;
      }
      // The planning shortcuts (T, E, A, Delete, Ctrl+Z) do not apply while operating.
      if (!typingInField(e.target)) e.stopPropagation();
    };
    // A space keyup would click a focused button: never.
    const up = (e: KeyboardEvent): void => {
      if (e.key === ' ' && !typingInField(e.target)) e.preventDefault();
    };
    window.addEventListener('keydown', down, true);
    window.addEventListener('keyup', up, true);
    return () => {
      window.removeEventListener('keydown', down, true);
      window.removeEventListener('keyup', up, true);
    };
  }, []);
}

function SafetyBanner() {
  const safety = useRobot((s) => s.safety);
  const connection = useRobot((s) => s.connection);
  if (connection !== 'connected')
    return (
      <div className="safety-banner sb-blocked" data-testid="safety-banner" data-state="offline">
        <strong>{connection === 'reconnecting' ? 'Connection lost: reconnecting…' : 'Not connected'}</strong>
        <span>The robot holds when heartbeats stop; no command is sent while offline.</span>
      </div>
    );
  if (!safety)
    return (
      <div className="safety-banner sb-blocked" data-testid="safety-banner" data-state="unknown">
        <strong>Waiting for the robot’s safety state…</strong>
      </div>
    );
  const state = safety.estop_latched ? 'estop' : safety.motion_enabled ? 'enabled' : 'blocked';
  return (
    <div className={`safety-banner sb-${state}`} data-testid="safety-banner" data-state={state}>
      <strong>
        {safety.estop_latched
          ? 'EMERGENCY STOP LATCHED'
          : safety.motion_enabled
            ? 'Motion enabled'
            : 'Motion blocked'}
      </strong>
      <span>
        controller: {safety.controller || 'nobody'} · deadman {safety.deadman_ok ? 'ok' : 'NOT OK'} · plan{' '}
        {safety.plan_approved ? 'approved' : 'not loaded'} · registration{' '}
        {safety.registration_ok ? 'ok' : 'missing'}
      </span>
      {safety.blocking_reasons.length > 0 && (
        <ul data-testid="blocking-reasons">
          {safety.blocking_reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ConnectionPanel() {
  const url = useRobot((s) => s.url);
  const connection = useRobot((s) => s.connection);
  const lease = useRobot((s) => s.lease);
  const latency = useRobot((s) => s.latency);
  const busy = useRobot((s) => s.busy);
  const [operator, setOperator] = useState('');
  const [credential, setCredential] = useState('');
  const { setUrl, connect, disconnect } = useRobot.getState();
  return (
    <section className="op-section">
      <h3>Robot</h3>
      <label>
        Bridge URL
        <input data-testid="robot-url" value={url} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <label>
        Operator
        <input data-testid="operator-name" value={operator} onChange={(e) => setOperator(e.target.value)} />
      </label>
      <label>
        Credential
        <input
          data-testid="operator-credential"
          type="password"
          autoComplete="current-password"
          value={credential}
          onChange={(e) => setCredential(e.target.value)}
        />
      </label>
      <div className="op-row">
        <button
          data-testid="robot-connect"
          disabled={busy !== null || lease !== null}
          onClick={() => void connect(operator, credential)}
        >
          Connect and take control
        </button>
        <button data-testid="robot-disconnect" disabled={connection === 'disconnected'} onClick={disconnect}>
          Disconnect
        </button>
      </div>
      <p className="op-status" data-testid="connection-state" data-state={connection}>
        {connection}
        {lease ? ` · control: ${lease.operator}` : ' · no control'}
        {latency?.p50Ms != null &&
          ` · round trip ${fmt(latency.lastMs, 1)} ms (median ${fmt(latency.p50Ms, 1)} ms)`}
      </p>
    </section>
  );
}

function RegistrationPanel() {
  const registration = useRobot((s) => s.registration);
  const lease = useRobot((s) => s.lease);
  const busy = useRobot((s) => s.busy);
  const caseName = useStore((s) => s.caseName);
  const r = registration?.result;
  return (
    <section className="op-section">
      <h3>Patient registration</h3>
      <p className="op-note">
        Fiducials of {caseName || 'the open case'}; robot-side positions from the simulated patient pose
        (touch error ±0.15 mm).
      </p>
      <button
        data-testid="register"
        disabled={!lease || busy !== null}
        onClick={() => void useRobot.getState().register()}
      >
        Register patient
      </button>
      {r && (
        <div data-testid="registration-result" data-success={String(r.success)}>
          <p className={r.success ? 'ok' : 'bad'}>{r.success ? 'Registered' : `Refused: ${r.reason}`}</p>
          <p>
            FRE <b data-testid="fre">{fmt(r.fre_mm)}</b> mm · predicted TRE ≤ {fmt(r.predicted_tre_mm)} mm ·{' '}
            {r.fiducial_count} fiducials
          </p>
          <table className="op-table">
            <tbody>
              {r.fiducial_residuals_mm.map((v, i) => (
                <tr key={i}>
                  <td>F{i + 1}</td>
                  <td>{fmt(v)} mm</td>
                </tr>
              ))}
              {Object.entries(registration.treByTargetMm).map(([id, tre]) => (
                <tr key={id} data-testid="tre-row">
                  <td>TRE at {id}</td>
                  <td>{fmt(tre)} mm</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PlanAndMotionPanel() {
  const plan = useRobot((s) => s.plan);
  const lease = useRobot((s) => s.lease);
  const busy = useRobot((s) => s.busy);
  const trajectoryId = useRobot((s) => s.trajectoryId);
  const depthMm = useRobot((s) => s.depthMm);
  const insertion = useRobot((s) => s.insertion);
  const lastGoal = useRobot((s) => s.lastGoal);
  const safety = useRobot((s) => s.safety);
  const approval = useStore((s) => s.approvalState);
  const a = useRobot.getState();
  const canMove = lease !== null && plan !== null && trajectoryId !== null;
  return (
    <>
      <section className="op-section">
        <h3>Plan</h3>
        <p className="op-note" data-testid="plan-approval">
          {approval.state === 'approved'
            ? `Approved by ${approval.by}`
            : approval.state === 'void'
              ? `Approval void: ${approval.reason}`
              : 'Not approved (approve it in the Plan view)'}
        </p>
        <button data-testid="load-plan" disabled={!lease || busy !== null} onClick={() => void a.loadPlan()}>
          Load approved plan
        </button>
        {plan && (
          <p data-testid="loaded-plan">
            Loaded {plan.trajectoryIds.join(', ')} · SHA-256 {plan.sha256.slice(0, 12)}…
          </p>
        )}
        {plan && (
          <label>
            Trajectory
            <select
              data-testid="trajectory"
              value={trajectoryId ?? ''}
              onChange={(e) => a.setTrajectory(e.target.value)}
            >
              {plan.trajectoryIds.map((id) => (
                <option key={id}>{id}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Depth past the entry (mm)
          <input
            data-testid="insert-depth"
            type="number"
            step="0.5"
            value={depthMm}
            onChange={(e) => a.setDepth(Number(e.target.value))}
          />
        </label>
      </section>
      <section className="op-section">
        <h3>Motion</h3>
        <div className="op-grid">
          <button data-testid="move-pre-entry" disabled={!canMove} onClick={a.moveToPreEntry}>
            Move to pre-entry
          </button>
          <button data-testid="insert" disabled={!canMove} onClick={a.insert}>
            Insert
          </button>
          <button data-testid="pause" disabled={!canMove} onClick={a.pause}>
            Pause
          </button>
          <button data-testid="retract" disabled={!canMove} onClick={a.retract}>
            Retract
          </button>
        </div>
        {safety?.estop_latched && (
          <button data-testid="reset-estop" disabled={!lease} onClick={() => void a.resetEstop()}>
            Reset e-stop
          </button>
        )}
        <p data-testid="insertion-phase" data-phase={insertion?.phase ?? ''}>
          phase <b>{insertion?.phase ?? '—'}</b> · depth {fmt(insertion?.depth_mm)} /{' '}
          {fmt(insertion?.target_depth_mm)} mm · tracking {fmt(insertion?.tracking_error_um, 1)} µm · tissue{' '}
          {fmt(insertion?.tissue_displacement_um, 1)} µm
        </p>
        {lastGoal && (
          <p data-testid="last-goal" data-status={lastGoal.status}>
            {lastGoal.action}: {lastGoal.status}
            {lastGoal.reason && ` — ${lastGoal.reason}`}
          </p>
        )}
      </section>
    </>
  );
}

function Log() {
  const log = useRobot((s) => s.log);
  return (
    <ol className="op-log" data-testid="robot-log">
      {[...log].reverse().map((l, i) => (
        <li key={log.length - i} className={l.level}>
          {new Date(l.atMs).toISOString().slice(11, 19)} {l.text}
        </li>
      ))}
    </ol>
  );
}

export function OperateScreen() {
  useEstopKeys();
  return (
    <div className="operate" data-testid="operate-screen">
      <aside className="op-controls">
        <ModeSwitch />
        <button className="estop" data-testid="estop" onClick={() => void useRobot.getState().estop()}>
          E-STOP
          <small>Esc or Space</small>
        </button>
        <ConnectionPanel />
        <RegistrationPanel />
        <PlanAndMotionPanel />
      </aside>
      <main className="op-main">
        <SafetyBanner />
        <RobotView />
        <TrackingPlot />
        <Log />
      </main>
      <OperatorSignals />
    </div>
  );
}

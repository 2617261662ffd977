/**
 * The case panel: what is open, how to open another (demo, local folder or files by picker or drop,
 * PACS), the progress of loading and of building the scene, the series with their roles, sizes and
 * the loader's warnings, what could not be read, and the CT–MR fusion blend.
 */
import { useRef, useState, type DragEvent } from 'react';
import { useStore } from '../store/index.ts';
import type { LoadedSeries, Progress } from '../store/types.ts';
import { filesFromDrop, filesFromInput, nameOfPicked } from './localFiles.ts';
import { PacsSearch } from './PacsSearch.tsx';
import './casePanel.css';

const ROLE_NAMES: Record<LoadedSeries['role'], string> = {
  ct: 'CT',
  t1: 'T1',
  angio: 'Angio',
  other: 'Other',
};

const mm = (x: number): string => (Math.round(x * 100) / 100).toString();

function ProgressBar({ label, progress, testId }: { label: string; progress: Progress; testId: string }) {
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-label">
        {label}: {progress.phase} ({Math.round(progress.fraction * 100)} %)
      </div>
      <progress max={1} value={progress.fraction} />
    </div>
  );
}

function SeriesList({ series }: { series: LoadedSeries[] }) {
  return (
    <table className="series" data-testid="series-list">
      <thead>
        <tr>
          <th>Role</th>
          <th>Series</th>
        </tr>
      </thead>
      <tbody>
        {series.map(({ role, volume: v }) => (
          <tr key={v.id} data-role={role} data-testid="series-row">
            <td>
              <span className={`role role-${role}`}>{ROLE_NAMES[role]}</span>
            </td>
            <td>
              <div>
                <span className="modality">{v.modality}</span> {v.metadata.seriesDescription || v.id}
              </div>
              <div className="dims muted">
                <span data-testid="series-dims">{v.dimensions.join(' × ')}</span> voxels,{' '}
                <span data-testid="series-spacing">{v.spacingMm.map(mm).join(' × ')}</span> mm
              </div>
              {v.warnings.length > 0 && (
                <ul className="warnings">
                  {v.warnings.map((w, i) => (
                    <li key={i}>{w}</li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CasePanel() {
  const caseName = useStore((s) => s.caseName);
  const caseStatus = useStore((s) => s.caseStatus);
  const caseProgress = useStore((s) => s.caseProgress);
  const caseError = useStore((s) => s.caseError);
  const series = useStore((s) => s.series);
  const loadErrors = useStore((s) => s.loadErrors);
  const sceneStatus = useStore((s) => s.sceneStatus);
  const sceneProgress = useStore((s) => s.sceneProgress);
  const sceneError = useStore((s) => s.sceneError);
  const mrToCtLps = useStore((s) => s.mrToCtLps);
  const fusionBlend = useStore((s) => s.fusionBlend);
  const setFusionBlend = useStore((s) => s.setFusionBlend);
  const openDemoCase = useStore((s) => s.openDemoCase);
  const openFiles = useStore((s) => s.openFiles);
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const busy = caseStatus === 'working';
  const hasMr = series.some((s) => s.role === 't1' || s.role === 'angio');

  const onPicked = (list: FileList | null) => {
    const files = filesFromInput(list);
    if (files.length > 0) void openFiles(files, nameOfPicked(files));
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void filesFromDrop(e.dataTransfer).then(({ files, name }) => openFiles(files, name));
  };

  return (
    <section
      className={`case-panel${dragging ? ' dragging' : ''}`}
      data-testid="case-panel"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <h2 data-testid="case-name">{caseName || 'No case open'}</h2>
      <div className="case-buttons">
        <button type="button" disabled={busy} onClick={() => void openDemoCase()}>
          Demo case
        </button>
        <button type="button" disabled={busy} onClick={() => folderInput.current?.click()}>
          Open folder…
        </button>
        <button type="button" disabled={busy} onClick={() => filesInput.current?.click()}>
          Open files…
        </button>
        <input
          ref={folderInput}
          type="file"
          hidden
          data-testid="open-folder"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => {
            onPicked(e.target.files);
            e.target.value = '';
          }}
        />
        <input
          ref={filesInput}
          type="file"
          hidden
          multiple
          data-testid="open-files"
          accept=".dcm,.dicom,.nii,.nii.gz,.gz,application/dicom"
          onChange={(e) => {
            onPicked(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      <div className="drop-zone" data-testid="drop-zone">
        Drop a DICOM folder or a NIfTI file here
      </div>
      {caseProgress && <ProgressBar label="Loading" progress={caseProgress} testId="case-progress" />}
      {sceneProgress && (
        <ProgressBar label="Preparing planning" progress={sceneProgress} testId="scene-progress" />
      )}
      {caseError && (
        <p className="error" role="alert" data-testid="case-error">
          {caseError}
        </p>
      )}
      {sceneError && (
        <p className="error" role="alert" data-testid="scene-error">
          Planning scene: {sceneError}
        </p>
      )}
      {series.length > 0 && <SeriesList series={series} />}
      {loadErrors.length > 0 && (
        <details className="load-errors" open data-testid="load-errors">
          <summary>
            {loadErrors.length} file{loadErrors.length === 1 ? '' : 's'} could not be read
          </summary>
          <ul>
            {loadErrors.map((e, i) => (
              <li key={i}>
                <code>{e.file}</code>: {e.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {hasMr && (
        <label className="fusion" data-testid="fusion">
          CT–MR fusion{' '}
          <span className="muted">
            {mrToCtLps ? `${Math.round(fusionBlend * 100)} % MR` : '(waiting for the registration)'}
          </span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={fusionBlend}
            disabled={!mrToCtLps}
            aria-label="CT–MR fusion blend"
            onChange={(e) => setFusionBlend(Number(e.target.value))}
          />
        </label>
      )}
      {sceneStatus === 'ready' && (
        <p className="muted" data-testid="scene-ready">
          Planning scene ready.
        </p>
      )}
      <PacsSearch />
    </section>
  );
}

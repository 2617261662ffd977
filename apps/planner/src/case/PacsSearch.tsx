/**
 * The PACS search: a DICOMweb server (default `/dicom-web`, the app's own origin behind a proxy, as a
 * PACS rarely sends CORS headers), patient name and a date range; the studies found are listed and a
 * click opens one (with the patient's other studies: a plan needs the CT and the MR).
 */
import { useState, type FormEvent } from 'react';
import { searchStudies, type StudySummary } from '@neuroplan/imaging';
import { useStore } from '../store/index.ts';

/** `2025-03-17` (an `<input type="date">`) → `20250317` (DICOM DA). */
const toDicomDate = (value: string): string | undefined => (value ? value.replaceAll('-', '') : undefined);

/** `20250317` → `2025-03-17` for display. */
const showDate = (da: string): string =>
  /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : da || 'no date';

const showName = (pn: string): string => pn.replaceAll('^', ' ').trim() || '(no name)';

export function PacsSearch() {
  const openDicomWeb = useStore((s) => s.openDicomWeb);
  const busy = useStore((s) => s.caseStatus === 'working');
  const [baseUrl, setBaseUrl] = useState('/dicom-web');
  const [patientName, setPatientName] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [studies, setStudies] = useState<StudySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);

  /** The server root as an absolute URL (the client needs one; `/dicom-web` is on this origin). */
  const server = () => ({ baseUrl: new URL(baseUrl, window.location.href).href.replace(/\/+$/, '') });

  const search = async (e: FormEvent) => {
    e.preventDefault();
    setSearching(true);
    setError(null);
    try {
      const name = patientName.trim();
      setStudies(
        await searchStudies(server(), {
          ...(name && { patientName: /[*?]/.test(name) ? name : `${name}*` }),
          ...(toDicomDate(from) && { studyDateFrom: toDicomDate(from) }),
          ...(toDicomDate(to) && { studyDateTo: toDicomDate(to) }),
          limit: 100,
        }),
      );
    } catch (err) {
      setStudies(null);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSearching(false);
    }
  };

  return (
    <details className="pacs" data-testid="pacs">
      <summary>Open from PACS (DICOMweb)</summary>
      <form onSubmit={(e) => void search(e)} data-testid="pacs-form">
        <label>
          Server
          <input name="server" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </label>
        <label>
          Patient name
          <input
            name="patientName"
            value={patientName}
            placeholder="e.g. DOE or DOE^JANE"
            onChange={(e) => setPatientName(e.target.value)}
          />
        </label>
        <div className="pacs-dates">
          <label>
            From
            <input name="dateFrom" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input name="dateTo" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <button type="submit" disabled={searching}>
          {searching ? 'Searching…' : 'Search'}
        </button>
      </form>
      {error && (
        <p className="error" role="alert" data-testid="pacs-error">
          {error}
        </p>
      )}
      {studies && (
        <ul className="pacs-studies" data-testid="pacs-studies">
          {studies.length === 0 && <li>No study matches.</li>}
          {studies.map((s) => (
            <li key={s.studyInstanceUid}>
              <button
                type="button"
                disabled={busy}
                data-study-uid={s.studyInstanceUid}
                title={`Open this study and the patient's other studies (${s.studyInstanceUid})`}
                onClick={() =>
                  void openDicomWeb({ baseUrl: server().baseUrl, studyInstanceUid: s.studyInstanceUid })
                }
              >
                <span>{showDate(s.studyDate)}</span> <strong>{showName(s.patientName)}</strong>{' '}
                <span>{s.studyDescription || '(no description)'}</span>{' '}
                <span className="muted">
                  {s.modalities.join('/')}
                  {s.seriesCount !== undefined && `, ${s.seriesCount} series`}
                  {s.instanceCount !== undefined && `, ${s.instanceCount} images`}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

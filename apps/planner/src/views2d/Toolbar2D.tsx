/**
 * The 2D views' toolbars. Every view: what it shows (its slice, the probe's-eye or the inline view).
 * The axial view also carries the shared controls: window presets, the fused MR layer and its blend,
 * and the vessel segmentation overlay with its brush.
 */
import { useStore } from '../store/index.ts';
import type { WindowPreset } from '../store/types.ts';
import { WINDOW_PRESETS, VIEW_COLORS, type Orientation } from './overlays.ts';
import { useViews2d, type BrushMode, type FusionLayer, type ViewMode } from './uiStore.ts';

const MODES: { mode: ViewMode; label: string; title: string }[] = [
  { mode: 'slice', label: 'Slice', title: 'The orthogonal slice through the cursor' },
  {
    mode: 'probe',
    label: 'Probe',
    title: "Probe's-eye view: perpendicular to the selected trajectory at the cursor depth",
  },
  { mode: 'inline', label: 'Inline', title: 'Inline view: the plane containing the selected trajectory' },
];

export function ViewToolbar({ orientation }: { orientation: Orientation }) {
  const mode = useViews2d((s) => s.modes[orientation]);
  const setMode = useViews2d((s) => s.setMode);
  return (
    <div className="vp2d-toolbar">
      <span className="vp2d-title" style={{ color: VIEW_COLORS[orientation] }}>
        {orientation}
      </span>
      <span className="vp2d-group">
        {MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            title={m.title}
            aria-pressed={mode === m.mode}
            data-testid={`mode-${orientation}-${m.mode}`}
            onClick={() => setMode(orientation, m.mode)}
          >
            {m.label}
          </button>
        ))}
      </span>
      {orientation === 'axial' && <SharedControls />}
    </div>
  );
}

function SharedControls() {
  const preset = useStore((s) => s.windowPreset);
  const setPreset = useStore((s) => s.setWindowPreset);
  const blend = useStore((s) => s.fusionBlend);
  const setBlend = useStore((s) => s.setFusionBlend);
  const hasMr = useStore((s) => s.series.some((x) => x.role === 't1' || x.role === 'angio'));
  const custom = useViews2d((s) => s.customWindow);
  const setCustom = useViews2d((s) => s.setCustomWindow);
  const layer = useViews2d((s) => s.fusionLayer);
  const setLayer = useViews2d((s) => s.setFusionLayer);
  const showSeg = useViews2d((s) => s.showSegmentation);
  const setShowSeg = useViews2d((s) => s.setShowSegmentation);
  const brush = useViews2d((s) => s.brush);
  const setBrush = useViews2d((s) => s.setBrush);
  const radius = useViews2d((s) => s.brushRadiusMm);
  const setRadius = useViews2d((s) => s.setBrushRadiusMm);
  const hasMask = useStore((s) => Boolean(s.vesselMask));
  const editStatus = useStore((s) => s.vesselEditStatus);
  const editProgress = useStore((s) => s.vesselEditProgress);
  const editError = useStore((s) => s.vesselEditError);
  const edited = useStore((s) => s.vesselEditedVoxels);
  return (
    <>
      <span className="vp2d-group" title="Window presets (right-drag in a view adjusts the window)">
        {(Object.keys(WINDOW_PRESETS) as WindowPreset[]).map((p) => (
          <button
            key={p}
            type="button"
            title={WINDOW_PRESETS[p].label}
            aria-pressed={preset === p && !custom}
            data-testid={`preset-${p}`}
            onClick={() => {
              setCustom(null);
              setPreset(p);
            }}
          >
            {p}
          </button>
        ))}
        {custom && (
          <span className="vp2d-value">
            L {custom.levelHu.toFixed(0)} / W {custom.widthHu.toFixed(0)} HU
          </span>
        )}
      </span>
      {hasMr && (
        <span className="vp2d-group" title="CT–MR fusion: 0 = CT only, 1 = MR only">
          <select
            value={layer}
            aria-label="Fused MR series"
            data-testid="fusion-layer"
            onChange={(e) => setLayer(e.target.value as FusionLayer)}
          >
            <option value="t1">T1</option>
            <option value="angio">TOF</option>
          </select>
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={blend}
            aria-label="Fusion blend"
            data-testid="fusion-blend"
            onChange={(e) => setBlend(Number(e.target.value))}
          />
          <span className="vp2d-value">{Math.round(blend * 100)} % MR</span>
        </span>
      )}
      <span className="vp2d-group" title="Vessel segmentation overlay and its editing brush (a sphere)">
        <label>
          <input
            type="checkbox"
            checked={showSeg}
            data-testid="segmentation-toggle"
            onChange={(e) => setShowSeg(e.target.checked)}
          />
          vessels
        </label>
        {(['off', 'paint', 'erase'] as BrushMode[]).map((b) => (
          <button
            key={b}
            type="button"
            disabled={!hasMask}
            aria-pressed={brush === b}
            data-testid={`brush-${b}`}
            onClick={() => setBrush(b)}
          >
            {b === 'off' ? 'no brush' : b}
          </button>
        ))}
        <input
          type="number"
          min={0.5}
          max={20}
          step={0.5}
          value={radius}
          aria-label="Brush radius (mm)"
          style={{ width: '3.5em' }}
          onChange={(e) => setRadius(Number(e.target.value))}
        />
        <span className="vp2d-value">mm</span>
        {/* A fixed width, so that the status coming and going never reflows the toolbar (and the view). */}
        <span
          className="vp2d-value"
          data-testid="vessel-edit-status"
          data-status={editStatus}
          role="status"
          style={{
            display: 'inline-block',
            width: '10em',
            overflow: 'hidden',
            whiteSpace: 'nowrap',
            textOverflow: 'ellipsis',
            verticalAlign: 'middle',
          }}
          title={
            editStatus === 'failed'
              ? `The vessel distances were not updated: ${editError ?? 'unknown error'}`
              : 'Brush strokes re-measure the vessel distances used for risk and auto-planning (Ctrl+Z undoes a stroke)'
          }
        >
          {editStatus === 'working'
            ? `re-measuring ${Math.round((editProgress?.fraction ?? 0) * 100)} %`
            : editStatus === 'failed'
              ? 'update failed'
              : edited > 0
                ? `${edited} vox edited`
                : ''}
        </span>
      </span>
    </>
  );
}

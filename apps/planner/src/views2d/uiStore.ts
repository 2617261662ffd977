/**
 * UI state that only the 2D views share (which MR layer is fused, what each view shows, the brush):
 * a small store of its own, so the app's contract (store/types.ts) carries only what other parts use.
 */
import { create } from 'zustand';
import type { Orientation } from './overlays.ts';

export type FusionLayer = 't1' | 'angio';
/** What a view shows: its orthogonal slice, the probe's-eye view, or the inline view of the selected trajectory. */
export type ViewMode = 'slice' | 'probe' | 'inline';
export type BrushMode = 'off' | 'paint' | 'erase';

export interface Views2dState {
  fusionLayer: FusionLayer;
  modes: Record<Orientation, ViewMode>;
  showSegmentation: boolean;
  brush: BrushMode;
  brushRadiusMm: number;
  /** Window set by right-dragging (HU); null follows the preset. */
  customWindow: { levelHu: number; widthHu: number } | null;
  setFusionLayer(l: FusionLayer): void;
  setMode(o: Orientation, m: ViewMode): void;
  setShowSegmentation(on: boolean): void;
  setBrush(b: BrushMode): void;
  setBrushRadiusMm(r: number): void;
  setCustomWindow(w: { levelHu: number; widthHu: number } | null): void;
}

export const useViews2d = create<Views2dState>()((set) => ({
  fusionLayer: 't1',
  modes: { axial: 'slice', sagittal: 'slice', coronal: 'slice' },
  showSegmentation: true,
  brush: 'off',
  brushRadiusMm: 3,
  customWindow: null,
  setFusionLayer: (fusionLayer) => set({ fusionLayer }),
  setMode: (o, m) => set((s) => ({ modes: { ...s.modes, [o]: m } })),
  setShowSegmentation: (showSegmentation) => set({ showSegmentation }),
  setBrush: (brush) => set({ brush }),
  setBrushRadiusMm: (r) => set({ brushRadiusMm: Math.min(20, Math.max(0.5, r)) }),
  setCustomWindow: (customWindow) => set({ customWindow }),
}));

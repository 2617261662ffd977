/** View settings shared by the 2D and 3D views: the linked crosshair, window preset, fusion, 3D options. */
import type { StateCreator } from 'zustand';
import type { AppState, ViewSlice } from './types.ts';

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export const createViewSlice: StateCreator<AppState, [], [], ViewSlice> = (set) => ({
  cursorLps: null,
  windowPreset: 'brain',
  fusionBlend: 0,
  surfaceOpacity: { skull: 0.25, brain: 0.35, vessels: 1, ventricles: 0.8 },
  volumeRendering: false,
  clipping: false,
  setCursor: (p) => set({ cursorLps: p }),
  setWindowPreset: (windowPreset) => set({ windowPreset }),
  setFusionBlend: (b) => set({ fusionBlend: clamp01(b) }),
  setSurfaceOpacity: (name, opacity) =>
    set((s) => ({ surfaceOpacity: { ...s.surfaceOpacity, [name]: clamp01(opacity) } })),
  setVolumeRendering: (volumeRendering) => set({ volumeRendering }),
  setClipping: (clipping) => set({ clipping }),
});

/**
 * Colours of the 3D view (sRGB hex). Hues are kept apart so a reader (or the pixel test) can tell the
 * structures apart on the screen: bone ivory, brain pink-grey, vessels red, ventricles blue, electrode
 * shafts steel, contacts gold, the selected shaft teal, candidates magenta.
 */
import type { SurfaceName } from '../store/types.ts';

export const BACKGROUND = '#0b0e11';

export const SURFACE_COLORS: Record<SurfaceName, string> = {
  skull: '#e6d3a3',
  brain: '#d9a9a9',
  vessels: '#d42020',
  ventricles: '#3d7fe0',
};

/** Back-to-front drawing order of transparent surfaces: inner structures first. */
export const SURFACE_RENDER_ORDER: Record<SurfaceName, number> = {
  vessels: 1,
  ventricles: 1,
  brain: 2,
  skull: 3,
};

export const SURFACE_LABELS: Record<SurfaceName, string> = {
  skull: 'Skull',
  brain: 'Brain',
  vessels: 'Vessels',
  ventricles: 'Ventricles',
};

export const ELECTRODE_COLORS = {
  shaft: '#9aa6b2',
  selectedShaft: '#10d8a0',
  contact: '#ffc21a',
  entry: '#3ee05a',
  target: '#ff8c1a',
  riskiest: '#ff1010',
  candidate: '#e040e0',
} as const;

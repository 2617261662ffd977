/**
 * Paints the planned contacts with the BCI verdicts: each contact of a trajectory is matched with the /bci/summary
 * channel of the same electrode (electrode_id = trajectory id, as the BCI node names them) and contact number
 * (1 = deepest, as planning numbers contacts). The 3D view draws a marker at `centerLps` in `color`.
 */
import type { ContactPosition } from '@neuroplan/planning';
import type { BciVerdict } from '@neuroplan/ros-messages';

/** What is read of a /bci/summary channel report (ros-messages' and ros-client's BciChannelReport both fit). */
export interface ContactReportLike {
  electrode_id: string;
  contact_number: number;
  verdict: string;
  reasons: readonly string[];
}

/** Verdict colours (sRGB hex); the same values as the signals panel's table (signals/signalsModel.ts). */
export const CONTACT_VERDICT_COLORS: Readonly<Record<BciVerdict, string>> = Object.freeze({
  ok: '#2e9d5b',
  noisy: '#e0a100',
  open: '#d0342c',
  short: '#8e44ad',
  saturated: '#c0392b',
  no_neural_activity: '#7f8c8d',
});

/** A contact without a report (not recorded, or no summary yet). */
export const UNREPORTED_CONTACT_COLOR = '#555555';

export interface ContactPaint {
  contactNumber: number;
  centerLps: [number, number, number];
  /** The channel's verdict (ok|noisy|open|short|saturated|no_neural_activity), null without a report. */
  verdict: string | null;
  /** sRGB hex. */
  color: string;
  /** The verdict's reasons (for a tooltip); empty without a report. */
  reasons: readonly string[];
}

export function contactVerdicts(
  trajectoryId: string,
  contacts: readonly ContactPosition[],
  summary: { channels: readonly ContactReportLike[] } | null,
  colors: Readonly<Record<string, string>> = CONTACT_VERDICT_COLORS,
): ContactPaint[] {
  const byContact = new Map(
    (summary?.channels ?? [])
      .filter((c) => c.electrode_id === trajectoryId)
      .map((c) => [c.contact_number, c] as const),
  );
  return contacts.map((p) => {
    const r = byContact.get(p.index);
    return {
      contactNumber: p.index,
      centerLps: [p.centerLps[0], p.centerLps[1], p.centerLps[2]],
      verdict: r?.verdict ?? null,
      color: r ? (colors[r.verdict] ?? UNREPORTED_CONTACT_COLOR) : UNREPORTED_CONTACT_COLOR,
      reasons: r?.reasons ?? [],
    };
  });
}

/** "#rrggbb" → [r, g, b] in 0..1 (sRGB), e.g. for three.js vertex colours. */
export function hexToRgb01(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`colour ${JSON.stringify(hex)} is not #rrggbb`);
  const v = parseInt(m[1]!, 16);
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

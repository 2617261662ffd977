/**
 * Which contacts the simulated amplifier records: the contacts of the loaded plan's trajectories (one electrode
 * per trajectory, electrode id = trajectory id, contact 1 = deepest), or one default SEEG-like electrode when no
 * plan is loaded. Each contact keeps its distance back from the tip, so its depth below the entry point during an
 * insertion is `insertion depth − distance from the tip`.
 */
import type { FaultPlan } from '@neuroplan/bci';
import type { Plan } from '@neuroplan/planning';

export interface BciContact {
  /** Channel index on the amplifier. */
  index: number;
  electrodeId: string;
  /** 1 = deepest (nearest the tip). */
  contactNumber: number;
  /** Back from the tip along the trajectory, mm (0 at the tip). */
  distanceFromTipMm: number;
}

export interface BciElectrodeLayout {
  /** The trajectory id (or DEFAULT_ELECTRODE_ID). */
  id: string;
  contacts: BciContact[];
}

export const DEFAULT_ELECTRODE_ID = 'E1';
/** Default electrode: 16 contacts of 2 mm with 1.5 mm gaps, first contact centre 1 mm from the tip (SEEG-like). */
const DEFAULT_CONTACTS = 16;
const DEFAULT_FIRST_MM = 1;
const DEFAULT_PITCH_MM = 3.5;

/** The amplifier has at most this many channels (bci's simulator limit). */
export const MAX_BCI_CHANNELS = 1024;

export function layoutFromPlan(plan: Plan | null, channelsPerElectrode?: number): BciElectrodeLayout[] {
  const cap = channelsPerElectrode ?? Infinity;
  if (!(cap >= 1)) throw new Error(`bci node: channelsPerElectrode must be at least 1, got ${cap}`);
  let index = 0;
  const take = (id: string, fromTip: number[]): BciElectrodeLayout => ({
    id,
    contacts: fromTip.slice(0, cap).map((d, k) => ({
      index: index++,
      electrodeId: id,
      contactNumber: k + 1,
      distanceFromTipMm: d,
    })),
  });
  const out: BciElectrodeLayout[] = [];
  if (!plan || plan.trajectories.length === 0)
    out.push(
      take(
        DEFAULT_ELECTRODE_ID,
        Array.from({ length: DEFAULT_CONTACTS }, (_, k) => DEFAULT_FIRST_MM + k * DEFAULT_PITCH_MM),
      ),
    );
  else
    for (const t of plan.trajectories) {
      const sorted = [...t.contacts].sort((a, b) => a.index - b.index);
      out.push(
        take(
          t.id,
          sorted.map((c) => c.distanceFromTipMm),
        ),
      );
    }
  const total = out.reduce((n, e) => n + e.contacts.length, 0);
  if (total > MAX_BCI_CHANNELS)
    throw new Error(
      `bci node: the plan has ${total} contacts, more than the amplifier's ${MAX_BCI_CHANNELS} channels (lower channelsPerElectrode)`,
    );
  return out;
}

/**
 * A few faults on the first electrode so the operator sees them: contacts 2 and 3 (near the tip, entering
 * tissue together) shorted, contact 6 open. Electrodes under 8 contacts get none.
 */
export function defaultFaults(layout: BciElectrodeLayout[]): FaultPlan {
  const first = layout[0];
  if (!first || first.contacts.length < 8) return {};
  const idx = (n: number): number => first.contacts[n - 1]!.index;
  return { open: [idx(6)], shortedPairs: [[idx(2), idx(3)]] };
}

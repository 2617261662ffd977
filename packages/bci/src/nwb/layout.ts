/** Names and versions of the NWB 2.x layout we write and expect (NWB core schema 2.7.0; DynamicTable types from hdmf-common). */

export const NWB_VERSION = '2.7.0';

export const ACQUISITION = '/acquisition';
export const EXTRACELLULAR_EPHYS = '/general/extracellular_ephys';
export const ELECTRODES_TABLE = `${EXTRACELLULAR_EPHYS}/electrodes`;
export const DEVICES = '/general/devices';

/** Our own columns of the electrodes table, beside the schema's location/group/group_name/imp. */
export const CUSTOM_COLUMNS = {
  electrodeId: 'electrode_id',
  contactNumber: 'contact_number',
  depthMm: 'depth_mm',
  label: 'label',
  impedancePhaseDeg: 'imp_phase_deg',
  impedanceTestCurrentNa: 'imp_test_current_na',
} as const;

/**
 * HDF5 link names cannot hold '/' or be '.'; NWB group names also must not collide with the table name.
 * The original id stays in the electrode_id column, so the mapping need not be invertible.
 */
export function electrodeGroupName(electrodeId: string): string {
  const clean = electrodeId.replace(/\//g, '_').trim();
  if (clean === '' || clean === '.' || clean === '..' || clean === 'electrodes') return `electrode_${clean}`;
  return clean;
}

/** The optional second ElectricalSeries holding the raw impedance test, and its frequency attribute. */
export const IMPEDANCE_TEST_SERIES = 'ImpedanceTest';
export const IMPEDANCE_TEST_FREQUENCY_ATTR = 'test_frequency_hz';

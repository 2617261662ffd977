/**
 * The `neuroplan inspect --json` output as the issue specifies it, restated here on purpose (not
 * imported from the CLI) so the tests hold the implementation to the written contract.
 */
export interface VolumeJson {
  id: string;
  modality: string;
  seriesInstanceUid: string | null;
  dimensions: number[];
  spacingMm: number[];
  originLps: number[];
  directionLps: number[];
  min: number;
  max: number;
  mean: number;
  warnings: string[];
  sourceFiles: number;
}

export interface InspectJson {
  volumes: VolumeJson[];
  errors: { file: string; reason: string }[];
}

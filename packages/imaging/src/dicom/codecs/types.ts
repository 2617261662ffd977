/** What a codec wrapper hands back: the decoded samples as bytes (interleaved as the library returns them). */
export interface DecodedFrame {
  bytes: Uint8Array;
  /** Bytes per decoded sample (1, 2 or 4). */
  bytesPerSample: number;
  columns: number;
  rows: number;
  components: number;
}

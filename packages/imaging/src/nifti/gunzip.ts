/**
 * Incremental gunzip with an early stop: a NIfTI reader only needs the header and the voxels of
 * one volume, so a long 4D .nii.gz is inflated only as far as that volume (and never beyond what
 * the compressed bytes really hold, whatever the header claims).
 */
import { Inflate } from 'pako';

/** Input is fed in slices growing from the first (enough for a header) to the largest. */
const FIRST_INPUT_SLICE_BYTES = 16 << 10;
const MAX_INPUT_SLICE_BYTES = 1 << 20;
const OUTPUT_CHUNK_BYTES = 1 << 20;
const Z_SYNC_FLUSH = 2;
const Z_FINISH = 4;
const Z_BUF_ERROR = -5;

export const isGzip = (bytes: Uint8Array): boolean =>
  bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export interface GunzipResult {
  /** Decompressed bytes: at least the requested count when the stream holds that many. */
  data: Uint8Array;
  /** Why decompression stopped short, when it did: the stream ends early, or it is damaged. */
  problem?: { kind: 'truncated' | 'corrupt'; message: string };
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    if (at >= length) break;
    const part = c.length <= length - at ? c : c.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Inflates `input` (gzip, possibly multi-member). Once `headBytes` are out, `bytesNeeded(head)`
 * says how many output bytes are wanted in all; inflation stops as soon as that many are out.
 * It is not called when the stream ends (or breaks) first. It may throw to reject the head.
 */
export function gunzipPrefix(
  input: Uint8Array,
  headBytes: number,
  bytesNeeded: (head: Uint8Array) => number,
): GunzipResult {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflator = new Inflate({ chunkSize: OUTPUT_CHUNK_BYTES });
  inflator.onData = (chunk) => {
    chunks.push(chunk);
    total += chunk.length;
  };
  inflator.onEnd = () => {};

  let needed = Infinity;
  let headSeen = false;
  let slice = FIRST_INPUT_SLICE_BYTES;
  for (
    let pos = 0;
    pos < input.length && total < needed && !inflator.ended;
    pos += slice, slice = Math.min(2 * slice, MAX_INPUT_SLICE_BYTES)
  ) {
    const end = Math.min(pos + slice, input.length);
    inflator.push(input.subarray(pos, end), end === input.length ? Z_FINISH : Z_SYNC_FLUSH);
    if (!headSeen && total >= headBytes) {
      headSeen = true;
      needed = bytesNeeded(concat(chunks, headBytes));
    }
  }

  let problem: GunzipResult['problem'];
  if (inflator.ended && inflator.err !== 0) {
    problem =
      inflator.err === Z_BUF_ERROR
        ? { kind: 'truncated', message: 'the compressed stream ends early (truncated .gz file)' }
        : { kind: 'corrupt', message: `corrupt gzip data (${inflator.msg || `zlib error ${inflator.err}`})` };
  }
  const data = concat(chunks, total);
  return problem === undefined ? { data } : { data, problem };
}

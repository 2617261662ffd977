/**
 * Deterministic UID remapping for one export: 2.25.<decimal of a 128-bit UUID> (PS3.5 B.2), where the UUID is
 * SHA-256(export key ‖ original UID) truncated to 128 bits with the RFC 9562 version 8 / variant bits set. The
 * same original UID gets the same new UID in every file and in the plan of one export; different export keys
 * give unrelated UIDs, and the original cannot be recovered without the key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

export class UidMapper {
  readonly #key: string;
  readonly #map = new Map<string, string>();

  constructor(exportKey: string) {
    if (!exportKey) throw new Error('uid mapper: the export key is empty');
    this.#key = exportKey;
  }

  /** The new UID for `uid` (standard UIDs under 1.2.840.10008 — SOP classes, transfer syntaxes — are kept). */
  map(uid: string): string {
    const u = uid.replace(/\0/g, '').trim();
    if (u === '' || u.startsWith('1.2.840.10008.')) return u;
    let out = this.#map.get(u);
    if (!out) {
      const h = sha256(utf8ToBytes(`${this.#key}\u0000${u}`)).slice(0, 16);
      h[6] = (h[6]! & 0x0f) | 0x80; // version 8 (custom)
      h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
      let n = 0n;
      for (const b of h) n = (n << 8n) | BigInt(b);
      out = `2.25.${n.toString()}`;
      this.#map.set(u, out);
    }
    return out;
  }

  /** Original → new, for the export's private record (never shipped with the export). */
  entries(): Array<[string, string]> {
    return [...this.#map];
  }
}

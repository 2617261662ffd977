/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme: keys sorted by UTF-16 code units, no
 * whitespace, ECMAScript number formatting) and SHA-256, both synchronous and browser-safe, so a plan's
 * content hash is the same in the app, a web worker, the CLI and any other JCS implementation.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';

/** The JCS text of a JSON value; throws on what JSON cannot hold (NaN, Infinity, a cycle, a bare undefined). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('canonical JSON: the value has no JSON form');
  return text;
}

/** Lower-case hex SHA-256 of a string (as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** SHA-256 of the canonical JSON of a value. */
export const canonicalSha256 = (value: unknown): string => sha256Hex(canonicalJson(value));

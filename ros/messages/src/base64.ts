/** Base64 for uint8[] fields (rosbridge sends them as base64 strings in JSON). Browser-safe: atob/btoa. */

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_RE.test(text);
}

/** Decodes standard base64; throws for anything else. */
export function decodeBase64(text: string): Uint8Array {
  if (!isBase64(text)) throw new Error('not a base64 string');
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

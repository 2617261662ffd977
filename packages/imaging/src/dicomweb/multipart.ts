/**
 * multipart/related bodies (RFC 2046 §5.1, as WADO-RS sends them): the boundary from the Content-Type,
 * then each part's headers and bytes. Parts are views into the body, not copies. Browser-safe.
 */

export interface MimePart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The media type (lower case) and parameters of a Content-Type value; quoted values are unquoted. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^=;\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
  const rest = semi < 0 ? '' : value.slice(semi);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const quoted = m[3];
    params[m[1]!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : m[2]!.trim();
  }
  return { type, params };
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/** First index ≥ from where `needle` occurs in `hay` (Boyer–Moore–Horspool), or -1. */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const n = needle.length;
  if (n === 0) return from;
  const shift = new Int32Array(256).fill(n);
  for (let i = 0; i < n - 1; i++) shift[needle[i]!] = n - 1 - i;
  for (let at = from; at + n <= hay.length; at += shift[hay[at + n - 1]!]!) {
    let i = n - 1;
    while (i >= 0 && hay[at + i] === needle[i]) i--;
    if (i < 0) return at;
  }
  return -1;
}

/** Index of the next delimiter line "--boundary" that starts a line (at `from` or after CRLF/LF), or -1. */
function nextDelimiter(body: Uint8Array, delimiter: Uint8Array, from: number): number {
  for (let at = indexOfBytes(body, delimiter, from); at >= 0; at = indexOfBytes(body, delimiter, at + 1))
    if (at === 0 || body[at - 1] === LF) return at;
  return -1;
}

/** Where the delimiter after a part starts if its Content-Length is right (saves scanning the pixel data). */
function declaredEnd(
  body: Uint8Array,
  delimiter: Uint8Array,
  start: number,
  contentLength: string | undefined,
): number | undefined {
  const length = contentLength === undefined ? NaN : Number(contentLength);
  if (!Number.isInteger(length) || length < 0) return undefined;
  let at = start + length;
  if (body[at] === CR) at++;
  if (body[at] !== LF) return undefined;
  at++;
  for (let i = 0; i < delimiter.length; i++) if (body[at + i] !== delimiter[i]) return undefined;
  return at;
}

/** End of the line that starts at `from` (index of its LF, or -1) and where the next line starts. */
function lineEnd(body: Uint8Array, from: number): { end: number; next: number } | undefined {
  const lf = body.indexOf(LF, from);
  if (lf < 0) return undefined;
  return { end: lf > from && body[lf - 1] === CR ? lf - 1 : lf, next: lf + 1 };
}

/**
 * Splits a multipart body into its parts. Throws a plain Error (the caller adds the URL) when there is
 * no boundary, no part, or the body ends before its closing delimiter (a truncated transfer).
 */
export function parseMultipart(body: Uint8Array, contentType: string): MimePart[] {
  const { type, params } = parseContentType(contentType);
  if (!type.startsWith('multipart/')) throw new Error(`the answer is ${type || 'untyped'}, not multipart`);
  const boundary = params['boundary'];
  if (!boundary) throw new Error('the multipart answer names no boundary');
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const decoder = new TextDecoder('latin1');
  const parts: MimePart[] = [];
  let at = nextDelimiter(body, delimiter, 0);
  if (at < 0) throw new Error('the multipart answer holds no part (its boundary never occurs)');
  for (;;) {
    const after = at + delimiter.length;
    if (body[after] === DASH && body[after + 1] === DASH) break; // the close delimiter
    const first = lineEnd(body, after); // rest of the delimiter line (transport padding)
    if (!first) throw new Error('the multipart answer ends inside a delimiter line (truncated?)');
    const headers: Record<string, string> = {};
    let line = first;
    for (;;) {
      const next = lineEnd(body, line.next);
      if (!next) throw new Error(`part ${parts.length + 1} ends inside its headers (truncated?)`);
      if (next.end === line.next) {
        line = next;
        break; // blank line: the part's bytes follow
      }
      const text = decoder.decode(body.subarray(line.next, next.end));
      const colon = text.indexOf(':');
      if (colon > 0) headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
      line = next;
    }
    const start = line.next;
    const close =
      declaredEnd(body, delimiter, start, headers['content-length']) ?? nextDelimiter(body, delimiter, start);
    if (close < 0)
      throw new Error(`part ${parts.length + 1} has no closing boundary (the answer was cut short?)`);
    // The line break before the delimiter belongs to the delimiter.
    let end = close;
    if (end > start && body[end - 1] === LF) end--;
    if (end > start && body[end - 1] === CR) end--;
    parts.push({ headers, body: body.subarray(start, end) });
    at = close;
  }
  if (parts.length === 0) throw new Error('the multipart answer holds no part');
  return parts;
}

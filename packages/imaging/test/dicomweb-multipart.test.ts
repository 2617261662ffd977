/**
 * The multipart/related parser of the DICOMweb client. Expected parts are the ones each test builds the
 * body from (RFC 2046 framing written out by hand here), so the parser must give back exactly those
 * bytes and headers; the real WADO-RS answers of Orthanc are covered by tests/dicomweb-orthanc.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseContentType, parseMultipart } from '../src/dicomweb/multipart.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function concat(...chunks: (string | Uint8Array)[]): Uint8Array {
  const parts = chunks.map((c) => (typeof c === 'string' ? text(c) : c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A multipart body: preamble, each part with its headers, close delimiter, epilogue. */
function build(
  boundary: string,
  parts: { headers: [string, string][]; body: Uint8Array }[],
  eol = '\r\n',
  preamble = '',
): Uint8Array {
  const chunks: (string | Uint8Array)[] = [preamble];
  for (const p of parts) {
    chunks.push(`--${boundary}${eol}`);
    for (const [k, v] of p.headers) chunks.push(`${k}: ${v}${eol}`);
    chunks.push(eol, p.body, eol);
  }
  chunks.push(`--${boundary}--${eol}`, 'epilogue, ignored');
  return concat(...chunks);
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('parseContentType', () => {
  it('splits the media type and parameters, unquoting quoted values', () => {
    expect(
      parseContentType(
        'Multipart/Related; type="application/dicom"; Boundary="a \\"b\\";c"; transfer-syntax=*',
      ),
    ).toEqual({
      type: 'multipart/related',
      params: { type: 'application/dicom', boundary: 'a "b";c', 'transfer-syntax': '*' },
    });
    expect(parseContentType('application/dicom')).toEqual({ type: 'application/dicom', params: {} });
  });
});

describe('parseMultipart', () => {
  it('gives back each part, its headers and bytes, with a quoted boundary, a preamble and an epilogue', () => {
    const boundary = 'b0und:ary with space';
    const first = text('--not the boundary\r\n--b0und:ary\r\nbody one');
    const second = new Uint8Array(0);
    const third = randomBytes(5000, 7);
    const body = build(
      boundary,
      [
        { headers: [['Content-Type', 'application/dicom']], body: first },
        {
          headers: [
            ['Content-Type', 'application/dicom'],
            ['X-Extra', ' padded '],
          ],
          body: second,
        },
        { headers: [['content-type', 'application/octet-stream']], body: third },
      ],
      '\r\n',
      'This is the preamble.\r\n',
    );
    const parts = parseMultipart(body, `multipart/related; type="application/dicom"; boundary="${boundary}"`);
    expect(parts.map((p) => p.headers)).toEqual([
      { 'content-type': 'application/dicom' },
      { 'content-type': 'application/dicom', 'x-extra': 'padded' },
      { 'content-type': 'application/octet-stream' },
    ]);
    expect(parts.map((p) => [...p.body])).toEqual([[...first], [...second], [...third]]);
  });

  it('accepts bare LF line ends', () => {
    const a = randomBytes(300, 3);
    const body = build('xyz', [{ headers: [['Content-Type', 'application/dicom']], body: a }], '\n');
    const parts = parseMultipart(body, 'multipart/related; boundary=xyz');
    expect(parts).toHaveLength(1);
    expect([...parts[0]!.body]).toEqual([...a]);
  });

  it('uses a right Content-Length and ignores a wrong one', () => {
    const a = randomBytes(1000, 11);
    for (const length of [String(a.length), String(a.length - 10), String(a.length + 10), 'many', '-1']) {
      const body = build('q', [{ headers: [['Content-Length', length]], body: a }]);
      const parts = parseMultipart(body, 'multipart/related; boundary=q');
      expect([...parts[0]!.body]).toEqual([...a]);
    }
  });

  it('finds the parts of random binary bodies of many sizes', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const bodies = [0, 1, 2].map((k) => randomBytes((seed * 97 + k * 31) % 700, seed * 3 + k));
      const boundary = `bnd-${seed}-9f8e7d6c`;
      const message = build(
        boundary,
        bodies.map((b) => ({ headers: [['Content-Type', 'application/dicom']], body: b })),
      );
      const parts = parseMultipart(message, `multipart/related; boundary=${boundary}`);
      expect(parts.map((p) => [...p.body])).toEqual(bodies.map((b) => [...b]));
    }
  });

  it('refuses what is not a whole multipart body, saying why', () => {
    const whole = build('zz', [
      { headers: [['Content-Type', 'application/dicom']], body: randomBytes(200, 5) },
    ]);
    expect(() => parseMultipart(whole, 'application/dicom')).toThrow(/application\/dicom, not multipart/);
    expect(() => parseMultipart(whole, 'multipart/related; type="application/dicom"')).toThrow(
      /names no boundary/,
    );
    expect(() => parseMultipart(whole, 'multipart/related; boundary=other')).toThrow(/boundary never occurs/);
    const closeAt = whole.length - '--zz--\r\nepilogue, ignored'.length;
    expect(() => parseMultipart(whole.subarray(0, closeAt - 5), 'multipart/related; boundary=zz')).toThrow(
      /part 1 has no closing boundary/,
    );
    expect(() =>
      parseMultipart(text('--zz\r\nContent-Type: appl'), 'multipart/related; boundary=zz'),
    ).toThrow(/part 1 ends inside its headers/);
    expect(() => parseMultipart(text('--zz'), 'multipart/related; boundary=zz')).toThrow(
      /ends inside a delimiter line/,
    );
    expect(() => parseMultipart(text('--zz--\r\n'), 'multipart/related; boundary=zz')).toThrow(
      /holds no part/,
    );
  });
});

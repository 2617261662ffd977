/**
 * Small contracts: the serial queue's ordering and failure handling, recorder misuse errors, UID remapping
 * (format per PS3.5 B.2, determinism per export key), identity scrubbing, plot helpers, and that the package's
 * browser part imports nothing from Node.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditChain, buildAuditChain } from '../src/audit.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { scrubString, scrubValue } from '../src/deid/scrub.ts';
import { UidMapper } from '../src/deid/uids.ts';
import { PROFILE_ROWS } from '../src/deid/profileTable.ts';
import { SerialQueue } from '../src/mcap/serialQueue.ts';
import { CaseRecorder } from '../src/recorder.ts';
import { niceTicks, svgLinePlot } from '../src/svg.ts';

class NullWritable {
  #pos = 0n;
  async write(b: Uint8Array) {
    this.#pos += BigInt(b.byteLength);
  }
  position() {
    return this.#pos;
  }
}

describe('SerialQueue', () => {
  it('runs jobs one at a time in order, reports the first failure and skips the rest', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const q = new SerialQueue((e) => errors.push(e));
    let running = 0;
    for (const n of [3, 1, 2]) {
      q.push(async () => {
        running += 1;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, n));
        log.push(`job${n}`);
        running -= 1;
      });
    }
    await q.drain();
    expect(log).toEqual(['job3', 'job1', 'job2']);
    q.push(() => {
      throw new Error('disk full');
    });
    q.push(() => void log.push('after'));
    await expect(q.drain()).rejects.toThrow('disk full');
    expect(log).not.toContain('after');
    expect(errors).toHaveLength(1);
  });
});

describe('CaseRecorder misuse', () => {
  it('names an unknown ROS type, refuses messages after close and a second close', async () => {
    const rec = await CaseRecorder.start({
      writable: new NullWritable(),
      codec: rosMessagesCodec(),
      caseId: 'c',
      softwareVersion: 't',
    });
    expect(() => rec.recordRos('/x', 'nope_msgs/msg/Nothing', {})).toThrow(/nope_msgs/);
    expect(() =>
      rec.recordRos('/robot/insertion_status', 'neuroplan_interfaces/msg/InsertionStatus', { phase: 42 }),
    ).toThrow(/InsertionStatus/);
    await rec.close();
    expect(() => rec.recordOperatorAction({ operator: 'a', role: 'surgeon', action: 'x' })).toThrow(/closed/);
    await expect(rec.close()).rejects.toThrow(/twice/);
    await expect(
      CaseRecorder.start({
        writable: new NullWritable(),
        codec: rosMessagesCodec(),
        caseId: ' ',
        softwareVersion: 't',
      }),
    ).rejects.toThrow(/caseId/);
  });
});

describe('audit chain', () => {
  it('names entries that are not audit entries at all', () => {
    const chain = buildAuditChain([
      { actor: 'a', role: 'surgeon', action: 'x', time: '2025-01-01T00:00:00Z' },
      { actor: 'b', role: 'surgeon', action: 'y', time: '2025-01-01T00:00:01Z' },
    ]);
    expect(verifyAuditChain(chain).ok).toBe(true);
    const v = verifyAuditChain([chain[0], 'junk', chain[1]]);
    expect(v.problems[0]).toMatchObject({ index: 1 });
    expect(v.problems[0]!.reason).toMatch(/position 1 is not an audit entry/);
    expect(() => buildAuditChain([{ actor: '', role: 'r', action: 'x' }])).toThrow(/actor/);
  });
});

describe('UidMapper', () => {
  it('maps to 2.25 UIDs, the same per export key and different across keys; standard UIDs are kept', () => {
    const a = new UidMapper('key-1');
    const b = new UidMapper('key-1');
    const c = new UidMapper('key-2');
    const u = '1.2.840.113619.2.55.3.1234';
    expect(a.map(u)).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(a.map(u).length).toBeLessThanOrEqual(64);
    expect(a.map(u)).toBe(b.map(u));
    expect(a.map(u)).not.toBe(c.map(u));
    expect(a.map(`${u}\0`)).toBe(a.map(u)); // DICOM padding
    // the decimal is a 128-bit UUID with version 8 and the RFC variant (PS3.5 B.2)
    const n = BigInt(a.map(u).slice(5));
    expect(n < 1n << 128n).toBe(true);
    expect((n >> 76n) & 0xfn).toBe(8n);
    expect((n >> 62n) & 0x3n).toBe(2n);
    expect(a.map('1.2.840.10008.5.1.4.1.1.2')).toBe('1.2.840.10008.5.1.4.1.1.2');
  });
});

describe('scrubbing', () => {
  it('replaces identities longest first, shifts ISO times and ROS stamps, remaps known UIDs', () => {
    const uids = new UidMapper('k');
    const o = {
      replacements: new Map([
        ['Jane', 'x'],
        ['Dr Jane Roe', 'surgeon-1'],
      ]),
      dateShiftDays: -10,
      uids,
      knownUids: new Set(['1.2.3.4']),
    };
    expect(scrubString('E-stop pressed by Dr Jane Roe', o)).toBe('E-stop pressed by surgeon-1');
    expect(scrubString('2025-11-24T16:00:00.000Z', o)).toBe('2025-11-14T16:00:00.000Z');
    expect(scrubString('1.2.3.4', o)).toBe(uids.map('1.2.3.4'));
    expect(
      scrubValue({ header: { stamp: { sec: 1_000_000, nanosec: 5 } }, data: new Float32Array(2) }, o),
    ).toEqual({
      header: { stamp: { sec: 1_000_000 - 864_000, nanosec: 5 } },
      data: new Float32Array(2),
    });
  });
});

describe('PS3.15 table data', () => {
  it('holds the Basic Profile rows with valid tags and action codes', () => {
    expect(PROFILE_ROWS.length).toBeGreaterThan(450);
    const tags = PROFILE_ROWS.map((r) => r.tag);
    expect(new Set(tags).size).toBe(tags.length);
    for (const r of PROFILE_ROWS) expect(r.tag).toMatch(/^([0-9A-F]{8}|50xxxxxx|60xx[34]000|private)$/);
    const byTag = new Map(PROFILE_ROWS.map((r) => [r.tag, r.action]));
    expect(byTag.get('00100010')).toBe('Z'); // Patient's Name
    expect(byTag.get('0020000D')).toBe('U'); // Study Instance UID
    expect(byTag.get('00081070')).toBe('X/Z/D'); // Operators' Name
  });
});

describe('plots', () => {
  it('renders well-formed SVG that keeps the extremes of decimated series', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    const pts = Array.from({ length: 10_000 }, (_, i) => [i, i === 7777 ? 1000 : Math.sin(i)] as const);
    const svg = svgLinePlot([{ label: 'a<b', points: pts }], {
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      maxPoints: 200,
    });
    expect(svg).toContain('a&lt;b');
    const poly = /points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(poly.length).toBeLessThanOrEqual(200);
    const ys = poly.map((p) => Number(p.split(',')[1]));
    expect(Math.min(...ys)).toBeCloseTo(32, 0); // the 1000 spike reaches the top of the plot area
  });
});

describe('browser safety', () => {
  it('has no node: imports outside src/node', () => {
    const src = join(import.meta.dirname, '..', 'src');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? (e.name === 'node' ? [] : walk(join(d, e.name))) : [join(d, e.name)],
      );
    for (const f of walk(src).filter((f) => f.endsWith('.ts')))
      expect(readFileSync(f, 'utf8'), f).not.toMatch(/from ['"]node:|require\(/);
  });
});

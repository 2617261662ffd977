/**
 * The JavaScript reference of the check kernels (src/dsp/wasm/check.wat): the same functions over the same memory
 * layout (byte offsets), every single-precision operation rounded with Math.fround in the WebAssembly order, so
 * both give the same bits (a double sum, product or quotient of two floats rounded once to float is the float
 * operation). Used where WebAssembly SIMD is missing, and by the tests as the kernel's specification.
 */
import type { CheckKernel } from './checkKernel.ts';

const fr = Math.fround;

export class JsCheckKernel implements CheckKernel {
  readonly buffer: ArrayBuffer;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;

  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes);
    this.f32 = new Float32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  spike_rows(
    inP: number,
    inStride: number,
    out: number,
    outStride: number,
    rowBytes: number,
    rows: number,
    z: number,
    coef: number,
    nbp: number,
    box: number,
    railed: number,
    railThr: number,
    lfp: number,
    decim: number,
    boxFill: number,
    invD: number,
    filter: number,
    copy: number,
    row0: number,
    step: number,
    cmp: number,
    cand: number,
    keys: number,
    vals: number,
    cnt: number,
  ): number {
    const f = this.f32;
    const I = this.i32;
    const lanes = rowBytes >> 2;
    const zStride = (nbp + 1) * 8; // floats per group
    const cf = coef >> 2;
    let emitted = 0;
    const hit = new Uint8Array(lanes >> 2);
    const band = new Float32Array(lanes); // this row's band values, for the candidate entries
    for (let t = 0; t < rows; t++) {
      const rin = (inP + t * inStride) >> 2;
      const rout = (out + t * outStride) >> 2;
      const row = row0 + t;
      for (let c = 0; c < lanes; c++) {
        let x = f[rin + c]!;
        f[(box >> 2) + c] = fr(f[(box >> 2) + c]! + x);
        if (row % step === 0 && Math.abs(x) >= railThr) I[(railed >> 2) + c]!++;
        if (filter) {
          const lane = c & 3;
          let zp = (z >> 2) + (c >> 2) * zStride + lane;
          const z0 = f[zp]!;
          const z1 = f[zp + 4]!;
          const u = fr(f[cf + lane]! * x);
          const y = fr(u + z0);
          f[zp] = fr(fr(fr(fr(f[cf + 4 + lane]! * u) - fr(f[cf + 8 + lane]! * y)) + fr(z0 + z0)) + z1);
          f[zp + 4] = fr(fr(f[cf + 12 + lane]! * y) - z0);
          x = y;
          let cp = cf + 16 + lane;
          for (let s = 0; s < nbp; s++, cp += 24) {
            zp += 8;
            const kind = I[cp - lane + 20]!;
            let y2: number;
            if (kind === 1) {
              const u2 = fr(f[cp]! * x);
              y2 = fr(u2 + f[zp]!);
              f[zp] = fr(fr(fr(u2 + u2) - fr(f[cp + 12]! * y2)) + f[zp + 4]!);
              f[zp + 4] = fr(u2 - fr(f[cp + 16]! * y2));
            } else if (kind === 2) {
              y2 = fr(x + f[zp]!);
              f[zp] = fr(f[zp + 4]! - fr(fr(x + x) + fr(f[cp + 12]! * y2)));
              f[zp + 4] = fr(x - fr(f[cp + 16]! * y2));
            } else {
              y2 = fr(fr(f[cp]! * x) + f[zp]!);
              f[zp] = fr(fr(fr(f[cp + 4]! * x) - fr(f[cp + 12]! * y2)) + f[zp + 4]!);
              f[zp + 4] = fr(fr(f[cp + 8]! * x) - fr(f[cp + 16]! * y2));
            }
            x = y2;
          }
        } else x = f[((copy + t * inStride) >> 2) + c]!;
        band[c] = x;
        if (out) f[rout + c] = x;
        if (row % step === 0) f[((cmp + ((row / step) | 0) * rowBytes) >> 2) + c] = x;
        if (cand && x < f[(cand >> 2) + c]!) hit[c >> 2] = 1;
      }
      // Candidate entries: the groups with a value below cand, in order.
      for (let gi = 0; gi < lanes >> 2; gi++) {
        if (!hit[gi]) continue;
        hit[gi] = 0;
        const n = I[cnt >> 2]!;
        I[(keys >> 2) + 2 * n] = row;
        I[(keys >> 2) + 2 * n + 1] = gi;
        for (let i = 0; i < 4; i++) f[(vals >> 2) + 4 * n + i] = band[4 * gi + i]!;
        I[cnt >> 2] = n + 1;
      }
      boxFill++;
      if (boxFill === decim) {
        boxFill = 0;
        const o = (lfp >> 2) + emitted * lanes;
        for (let c = 0; c < lanes; c++) {
          f[o + c] = fr(f[(box >> 2) + c]! * invD);
          f[(box >> 2) + c] = 0;
        }
        emitted++;
      }
    }
    return emitted;
  }

  car_rows(blk: number, rows: number, rowBytes: number, C: number): void {
    const f = this.f32;
    const lanes = rowBytes >> 2;
    for (let t = 0; t < rows; t++) {
      const r = (blk >> 2) + t * lanes;
      const acc = [0, 0, 0, 0];
      for (let c = 0; c < lanes; c++) acc[c & 3] = fr(acc[c & 3]! + f[r + c]!);
      const m = fr(fr(fr(acc[0]! + acc[1]!) + fr(acc[2]! + acc[3]!)) / C);
      for (let c = 0; c < lanes; c++) f[r + c] = fr(f[r + c]! - m);
    }
  }

  gather(blk: number, n: number, rowStep: number, rowBytes: number, G: number, gStride: number): void {
    const f = this.f32;
    const lanes = rowBytes >> 2;
    const n4 = Math.ceil(n / 4) * 4;
    for (let c = 0; c < lanes; c++) {
      const dst = (G + c * gStride) >> 2;
      for (let j = 0; j < n4; j++) f[dst + j] = j < n ? f[((blk + j * rowStep) >> 2) + c]! : 0;
    }
  }

  hist(x: number, n: number, scale: number, counts: number, nb: number, bins: number): void {
    const u8 = this.u8;
    for (let j = 0; j < n; j++) {
      const b = bin(this.f32[(x >> 2) + j]!, scale, nb);
      u8[bins + j] = b;
      this.i32[(counts >> 2) + b]!++;
    }
  }

  collect(x: number, bins: number, n: number, bLo: number, bHi: number, dst: number): number {
    const u8 = this.u8;
    let m = 0;
    for (let j = 0; j < n; j++) {
      const b = u8[bins + j]!;
      if (b >= bLo && b <= bHi) this.f32[(dst >> 2) + m++] = Math.abs(this.f32[(x >> 2) + j]!);
    }
    return m;
  }

  detect(
    blk: number,
    r0: number,
    rows: number,
    rowBytes: number,
    C: number,
    thr: number,
    trig: number,
    active: number,
    minVal: number,
    minIdx: number,
    startIdx: number,
    dead: number,
    start: number,
    maxWidth: number,
    refractory: number,
    ev: number,
    evCap: number,
    evCount: number,
  ): number {
    const f = this.f32;
    const I = this.i32;
    const lanes = rowBytes >> 2;
    const sp = this.spikes(
      active,
      minVal,
      minIdx,
      startIdx,
      dead,
      maxWidth,
      refractory,
      ev,
      I[evCount >> 2]!,
    );
    let r = r0;
    for (; r < rows; r++) {
      if (sp.cnt + C > evCap) break;
      const row = (blk >> 2) + r * lanes;
      const idx = start + r;
      for (let c = 0; c < C; c++) {
        const y = f[row + c]!;
        if (y >= f[(trig >> 2) + c]!) continue;
        const th = f[(thr >> 2) + c]!;
        if (I[(active >> 2) + c]) {
          if (this.follow(sp, c, y, th, idx)) f[(trig >> 2) + c] = th;
        } else if (this.startIf(sp, c, y, th, idx)) f[(trig >> 2) + c] = NaN;
      }
    }
    I[evCount >> 2] = sp.cnt;
    return r;
  }

  detect_cand(
    keys: number,
    vals: number,
    e0: number,
    nEnt: number,
    C: number,
    thr: number,
    active: number,
    minVal: number,
    minIdx: number,
    startIdx: number,
    dead: number,
    last: number,
    start: number,
    maxWidth: number,
    refractory: number,
    ev: number,
    evCap: number,
    evCount: number,
  ): number {
    const f = this.f32;
    const I = this.i32;
    const d = this.f64;
    const sp = this.spikes(
      active,
      minVal,
      minIdx,
      startIdx,
      dead,
      maxWidth,
      refractory,
      ev,
      I[evCount >> 2]!,
    );
    let e = e0;
    for (; e < nEnt; e++) {
      if (sp.cnt + 8 > evCap) break;
      const gi = I[(keys >> 2) + 2 * e + 1]!;
      const idx = start + I[(keys >> 2) + 2 * e]!;
      for (let i = 0; i < 4; i++) {
        const c = 4 * gi + i;
        if (c >= C) break;
        const y = f[(vals >> 2) + 4 * e + i]!;
        const th = f[(thr >> 2) + c]!;
        if (I[(active >> 2) + c]) {
          // A gap after the spike's last sample: the sample after it was above threshold and ended the spike.
          if (idx > d[(last >> 3) + c]! + 1) this.end(sp, c);
          else {
            if (!this.follow(sp, c, y, th, idx)) d[(last >> 3) + c] = idx;
            continue;
          }
        }
        if (this.startIf(sp, c, y, th, idx)) d[(last >> 3) + c] = idx;
      }
    }
    I[evCount >> 2] = sp.cnt;
    return e;
  }

  /** The threshold-crossing state machine both detectors share, over the kernel's state arrays. */
  private spikes(
    active: number,
    minVal: number,
    minIdx: number,
    startIdx: number,
    dead: number,
    maxWidth: number,
    refractory: number,
    ev: number,
    cnt: number,
  ): Spikes {
    return { active: active >> 2, minVal: minVal >> 2, minIdx: minIdx >> 3, startIdx: startIdx >> 3, dead: dead >> 3, maxWidth, refractory, ev, cnt }; // prettier-ignore
  }

  /** A sample of channel c inside a spike: follows the minimum; ends the spike at y ≥ th or its width. */
  private follow(s: Spikes, c: number, y: number, th: number, idx: number): boolean {
    if (y < this.f32[s.minVal + c]!) {
      this.f32[s.minVal + c] = y;
      this.f64[s.minIdx + c] = idx;
    }
    if (!(y >= th || idx - this.f64[s.startIdx + c]! >= s.maxWidth)) return false;
    this.end(s, c);
    return true;
  }

  /** Event (c, minVal, minIdx); the channel leaves its spike and the dead time runs from the minimum. */
  private end(s: Spikes, c: number): void {
    const e = s.ev + s.cnt * 16;
    this.i32[e >> 2] = c;
    this.f32[(e >> 2) + 1] = this.f32[s.minVal + c]!;
    this.f64[(e >> 3) + 1] = this.f64[s.minIdx + c]!;
    s.cnt++;
    this.i32[s.active + c] = 0;
    this.f64[s.dead + c] = this.f64[s.minIdx + c]! + s.refractory;
  }

  /** A sample of channel c outside a spike: starts one below th once the dead time is over. */
  private startIf(s: Spikes, c: number, y: number, th: number, idx: number): boolean {
    if (!(y < th && idx >= this.f64[s.dead + c]!)) return false;
    this.i32[s.active + c] = -1;
    this.f32[s.minVal + c] = y;
    this.f64[s.minIdx + c] = idx;
    this.f64[s.startIdx + c] = idx;
    return true;
  }

  chan_sums(
    G: number,
    gStride: number,
    nVec: number,
    vstep: number,
    C: number,
    sums: number,
    abs: number,
  ): void {
    const f = this.f32;
    for (let c = 0; c < C; c++) {
      const p = (G + c * gStride) >> 2;
      const s1 = [0, 0, 0, 0];
      const s2 = [0, 0, 0, 0];
      const s3 = [0, 0, 0, 0];
      for (let j = 0; j < 4 * nVec; j++) s3[j & 3] = fr(s3[j & 3]! + Math.abs(f[p + j]!));
      for (let k = 0; k < nVec; k += vstep)
        for (let j = 4 * k; j < 4 * k + 4; j++) {
          const v = f[p + j]!;
          s1[j & 3] = fr(s1[j & 3]! + v);
          s2[j & 3] = fr(s2[j & 3]! + fr(v * v));
        }
      const o = (sums >> 3) + 2 * c;
      this.f64[o] = this.f64[o]! + hsum(s1);
      this.f64[o + 1] = this.f64[o + 1]! + hsum(s2);
      f[(abs >> 2) + c] = hsum(s3);
    }
  }

  corr_quads(
    G: number,
    gStride: number,
    nVec: number,
    vstep: number,
    quads: number,
    Q: number,
    sums: number,
  ): void {
    const f = this.f32;
    for (let q = 0; q < Q; q++) {
      const qp = (quads >> 2) + 5 * q;
      const pa = (G + this.i32[qp]! * gStride) >> 2;
      for (let k = 0; k < 4; k++) {
        const pb = (G + this.i32[qp + 1 + k]! * gStride) >> 2;
        const s = [0, 0, 0, 0];
        for (let v = 0; v < nVec; v += vstep)
          for (let j = 4 * v; j < 4 * v + 4; j++) s[j & 3] = fr(s[j & 3]! + fr(f[pa + j]! * f[pb + j]!));
        const o = (sums >> 3) + 4 * q + k;
        this.f64[o] = this.f64[o]! + hsum(s);
      }
    }
  }

  lockin_rows(x: number, rows: number, rowBytes: number, acc: number, sc: number): void {
    const f = this.f32;
    const d = this.f64;
    const lanes = rowBytes >> 2;
    for (let t = 0; t < rows; t++) {
      const sn = d[(sc >> 3) + 2 * t]!;
      const cs = d[(sc >> 3) + 2 * t + 1]!;
      for (let c = 0; c < lanes; c++) {
        const v = f[(x >> 2) + t * lanes + c]!;
        const p = (acc >> 3) + (c >> 2) * 8 + (c & 3);
        d[p] = d[p]! + v * sn;
        d[p + 4] = d[p + 4]! + v * cs;
      }
    }
  }

  lfp_rows(
    x: number,
    rows: number,
    rowBytes: number,
    z: number,
    nCoef: number,
    nNotch: number,
    bCoef: number,
    n1: number,
    n4: number,
    n8: number,
    spb: number,
    pow: number,
    settle: number,
    line: number,
    sc: number,
    phase: number,
  ): void {
    const f = this.f32;
    const d = this.f64;
    const lanes = rowBytes >> 2;
    const nb = n1 + n4 + n8;
    const zStride = (nNotch + nb * spb) * 8 + 8; // floats per group
    for (let t = 0; t < rows; t++) {
      const sn = d[(sc >> 3) + 2 * t]!;
      const cs = d[(sc >> 3) + 2 * t + 1]!;
      const acc = t >= settle;
      const e4 = ((phase + t) & 3) === 3;
      const e8 = ((phase + t) & 7) === 7;
      for (let c = 0; c < lanes; c++) {
        const lane = c & 3;
        const gi = c >> 2;
        let v = f[(x >> 2) + t * lanes + c]!;
        // Line: I of lanes 0–1, I of 2–3, Q of 0–1, Q of 2–3 (f64 pairs).
        const lp = (line >> 3) + gi * 8 + lane;
        d[lp] = d[lp]! + v * sn;
        d[lp + 4] = d[lp + 4]! + v * cs;
        let zp = (z >> 2) + gi * zStride + lane;
        let cp = (nCoef >> 2) + lane;
        for (let n = 0; n < nNotch; n++, zp += 8, cp += 16) {
          const z0 = f[zp]!;
          const z1 = f[zp + 4]!;
          const u = fr(f[cp]! * v);
          const y = fr(u + z0);
          f[zp] = fr(fr(fr(fr(f[cp + 4]! * u) - fr(f[cp + 8]! * y)) + fr(z0 + z0)) + z1);
          f[zp + 4] = fr(fr(f[cp + 12]! * y) - z0);
          v = y;
        }
        const xn = v;
        const zb = zp + nb * spb * 8;
        const b4 = fr(f[zb]! + xn);
        const b8 = fr(f[zb + 4]! + xn);
        f[zb] = e4 ? 0 : b4;
        f[zb + 4] = e8 ? 0 : b8;
        cp = (bCoef >> 2) + lane;
        let pp = (pow >> 3) + gi * nb * 4 + lane;
        const bands = (input: number, count: number, on: boolean): void => {
          for (let b = 0; b < count; b++, pp += 4) {
            let w = input;
            for (let s = 0; s < spb; s++, zp += 8, cp += 20) {
              if (!on) continue;
              const y = fr(fr(f[cp]! * w) + f[zp]!);
              f[zp] = fr(fr(fr(f[cp + 4]! * w) - fr(f[cp + 12]! * y)) + f[zp + 4]!);
              f[zp + 4] = fr(fr(f[cp + 8]! * w) - fr(f[cp + 16]! * y));
              w = y;
            }
            if (on && acc) d[pp] = d[pp]! + fr(w * w);
          }
        };
        bands(xn, n1, true);
        bands(fr(b4 * 0.25), n4, e4);
        bands(fr(b8 * 0.125), n8, e8);
      }
    }
  }
}

/** Word indices of the spike state arrays, the event buffer and the events written so far. */
interface Spikes {
  active: number;
  minVal: number;
  minIdx: number;
  startIdx: number;
  dead: number;
  maxWidth: number;
  refractory: number;
  ev: number;
  cnt: number;
}

/** (l0 + l1) + (l2 + l3) in single precision. */
const hsum = (l: number[]): number => fr(fr(l[0]! + l[1]!) + fr(l[2]! + l[3]!));

/** Histogram bin of |x|: min(nb − 1, trunc(|x|·scale)), NaN → 0 (WebAssembly's trunc_sat). */
function bin(x: number, scale: number, nb: number): number {
  const b = fr(Math.abs(x) * scale);
  return b >= nb ? nb - 1 : b | 0;
}

/**
 * Short-horizon predictor of the brain surface from the delayed, noisy displacement sensor: a Kalman filter on a
 * chain of integrators (position … highest derivative driven by white noise), run at the sensor's sample rate,
 * then extrapolated by its Taylor polynomial over the latency to beat. Over a few ms the quasi-periodic motion is
 * locally polynomial (the 3rd cardiac harmonic's jerk over 5 ms moves it by < 0.01 µm), so a 4-state model
 * predicts to well under the sensor noise while averaging that noise over ~10–20 samples.
 */
export interface PredictorParams {
  /** Number of states: 3 = constant acceleration, 4 = constant jerk. */
  order: 3 | 4;
  /** White-noise PSD driving the highest derivative, µm² s^(1-2·order+2)… i.e. (µm/s^(order))²·s. */
  processNoisePsd: number;
}

export const DEFAULT_PREDICTOR: Readonly<PredictorParams> = Object.freeze({
  order: 4,
  processNoisePsd: 2e12,
});

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

export class SurfacePredictor {
  readonly n: number;
  private readonly x: Float64Array;
  private readonly P: Float64Array;
  private readonly F: Float64Array;
  private readonly Q: Float64Array;
  private readonly tmp: Float64Array;
  private readonly fp: Float64Array;
  private readonly gain: Float64Array;
  private steady = false;
  private initialised = false;
  /** Time (s) the state refers to: the sample time of the last measurement. */
  stateTimeS = 0;

  constructor(
    params: PredictorParams,
    samplePeriodS: number,
    private readonly noiseVarianceUm2: number,
  ) {
    const n = params.order;
    this.n = n;
    this.x = new Float64Array(n);
    this.P = new Float64Array(n * n);
    this.F = new Float64Array(n * n);
    this.Q = new Float64Array(n * n);
    this.tmp = new Float64Array(n * n);
    this.fp = new Float64Array(n * n);
    this.gain = new Float64Array(n);
    const T = samplePeriodS;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) this.F[i * n + j] = T ** (j - i) / factorial(j - i);
    }
    const q = params.processNoisePsd;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = n - 1 - i;
        const b = n - 1 - j;
        this.Q[i * n + j] = (q * T ** (a + b + 1)) / (factorial(a) * factorial(b) * (a + b + 1));
      }
    }
  }

  /** Feed one sensor sample (µm) taken at `sampleTimeS`; samples must arrive once per sample period. */
  update(measurementUm: number, sampleTimeS: number): void {
    this.count++;
    const n = this.n;
    const { x, P, F, Q, tmp } = this;
    if (!this.initialised) {
      x.fill(0);
      x[0] = measurementUm;
      P.fill(0);
      P[0] = this.noiseVarianceUm2;
      // Broad prior on the derivatives: velocity ±1 mm/s, acceleration ±20 mm/s², jerk ±1 m/s³.
      const prior = [0, 1e6, 4e8, 1e12];
      for (let i = 1; i < n; i++) P[i * n + i] = prior[i]!;
      this.initialised = true;
      this.stateTimeS = sampleTimeS;
      return;
    }
    // Predict: x = F x; P = F P Fᵀ + Q.
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i; j < n; j++) s += F[i * n + j]! * x[j]!;
      tmp[i] = s;
    }
    for (let i = 0; i < n; i++) x[i] = tmp[i]!;
    if (this.steady) {
      const innovation = measurementUm - x[0]!;
      for (let i = 0; i < n; i++) x[i] = x[i]! + this.gain[i]! * innovation;
      this.stateTimeS = sampleTimeS;
      return;
    }
    const FP = this.fp;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = i; k < n; k++) s += F[i * n + k]! * P[k * n + j]!;
        FP[i * n + j] = s;
      }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = j; k < n; k++) s += FP[i * n + k]! * F[j * n + k]!;
        P[i * n + j] = s + Q[i * n + j]!;
      }
    // Update with H = [1 0 … 0].
    const S = P[0]! + this.noiseVarianceUm2;
    const innovation = measurementUm - x[0]!;
    for (let i = 0; i < n; i++) tmp[i] = P[i * n]! / S;
    for (let i = 0; i < n; i++) x[i] = x[i]! + tmp[i]! * innovation;
    for (let i = 0; i < n; i++) {
      const ki = tmp[i]!;
      for (let j = 0; j < n; j++) P[i * n + j] = P[i * n + j]! - ki * P[j]!;
    }
    // The model is time-invariant, so the gain converges: once it stops changing, freeze it (steady-state filter).
    let change = 0;
    for (let i = 0; i < n; i++)
      change = Math.max(change, Math.abs(tmp[i]! - this.gain[i]!) / (Math.abs(tmp[i]!) + 1e-300));
    this.gain.set(tmp.subarray(0, n));
    if (change < 1e-10) this.steady = true;
    this.stateTimeS = sampleTimeS;
  }

  /** Samples fed so far. */
  count = 0;

  /** True once enough samples have arrived for the derivative estimates to have settled (10 ms at 5 kHz). */
  get ready(): boolean {
    return this.count >= 50;
  }

  /**
   * Predicted surface position, velocity and acceleration at `timeS` (µm, µm/s, µm/s²), written into `out`.
   * Extrapolation is the Taylor polynomial of the state.
   */
  predict(timeS: number, out: Float64Array): void {
    const h = timeS - this.stateTimeS;
    const x = this.x;
    const x0 = x[0]!;
    const x1 = x[1]!;
    const x2 = x[2]!;
    if (this.n === 4) {
      const x3 = x[3]!;
      out[0] = x0 + h * (x1 + h * (x2 / 2 + (h * x3) / 6));
      out[1] = x1 + h * (x2 + (h * x3) / 2);
      out[2] = x2 + h * x3;
    } else {
      out[0] = x0 + h * (x1 + (h * x2) / 2);
      out[1] = x1 + h * x2;
      out[2] = x2;
    }
  }
}

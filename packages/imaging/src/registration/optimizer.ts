/**
 * Optimisers for registration: L-BFGS (the default) and regular step gradient descent.
 *
 * Regular step gradient descent (ITK's RegularStepGradientDescentOptimizer): fixed-length steps
 * along the scaled gradient, the step shrunk by `relaxation` whenever the gradient turns back (an
 * overshoot). Scaling: the optimiser works on q = p·scale, so one unit of every scaled parameter moves
 * image points by about one millimetre (for a rotation: scale = a typical radius in mm).
 */
import { checkCancelled, type TaskControl } from '../task.ts';

export interface StepDescentOptions {
  /** First step length (scaled units, ≈ mm). */
  maxStep: number;
  /** Stop when the step has shrunk below this. */
  minStep: number;
  maxIterations: number;
  /** Step multiplier on a direction reversal (default 0.5). */
  relaxation?: number;
  /** Stop when the scaled gradient's norm falls below this (default 1e-10). */
  gradientTolerance?: number;
  control?: TaskControl;
  /** Called once per iteration (e.g. for progress). */
  onIteration?: (iteration: number) => void;
}

export interface StepDescentResult {
  parameters: Float64Array;
  value: number;
  iterations: number;
  stop: 'min-step' | 'max-iterations' | 'gradient';
}

/**
 * Minimises `f` from `start`. `f(p, gradient)` returns the value at p and writes ∂f/∂p into `gradient`;
 * it must return a finite number (throw otherwise).
 */
export function regularStepGradientDescent(
  f: (p: Float64Array, gradient: Float64Array) => number,
  start: ArrayLike<number>,
  scales: ArrayLike<number>,
  options: StepDescentOptions,
): StepDescentResult {
  const n = start.length;
  const p = Float64Array.from(start);
  const g = new Float64Array(n);
  const dir = new Float64Array(n);
  const previous = new Float64Array(n);
  const relaxation = options.relaxation ?? 0.5;
  const tolerance = options.gradientTolerance ?? 1e-10;
  let step = options.maxStep;
  let value = NaN;
  let havePrevious = false;
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    checkCancelled(options.control, 'registration');
    value = f(p, g);
    options.onIteration?.(iteration);
    let norm = 0;
    let turn = 0;
    for (let c = 0; c < n; c++) {
      dir[c] = g[c]! / scales[c]!;
      norm += dir[c]! * dir[c]!;
      turn += dir[c]! * previous[c]!;
    }
    norm = Math.sqrt(norm);
    if (!(norm > tolerance)) return { parameters: p, value, iterations: iteration + 1, stop: 'gradient' };
    if (havePrevious && turn < 0) step *= relaxation;
    if (step < options.minStep) return { parameters: p, value, iterations: iteration + 1, stop: 'min-step' };
    for (let c = 0; c < n; c++) {
      p[c] = p[c]! - (step * dir[c]!) / norm / scales[c]!;
      previous[c] = dir[c]!;
    }
    havePrevious = true;
  }
  return { parameters: p, value: f(p, g), iterations: options.maxIterations, stop: 'max-iterations' };
}

export interface LbfgsOptions {
  /** Longest step (scaled units, ≈ mm). */
  maxStep: number;
  /** Converged when an accepted step is shorter than this (scaled units). */
  minStep: number;
  maxIterations: number;
  /** Correction pairs kept (default 6). */
  memory?: number;
  control?: TaskControl;
  onIteration?: (iteration: number) => void;
}

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, on q = p·scale. Unlike fixed-length
 * gradient steps it follows weakly constrained directions (e.g. a rotation the anatomy barely
 * determines) to their minimum instead of stopping where the gradient is small.
 */
export function lbfgs(
  f: (p: Float64Array, gradient: Float64Array) => number,
  start: ArrayLike<number>,
  scales: ArrayLike<number>,
  options: LbfgsOptions,
): StepDescentResult {
  const n = start.length;
  const m = options.memory ?? 6;
  const q = new Float64Array(n);
  for (let c = 0; c < n; c++) q[c] = start[c]! * scales[c]!;
  const p = new Float64Array(n);
  const gp = new Float64Array(n);
  // f and its gradient in scaled space.
  const evaluate = (x: Float64Array, g: Float64Array): number => {
    for (let c = 0; c < n; c++) p[c] = x[c]! / scales[c]!;
    const value = f(p, gp);
    for (let c = 0; c < n; c++) g[c] = gp[c]! / scales[c]!;
    return value;
  };
  const g = new Float64Array(n);
  let value = evaluate(q, g);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const d = new Float64Array(n);
  const alphas = new Float64Array(m);
  const trial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += a[c]! * b[c]!;
    return s;
  };
  let iterations = 0;
  let stop: StepDescentResult['stop'] = 'max-iterations';
  while (iterations < options.maxIterations) {
    checkCancelled(options.control, 'registration');
    options.onIteration?.(iterations);
    iterations++;
    // Two-loop recursion: d = −H·g.
    d.set(g);
    for (let k = ss.length - 1; k >= 0; k--) {
      alphas[k] = dot(ss[k]!, d) / dot(ys[k]!, ss[k]!);
      for (let c = 0; c < n; c++) d[c] = d[c]! - alphas[k]! * ys[k]![c]!;
    }
    if (ss.length) {
      const last = ss.length - 1;
      const gamma = dot(ss[last]!, ys[last]!) / dot(ys[last]!, ys[last]!);
      for (let c = 0; c < n; c++) d[c] = d[c]! * gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const beta = dot(ys[k]!, d) / dot(ys[k]!, ss[k]!);
      for (let c = 0; c < n; c++) d[c] = d[c]! + ss[k]![c]! * (alphas[k]! - beta);
    }
    for (let c = 0; c < n; c++) d[c] = -d[c]!;
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction: forget the curvature pairs and go down the gradient.
      ss.length = 0;
      ys.length = 0;
      for (let c = 0; c < n; c++) d[c] = -g[c]!;
      slope = dot(g, d);
      if (!(slope < 0)) {
        stop = 'gradient';
        break;
      }
    }
    const length = Math.sqrt(dot(d, d));
    let alpha = ss.length ? Math.min(1, options.maxStep / length) : options.maxStep / length;
    let accepted = false;
    let trialValue = NaN;
    while (alpha * length >= options.minStep) {
      for (let c = 0; c < n; c++) trial[c] = q[c]! + alpha * d[c]!;
      trialValue = evaluate(trial, gTrial);
      if (trialValue <= value + 1e-4 * alpha * slope) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) {
      stop = 'min-step';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      s[c] = trial[c]! - q[c]!;
      y[c] = gTrial[c]! - g[c]!;
    }
    q.set(trial);
    g.set(gTrial);
    value = trialValue;
    if (dot(s, y) > 1e-12 * dot(y, y)) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
    }
    if (alpha * length < options.minStep) {
      stop = 'min-step';
      break;
    }
  }
  const parameters = new Float64Array(n);
  for (let c = 0; c < n; c++) parameters[c] = q[c]! / scales[c]!;
  return { parameters, value, iterations, stop };
}

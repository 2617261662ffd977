/**
 * Closed-form IK for the wrist-partitioned geometry of our arm, used to seed the numerical solver.
 *
 * It applies when the chain is (checked numerically at construction, otherwise `analyticIkFor` returns null):
 * joint 0 about z with its origin on the base z axis; joints 1, 2 about y; joint 3 about x; a spherical wrist
 * (joint 4 about y on joint 3's x axis, joint 5 about x on joint 4's x axis); all joint origins unrotated and in
 * the xz plane of their parent; then one prismatic insertion joint whose axis and the tool tip lie on joint 5's
 * x axis. For a chosen insertion value d the wrist centre is W = tip − (ℓ + d)·x₅, joints 0–2 place W (two
 * shoulder × two elbow branches: planar 2R in the arm plane), joints 3–5 make the x-y-x Euler angles of the
 * remaining rotation (two wrist branches). Up to 8 configurations per d, written into preallocated rows.
 */
import type { KinematicChain } from './types.ts';

const EPS = 1e-9;

export interface AnalyticIk {
  /**
   * Configurations (within ±∞; limits are the caller's business) reaching the tool pose `R` (row-major),
   * `p` (mm) with insertion `dMm`; `hint` resolves singular branches (free angle taken from it).
   * Writes rows of 7 into `out` (8 rows) and returns how many.
   */
  solve(
    R: ArrayLike<number>,
    p: ArrayLike<number>,
    dMm: number,
    hint: ArrayLike<number>,
    out: Float64Array,
  ): number;
}

function near(a: number, b: number, tol = EPS): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function isIdentity(r: ArrayLike<number>): boolean {
  for (let i = 0; i < 9; i++) if (!near(r[i]!, i % 4 === 0 ? 1 : 0)) return false;
  return true;
}

function axisIs(a: readonly number[], k: number): boolean {
  const n = Math.hypot(a[0]!, a[1]!, a[2]!);
  return [0, 1, 2].every((i) => near(a[i]! / n, i === k ? 1 : 0));
}

/** The closed-form solver when the chain has the geometry described above, else null. */
export function analyticIkFor(chain: KinematicChain): AnalyticIk | null {
  const j = chain.joints;
  if (j.length !== 7) return null;
  if (j.slice(0, 6).some((x) => x.type === 'prismatic') || j[6]!.type !== 'prismatic') return null;
  const axes = [2, 1, 1, 0, 1, 0];
  for (let i = 0; i < 6; i++) {
    if (!axisIs(j[i]!.axis, axes[i]!) || !isIdentity(j[i]!.originFromParent.rotation)) return null;
    const t = j[i]!.originFromParent.positionMm;
    if (!near(t[1], 0)) return null;
    if (i === 0 && !near(t[0], 0)) return null;
    if (i >= 4 && !near(t[2], 0)) return null; // wrist origins on the previous x axis
  }
  // Tip in the frame of joint 5 (after its motion): T6 + R6·(a·d + toolT) must be (ℓ + d, 0, 0).
  const o6 = j[6]!.originFromParent;
  const R6 = o6.rotation;
  const a = j[6]!.axis;
  const an = Math.hypot(...a);
  const ax = [0, 1, 2].map((r) => (R6[3 * r]! * a[0] + R6[3 * r + 1]! * a[1] + R6[3 * r + 2]! * a[2]) / an);
  if (!near(ax[0]!, 1) || !near(ax[1]!, 0) || !near(ax[2]!, 0)) return null;
  const tt = chain.toolFromLastJoint.positionMm;
  const tip0 = [0, 1, 2].map(
    (r) => o6.positionMm[r]! + R6[3 * r]! * tt[0] + R6[3 * r + 1]! * tt[1] + R6[3 * r + 2]! * tt[2],
  );
  if (!near(tip0[1]!, 0, 1e-9) || !near(tip0[2]!, 0, 1e-9)) return null;
  // Tool rotation relative to joint 5's frame: Rtool = R5 · R6 · toolR, so R5 = Rtool · (R6·toolR)ᵀ.
  const TR = chain.toolFromLastJoint.rotation;
  const F = new Float64Array(9); // R6 · toolR
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      F[3 * r + c] = R6[3 * r]! * TR[c]! + R6[3 * r + 1]! * TR[3 + c]! + R6[3 * r + 2]! * TR[6 + c]!;

  const h0 = j[0]!.originFromParent.positionMm[2];
  const [a1, , b1] = j[1]!.originFromParent.positionMm;
  const L1x = j[2]!.originFromParent.positionMm[0],
    L1z = j[2]!.originFromParent.positionMm[2];
  const L2x = j[3]!.originFromParent.positionMm[0] + j[4]!.originFromParent.positionMm[0],
    L2z = j[3]!.originFromParent.positionMm[2];
  const reach = j[5]!.originFromParent.positionMm[0] + tip0[0]!;
  const A = L1x * L2x + L1z * L2z;
  const B = L1x * L2z - L1z * L2x;
  const rhoAB = Math.hypot(A, B);
  const psi = Math.atan2(B, A);
  const phiL1 = L1x * L1x + L1z * L1z,
    phiL2 = L2x * L2x + L2z * L2z;
  const R5 = new Float64Array(9);
  const M = new Float64Array(9);

  return {
    solve(R, p, dMm, hint, out) {
      // R5 = R · Fᵀ; the needle axis is R5's x column.
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 3; c++)
          R5[3 * r + c] =
            R[3 * r]! * F[3 * c]! + R[3 * r + 1]! * F[3 * c + 1]! + R[3 * r + 2]! * F[3 * c + 2]!;
      const ell = reach + dMm;
      const wx = p[0]! - ell * R5[0]!,
        wy = p[1]! - ell * R5[3]!,
        wz = p[2]! - ell * R5[6]! - h0;
      const rxy = Math.hypot(wx, wy);
      let count = 0;
      for (let s = 0; s < 2; s++) {
        // Shoulder: the arm plane contains W; facing it (ux > 0) or turned away (ux < 0).
        const q0 = rxy < 1e-9 ? hint[0]! : Math.atan2(wy, wx) + (s ? Math.PI : 0);
        if (rxy < 1e-9 && s) break;
        const ux = (s ? -rxy : rxy) - a1,
          uz = wz - b1;
        const K = (ux * ux + uz * uz - phiL1 - phiL2) / 2;
        if (Math.abs(K) > rhoAB * (1 + 1e-12)) continue;
        const dq = Math.acos(Math.max(-1, Math.min(1, K / rhoAB)));
        for (let e = 0; e < 2; e++) {
          const q2 = psi + (e ? -dq : dq);
          const c2 = Math.cos(q2),
            s2 = Math.sin(q2);
          const mx = L1x + L2x * c2 + L2z * s2,
            mz = L1z - L2x * s2 + L2z * c2;
          const q1 = Math.atan2(ux, uz) - Math.atan2(mx, mz);
          // Wrist: M = R3ᵀ R5 with R3 = Rz(q0) Ry(q1+q2) = Rx(q3) Ry(q4) Rx(q5).
          const c0 = Math.cos(q0),
            s0 = Math.sin(q0),
            c12 = Math.cos(q1 + q2),
            s12 = Math.sin(q1 + q2);
          // R3 rows: Rz·Ry = [[c0 c12, −s0, c0 s12], [s0 c12, c0, s0 s12], [−s12, 0, c12]]; M = R3ᵀ·R5.
          for (let c = 0; c < 3; c++) {
            const r0 = R5[c]!,
              r1 = R5[3 + c]!,
              r2 = R5[6 + c]!;
            M[c] = c0 * c12 * r0 + s0 * c12 * r1 - s12 * r2;
            M[3 + c] = -s0 * r0 + c0 * r1;
            M[6 + c] = c0 * s12 * r0 + s0 * s12 * r1 + c12 * r2;
          }
          const sb = Math.hypot(M[1]!, M[2]!);
          for (let w = 0; w < 2; w++) {
            const row = 7 * count;
            out[row] = q0;
            out[row + 1] = q1;
            out[row + 2] = q2;
            out[row + 6] = dMm;
            if (sb < 1e-9) {
              // Wrist singular: q3 + q5 is fixed; keep the hint's q3.
              if (w) break;
              out[row + 3] = hint[3]!;
              out[row + 4] = M[0]! > 0 ? 0 : Math.PI;
              out[row + 5] = Math.atan2(M[7]!, M[4]!) * (M[0]! > 0 ? 1 : -1) - hint[3]!;
            } else {
              const sg = w ? -1 : 1;
              out[row + 4] = Math.atan2(sg * sb, M[0]!);
              out[row + 5] = Math.atan2(sg * M[1]!, sg * M[2]!);
              out[row + 3] = Math.atan2(sg * M[3]!, -sg * M[6]!);
            }
            count++;
          }
        }
      }
      return count;
    },
  };
}

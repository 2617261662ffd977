/** Eigenvalues (largest first) and unit eigenvectors of a symmetric 3×3 (row-major): imaging's Jacobi solver. */
import { symmetricEigenvectors } from '@neuroplan/imaging';
import type { Vec3 } from '../types.ts';

export function symmetricEigen3(a: number[]): { values: Vec3; vectors: [Vec3, Vec3, Vec3] } {
  const { vectors: v, values } = symmetricEigenvectors(a);
  const column = (c: number): Vec3 => [v[c]!, v[3 + c]!, v[6 + c]!];
  return { values: [values[0], values[1], values[2]], vectors: [column(0), column(1), column(2)] };
}

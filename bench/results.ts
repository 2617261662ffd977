/** The one result line every benchmark prints and appends to bench/results/<area>.jsonl. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  ours_s: number;
  peer: string;
  peer_s: number;
  /** peer_s / ours_s: how many times faster we are. */
  ratio: number;
  /** The ratio the issue asks for. */
  target: number;
  met: boolean;
  [extra: string]: unknown;
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function report(area: string, result: BenchResult): void {
  const line = JSON.stringify({ ...result, date: new Date().toISOString() });
  console.log(line);
  mkdirSync(resultsDir, { recursive: true });
  appendFileSync(join(resultsDir, `${area}.jsonl`), line + '\n');
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

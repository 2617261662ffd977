/**
 * `npm run bench -- cases [record|seek|report ...] [--quick]`: case recording throughput at full rates with raw
 * signals, seek latency in a ≥ 1 GB recording, and the report of a one-hour case. Each part appends its JSON
 * line(s) to bench/results/cases.jsonl. Data goes to .tmp/cases-bench/ (deleted afterwards unless --keep).
 */
const parts: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  record: () => import('./cases/record.ts'),
  seek: () => import('./cases/seek.ts'),
  report: () => import('./cases/report.ts'),
};

export async function run(args: string[]): Promise<void> {
  const names = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const chosen = names.length ? names : Object.keys(parts);
  for (const name of chosen) {
    const load = parts[name];
    if (!load) throw new Error(`unknown cases benchmark "${name}" (have: ${Object.keys(parts).join(', ')})`);
    await (await load()).run(flags);
  }
}

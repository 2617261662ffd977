/** Progress on stderr, only for a person at a terminal (never mixed into --json output on stdout). */
export function progressReporter(
  label: string,
): ((p: { phase: string; done: number; total: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return ({ phase, done, total }) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const pct = total ? Math.floor((100 * done) / total) : 100;
    process.stderr.write(`\r${label} ${phase}: ${done}/${total} (${pct}%)   ${done === total ? '\n' : ''}`);
  };
}

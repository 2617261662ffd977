/**
 * `npm run bench -- kinematics [ik|control ...]`: the kinematics issue's benchmarks, each against its named peer in
 * the same run; each part appends its own JSON line(s). Options after the part names are passed on
 * (`--quick`: fewer poses).
 */
const parts: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  ik: () => import('./kinematics/ik.ts'),
  control: async () => ({ run: (await import('./kinematics/control.ts')).runControl }),
};

export async function run(args: string[]): Promise<void> {
  const names = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const chosen = names.length ? names : Object.keys(parts);
  for (const name of chosen) {
    const load = parts[name];
    if (!load)
      throw new Error(`unknown kinematics benchmark "${name}" (have: ${Object.keys(parts).join(', ')})`);
    await (await load()).run(flags);
  }
}

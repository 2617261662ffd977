/**
 * `npm run bench -- reconstruction [surfaces|distance|registration ...]`: the reconstruction issue's
 * benchmarks, each against its named peer in the same run; each part appends its own JSON line(s).
 */
const parts: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  surfaces: () => import('./reconstruction/surfaces.ts'),
  distance: () => import('./reconstruction/distance.ts'),
  registration: () => import('./reconstruction/registration.ts'),
};

export async function run(args: string[]): Promise<void> {
  const chosen = args.length ? args : Object.keys(parts);
  for (const name of chosen) {
    const load = parts[name];
    if (!load)
      throw new Error(`unknown reconstruction benchmark "${name}" (have: ${Object.keys(parts).join(', ')})`);
    await (await load()).run([]);
  }
}

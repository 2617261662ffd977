/** `npm run bench -- <area>`: runs one benchmark area side by side with its peer. */
const areas: Record<string, () => Promise<void>> = {
  imaging: async () => (await import('./imaging.ts')).run(process.argv.slice(3)),
  reconstruction: async () => (await import('./reconstruction.ts')).run(process.argv.slice(3)),
  planning: async () => (await import('./planning.ts')).run(process.argv.slice(3)),
  kinematics: async () => (await import('./kinematics.ts')).run(process.argv.slice(3)),
  bci: async () => (await import('./bci.ts')).run(process.argv.slice(3)),
  cases: async () => (await import('./cases.ts')).run(process.argv.slice(3)),
  ros: async () => (await import('./ros.ts')).run(process.argv.slice(3)),
};

const area = process.argv[2];
if (!area || !(area in areas)) {
  console.error(`usage: npm run bench -- <area>   (areas: ${Object.keys(areas).join(', ')})`);
  process.exit(2);
}
await areas[area]!();

// `npm start`: the main job. Until the planner app exists it writes the demo case (the synthetic head
// phantom, once) and runs the CLI on it, so a newcomer sees NeuroPlan read a patient at once.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const demo = join(root, '.tmp', 'demo-case');
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(join(demo, 'ground-truth.json'))) {
  console.log(`Writing the demo case (synthetic head phantom) to ${demo} ...`);
  run(['phantom', '--out', demo, '--size', '256', '--seed', '1']);
}
console.log('\nneuroplan inspect .tmp/demo-case\n');
run(['inspect', demo]);

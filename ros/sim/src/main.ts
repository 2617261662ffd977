/**
 * Runs the simulator until SIGINT/SIGTERM (scripts/start.mjs spawns this with `node --import tsx`).
 * Options: --port N (default 9090), --host H (default 127.0.0.1), --demo-dir D (default <repo>/.tmp).
 */
import { fileURLToPath } from 'node:url';
import { describeSimulator, startSimulatedRobot } from './sim.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const port = Number(arg('port', '9090'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`robot simulator: --port must be an integer 0..65535, got ${arg('port', '')}`);
  process.exit(2);
}
const handle = await startSimulatedRobot({
  port,
  host: arg('host', '127.0.0.1'),
  demoCredentialDir: arg('demo-dir', fileURLToPath(new URL('../../../.tmp', import.meta.url))),
});
for (const line of describeSimulator(handle)) console.log(line);
const stop = () => {
  void handle.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

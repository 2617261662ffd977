// `npm start`: the main job. Builds the planner (Vite, a few seconds) and serves it cross-origin isolated
// on 127.0.0.1; the demo case (the synthetic head phantom) opens in it by default. Prints the address.
// Options: --port N (default 4173, or $PORT), --host H (default 127.0.0.1).
// It also runs the simulated robot (rosbridge v2 on ws://host:9090, or --robot-port N; --no-robot skips it) in a
// child process, and prints its URL and the demo operator credential it creates (`neuroplan sim --record .tmp/cases`: the session is recorded for Replay).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(root, 'apps', 'planner');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', process.env.PORT ?? '4173'));
const host = arg('host', '127.0.0.1');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`npm start: --port must be an integer 0..65535, got ${arg('port')}`);
  process.exit(2);
}

const robotPort = Number(arg('robot-port', '9090'));
if (!Number.isInteger(robotPort) || robotPort < 0 || robotPort > 65535) {
  console.error(`npm start: --robot-port must be an integer 0..65535, got ${arg('robot-port')}`);
  process.exit(2);
}
if (!process.argv.includes('--no-robot')) {
  const robot = spawn(
    process.execPath,
    [
      join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs'),
      'sim',
      '--port',
      String(robotPort),
      '--host',
      host,
      '--record',
      join(root, '.tmp', 'cases'),
      '--case-id',
      'demo',
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  robot.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`npm start: the robot simulator exited with ${code}`);
  });
  const stopRobot = () => robot.exitCode === null && robot.kill('SIGTERM');
  process.on('exit', stopRobot);
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      stopRobot();
      process.exit(0);
    });
}

// The planner's own Vite (the root may hold another major version for other tools).
const { build, preview } = await import(createRequire(join(app, 'package.json')).resolve('vite'));
console.log('Building the planner ...');
await build({ root: app, logLevel: 'warn' });
const server = await preview({ root: app, preview: { host, port, strictPort: port !== 0 } });
const address = server.resolvedUrls?.local?.[0] ?? `http://${host}:${port}/`;
console.log(`\nNeuroPlan planner: open ${address}  (the demo case opens by default; Ctrl+C stops)\n`);

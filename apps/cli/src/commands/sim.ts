/**
 * `neuroplan sim [--port 9090] [--host 127.0.0.1] [--record DIR] [--case-id ID] [--json]`: runs the simulated
 * insertion robot behind a rosbridge v2 server until Ctrl+C (SIGINT) or SIGTERM, and prints its URL. With
 * --record, the whole session goes into DIR/<case-id>-<time>.mcap (@neuroplan/cases) and the same port serves
 * the recordings over HTTP (GET /cases, /cases/<name> with ranges) for the planner's Replay mode. Operator credentials come from
 * NEUROPLAN_OPERATOR_SECRETS (a JSON file of scrypt hashes) or NEUROPLAN_OPERATOR_PASSWORD (operator
 * `operator`); when neither is set, a demo operator with a fresh random password is created for this run
 * (hash in .tmp/robot-operators.json, gitignored) and its name and password are printed.
 */
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { attachSimRecording } from '@neuroplan/cases/node';
import { describeSimulator, recordingsHttpHandler, startSimulatedRobot } from '@neuroplan/ros-sim';

export interface SimJson {
  url: string;
  operator: string | null;
  password: string | null;
  credentials: string;
  /** The MCAP file being written, when --record was given. */
  recording: string | null;
}

const portNumber = (s: string): number => {
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isInteger(v) || v > 65535)
    throw new InvalidArgumentError(`--port must be an integer 0..65535, got '${s}'`);
  return v;
};

export function simCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('sim')
    .description('run the simulated robot (rosbridge v2 WebSocket server) until Ctrl+C')
    .option('--port <n>', 'WebSocket port (0 = any free port)', portNumber, 9090)
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option(
      '--record <dir>',
      'record the session (MCAP) into this folder and serve recordings on the same port',
    )
    .option('--case-id <id>', 'case id of the recording', 'sim')
    .option('--json', 'print one JSON object (url, demo operator and password) on stdout')
    .action(async (opts: { port: number; host: string; record?: string; caseId: string; json?: boolean }) => {
      let handle;
      let recording;
      try {
        handle = await startSimulatedRobot({
          port: opts.port,
          host: opts.host,
          demoCredentialDir: fileURLToPath(new URL('../../../../.tmp', import.meta.url)),
          ...(opts.record ? { bridge: { http: recordingsHttpHandler(opts.record) } } : {}),
        });
        recording = opts.record
          ? await attachSimRecording(handle.graph, { dir: opts.record, caseId: opts.caseId })
          : null;
      } catch (e) {
        await handle?.close();
        process.stderr.write(`neuroplan sim: ${e instanceof Error ? e.message : String(e)}\n`);
        setExit(1);
        return;
      }
      if (opts.json) {
        const out: SimJson = {
          url: handle.url,
          operator: handle.demoCredential?.operator ?? null,
          password: handle.demoCredential?.password ?? null,
          credentials: handle.demoCredential?.path ?? handle.credentialSource,
          recording: recording?.file ?? null,
        };
        process.stdout.write(JSON.stringify(out) + '\n');
      } else {
        for (const line of describeSimulator(handle)) process.stdout.write(line + '\n');
        if (recording)
          process.stdout.write(
            `  recording to ${recording.file} (listed at http://${opts.host}:${handle.bridge.port}/cases)\n`,
          );
        process.stdout.write('  (Ctrl+C stops)\n');
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await recording?.close();
      await handle.close();
      setExit(0);
    });
}

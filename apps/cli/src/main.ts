/**
 * `neuroplan` command line. Exit codes: 0 success, 1 the command ran but produced nothing usable
 * (e.g. no volume loaded), 2 usage error. Never a stack trace: unexpected failures are reported in one line.
 */
import { Command, CommanderError } from 'commander';
import { bciCommand } from './commands/bci.ts';
import { caseCommand } from './commands/case.ts';
import { inspectCommand } from './commands/inspect.ts';
import { phantomCommand } from './commands/phantom.ts';
import { planCommand } from './commands/plan.ts';
import { registerCommand } from './commands/register.ts';
import { replayCommand } from './commands/replay.ts';
import { robotCommand } from './commands/robot.ts';
import { simCommand } from './commands/sim.ts';
import { surfaceCommand } from './commands/surface.ts';

export const EXIT_OK = 0;
export const EXIT_NOTHING = 1;
export const EXIT_USAGE = 2;

export async function main(argv: string[]): Promise<number> {
  const program = new Command('neuroplan')
    .description('NeuroPlan: plan, drive and replay robot-assisted electrode implants')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run `neuroplan --help` for usage)');
  let exitCode = EXIT_OK;
  const setExit = (code: number) => {
    exitCode = code;
  };
  caseCommand(program, setExit);
  bciCommand(program, setExit);
  inspectCommand(program, setExit);
  phantomCommand(program, setExit);
  planCommand(program, setExit);
  registerCommand(program, setExit);
  replayCommand(program, setExit);
  robotCommand(program, setExit);
  simCommand(program, setExit);
  surfaceCommand(program, setExit);
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        (e.code === 'commander.help' && argv.length > 0) // `neuroplan help [cmd]`; bare `neuroplan` is a usage error
      )
        return EXIT_OK;
      return EXIT_USAGE;
    }
    process.stderr.write(`neuroplan: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_NOTHING;
  }
}

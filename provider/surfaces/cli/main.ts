import { processIo, type CliIo } from './cliIo';
import { EXIT } from './exitCodes';

const USAGE = `Usage: qemu-cpu <command> [options]

Commands:
  probe [user@]host[:port]   what this host can give a guest CPU, model by model, with reasons
  check --config FILE        can every host of FILE enforce its CPU? (exit 0 yes, 1 no, 2 undecided)
  baseline --config FILE     the newest CPU every host of FILE can enforce, and what blocks live migration

Run 'qemu-cpu <command> --help' for a command's options.
`;

/** The CLI's commands; commands.ts runs each. */
export const COMMAND_NAMES = ['probe', 'check', 'baseline'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The module that runs the commands: commands.ts as compiled, or bin/qemu-cpu.js's bundle of it. */
export type CommandsModule = Pick<typeof import('./commands'), 'runCommand'>;

/**
 * The qemu-cpu CLI. Resolves to the process exit code; never throws for
 * expected failures. The usage and an unknown command are answered here,
 * with nothing else loaded; `loadCommands` is asked only for a command
 * (bin/qemu-cpu.js gives the bundle of commands.ts, docs/architecture.md "How the
 * CLI starts").
 */
export async function main(argv: string[], io: CliIo = processIo, loadCommands: () => CommandsModule | Promise<CommandsModule> = () => import('./commands')): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command ? EXIT.ok : EXIT.undecided;
  }
  if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
    io.stderr(`qemu-cpu: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT.undecided;
  }
  return (await loadCommands()).runCommand(command as CommandName, rest, io);
}

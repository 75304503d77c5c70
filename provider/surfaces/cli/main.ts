import { QemuCpuError, ConfigError } from '../../errors';
import { sharedPool } from '../../probe';
import { processIo, type CliIo } from './cliIo';
import { EXIT } from './exitCodes';
import { baselineCommand } from './baselineCommand';
import { checkCommand } from './checkCommand';
import { probeCommand } from './probeCommand';

const USAGE = `Usage: qemu-cpu <command> [options]

Commands:
  probe [user@]host[:port]   what this host can give a guest CPU, model by model, with reasons
  check --config FILE        can every host of FILE enforce its CPU? (exit 0 yes, 1 no, 2 undecided)
  baseline --config FILE     the newest CPU every host of FILE can enforce, and what blocks live migration

Run 'qemu-cpu <command> --help' for a command's options.
`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  probe: probeCommand,
  check: checkCommand,
  baseline: baselineCommand,
};

/** The qemu-cpu CLI. Resolves to the process exit code; never throws for expected failures. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command ? EXIT.ok : EXIT.undecided;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr(`qemu-cpu: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT.undecided;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    io.stderr(describeFailure(err));
    return EXIT.undecided;
  } finally {
    await sharedPool.closeAll();
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof ConfigError && err.issues.length > 1) {
    return `qemu-cpu: ${err.what}:\n${err.issues.map((i) => `  - ${i}`).join('\n')}\n`;
  }
  if (err instanceof QemuCpuError) return `qemu-cpu: ${err.message}\n`;
  // parseArgs rejects unknown or malformed options with a TypeError whose message is meant for users.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return `qemu-cpu: ${(err as Error).message}\nRun 'qemu-cpu <command> --help' for its options.\n`;
  }
  throw err;
}

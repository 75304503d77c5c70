import { QemuCpuError, ConfigError } from '../../errors';
import type { CliIo } from './cliIo';
import { EXIT } from './exitCodes';
import type { CommandName } from './main';

type Command = (args: string[], io: CliIo) => Promise<number>;

/**
 * Each command's module, loaded only when that command runs: a probe loads
 * no YAML parser, inventory or fleet code, in the bundle as in dist/
 * (loadedModules.integration.test.ts checks which modules each loads).
 */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  probe: async () => (await import('./probeCommand')).probeCommand,
  check: async () => (await import('./checkCommand')).checkCommand,
  baseline: async () => (await import('./baselineCommand')).baselineCommand,
};

/**
 * Run one command: its exit code, or 2 with the reason on stderr for an
 * expected failure; then close every pooled connection. The errors are
 * told apart here, beside the code that threw them, so that the classes
 * compared are the same ones in the bundle as in dist/.
 */
export async function runCommand(name: CommandName, args: string[], io: CliIo): Promise<number> {
  const run = await COMMANDS[name]();
  try {
    return await run(args, io);
  } catch (err) {
    io.stderr(describeFailure(err));
    return EXIT.undecided;
  } finally {
    // Every command's module has loaded the pool already, so this import costs nothing more.
    await (await import('../../probe/transportPool')).sharedPool.closeAll();
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

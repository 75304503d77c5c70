import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../../../harness/paths';
import { recordOutput } from '../../../harness/secretSink';
import { runCli, type CliRun } from './cliRunner.testkit';

/** What one run of bin/qemu-cpu.js in its own process printed, its exit code, and how long it took. */
export interface BinRun extends CliRun {
  seconds: number;
}

/** Run bin/qemu-cpu.js in its own process (env added to this one's); its output goes to the secret sink under `label`. */
export function runBin(label: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<BinRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/qemu-cpu.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      recordOutput(`cli:${label}`, `${stdout}\n${stderr}`);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 2) : 0, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Run the CLI in this process (faster: for variants of a case one runBin has shown end to end); its output goes to the secret sink. */
export async function runInProcess(label: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = await runCli(args, env);
  recordOutput(`cli:${label}`, `${run.stdout}\n${run.stderr}`);
  return run;
}

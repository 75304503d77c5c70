import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from '../../harness/paths';
import { runSetupScript } from './setupScript';

/** The environment entry global setup fills with the bin directory of the real Pulumi tools (scripts/install-pulumi.sh). */
export const PULUMI_BIN_ENV = 'QEMU_CPU_TEST_PULUMI_BIN';

/** Why the real-engine tier cannot run here, or undefined where it can. */
function goMissing(): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no Go on this machine to build the Pulumi CLI';
  }
}

/**
 * Build (first time: minutes) or find (after: milliseconds) the real Pulumi
 * CLI and language hosts, and return their bin directory. In CI a failure,
 * or a machine without Go, fails the suite: the real-engine tier must run
 * there. Elsewhere the tier is skipped and its test names say why.
 */
export function ensurePulumiTools(): { bin?: string; skipped?: string } {
  const missing = goMissing();
  if (missing) {
    if (process.env.CI) throw new Error(`the real-engine tier must run in CI, but there is ${missing}`);
    return { skipped: missing };
  }
  const built = runSetupScript('install-pulumi.sh');
  return 'provided' in built ? { bin: built.provided } : { skipped: `the Pulumi tools could not be built (${built.skipped})` };
}

const pulumiBin: string | undefined = process.env[PULUMI_BIN_ENV] || undefined;
const skipNote: string = process.env[`${PULUMI_BIN_ENV}_SKIPPED`] || 'the Pulumi tools were not built (global setup did not run)';

/** `describe` where the real Pulumi CLI is built; elsewhere a skipped test whose name says why. */
export function describeWithPulumi(name: string, fn: (bin: string) => void): void {
  if (pulumiBin) describe(name, () => fn(pulumiBin));
  else describe(`${name} (skipped: ${skipNote})`, () => it.skip('real-engine tier', () => undefined));
}

/** What one `pulumi` command did. */
export interface PulumiRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, as a user's terminal shows them. */
  output: string;
}

/** A throwaway Pulumi project and stack on a local file:// backend, driven by the real CLI. */
export interface PulumiStack {
  readonly dir: string;
  /** The local backend's directory, which holds the stack's state file. */
  readonly backendDir: string;
  run(args: readonly string[], options?: { timeoutMs?: number }): Promise<PulumiRun>;
  /** Run and fail the test with the whole output unless it exits 0. */
  ok(args: readonly string[], options?: { timeoutMs?: number }): Promise<PulumiRun>;
  /** Replace a file of the project (e.g. Pulumi.yaml). */
  write(file: string, text: string): void;
  remove(): void;
}

const PASSPHRASE = 'qemu-cpu-real-engine-test-passphrase';

/**
 * A project directory with `files`, logged in to a fresh file:// backend,
 * with stack `dev` selected. PULUMI_HOME is private to the project, so no
 * plugin, credential or update check leaks between tests or from the
 * developer's ~/.pulumi; plugins come only from the project's
 * `plugins.providers` paths, never downloaded.
 */
export async function pulumiStack(bin: string, files: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<PulumiStack> {
  fs.mkdirSync(scratchDir, { recursive: true });
  const root = fs.mkdtempSync(path.join(scratchDir, 'pulumi-'));
  const dir = path.join(root, 'project');
  const backendDir = path.join(root, 'backend');
  for (const d of [dir, backendDir, path.join(root, 'home')]) fs.mkdirSync(d, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    PULUMI_HOME: path.join(root, 'home'),
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_SKIP_CONFIRMATIONS: 'true',
    NO_COLOR: '1',
    ...extraEnv,
  };
  const run = (args: readonly string[], options: { timeoutMs?: number } = {}) => runPulumi(bin, args, dir, env, options.timeoutMs ?? 120_000);
  const stack: PulumiStack = {
    dir,
    backendDir,
    run,
    async ok(args, options) {
      const r = await run(args, options);
      if (r.code !== 0) throw new Error(`pulumi ${args.join(' ')} exited ${r.code}:\n${r.output}`);
      return r;
    },
    write(file, text) {
      fs.writeFileSync(path.join(dir, file), text);
    },
    remove() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  for (const [file, text] of Object.entries(files)) stack.write(file, text);
  await stack.ok(['stack', 'init', 'dev', '--non-interactive']);
  return stack;
}

function runPulumi(bin: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<PulumiRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(bin, 'pulumi'), [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), (output += d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pulumi ${args.join(' ')} took over ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, output });
    });
  });
}

/** A temp dir for one test's files outside the project (e.g. a qemuBinary wrapper). */
export function scratch(prefix: string): string {
  fs.mkdirSync(scratchDir, { recursive: true });
  return fs.mkdtempSync(path.join(scratchDir, prefix));
}


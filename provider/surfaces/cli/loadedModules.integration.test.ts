/**
 * What a CLI process loads, as a behaviour (issue 13): a command loads
 * only what it uses, so `--help` and `probe` never pay for the Pulumi SDK,
 * gRPC, the YAML parser or the fleet code. Each case runs a whole process
 * with loadedModules.testkit.js preloaded (`node --require`), which writes
 * every module the process loaded to a file at exit; the test reads it.
 *
 * Two ways in: bin/qemu-cpu.js, as users run it, where main runs from
 * dist/ and a command from the bundle dist/cli/commands.js (so the loader
 * sees only the few modules outside it; the bundle's own inputs are in
 * its metafile); and main from dist/ alone, as in-process callers and the
 * suite's runCli load it, where the loader sees every module. The bundle
 * keeps tsc's requires where they are, so what dist/ loads lazily it
 * loads lazily too.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { startSshd, type Sshd } from '../../../harness/sshd';

const DIST = path.join(repoRoot, 'dist');
const BIN = path.join(repoRoot, 'bin/qemu-cpu.js');
const RECORDER = path.join(__dirname, 'loadedModules.testkit.js');
/** Packages no CLI command needs: the Pulumi SDK and what it brings (gRPC, protobuf), and the test-only XML parser. */
const NEVER = /node_modules\/(@pulumi|@grpc|google-protobuf|protobufjs|fast-xml-parser)\//;

interface Loaded {
  code: number;
  stdout: string;
  stderr: string;
  /** Module paths, relative to the checkout (node_modules/..., dist/...). */
  files: string[];
  /** Node's own modules loaded after the preload. */
  builtins: string[];
}

let dir: string;
let sshd: Sshd;
let runs = 0;

beforeAll(async () => {
  fs.mkdirSync(scratchDir, { recursive: true });
  dir = fs.mkdtempSync(path.join(scratchDir, 'loaded-modules-'));
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Run `node --require RECORDER ...nodeArgs`, with its own cache directory; what it loaded. */
function loadedBy(nodeArgs: string[]): Promise<Loaded> {
  const out = path.join(dir, `loaded-${runs++}.txt`);
  const env = { ...process.env, QEMU_CPU_TEST_LOADED_MODULES: out, XDG_CACHE_HOME: path.join(dir, 'cache') };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--require', RECORDER, ...nodeArgs], { encoding: 'utf8', env }, (err, stdout, stderr) => {
      const lines = fs.readFileSync(out, 'utf8').split('\n');
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 2) : 0,
        stdout,
        stderr,
        files: lines.filter((l) => l.startsWith('/') && l !== RECORDER).map((l) => path.relative(repoRoot, l)),
        builtins: lines.filter((l) => l.startsWith('builtin:')).map((l) => l.slice('builtin:'.length)),
      });
    });
  });
}

/** main from dist/, without the bundle. */
const mainFromDist = (argv: string[]) => ['-e', `require(${JSON.stringify(path.join(DIST, 'provider/surfaces/cli/main.js'))}).main(${JSON.stringify(argv)}).then((c) => { process.exitCode = c; })`];

const probeArgs = () => ['probe', `${sshd.user}@127.0.0.1:${sshd.port}`, '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', 'tcg', '--json'];
const fromPackages = (files: string[]) => files.filter((f) => f.startsWith('node_modules/'));
const fromProvider = (files: string[]) => files.filter((f) => f.startsWith('dist/provider/'));

describe('the installed bin', () => {
  it('answers --help from main alone: no package, and not the commands bundle', async () => {
    const run = await loadedBy([BIN, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: qemu-cpu <command>/);
    expect(run.files.sort()).toEqual(['bin/qemu-cpu.js', 'dist/provider/surfaces/cli/cliIo.js', 'dist/provider/surfaces/cli/exitCodes.js', 'dist/provider/surfaces/cli/main.js']);
  });

  it('probes from the bundle: outside it only the bundle loader and ssh2’s native addons load, and Node’s http, https and tls never', async () => {
    const run = await loadedBy([BIN, ...probeArgs()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ host: `127.0.0.1:${sshd.port}`, accelerator: 'tcg' }));
    expect(fromProvider(run.files).sort()).toEqual(['dist/provider/surfaces/cli/bundleLoader.js', 'dist/provider/surfaces/cli/cliIo.js', 'dist/provider/surfaces/cli/exitCodes.js', 'dist/provider/surfaces/cli/main.js']);
    // The native addons (ssh2's crypto binding, cpu-features), where this install built them; the JavaScript they load with them.
    for (const f of fromPackages(run.files)) expect(f).toMatch(/^node_modules\/(ssh2\/lib\/protocol\/crypto\/build\/|cpu-features\/)/);
    expect(run.builtins).toEqual(expect.arrayContaining(['net', 'crypto']));
    expect(run.builtins.filter((b) => ['http', 'https', 'tls'].includes(b))).toEqual([]);
  }, 60_000);

  it('holds no Pulumi SDK, gRPC, protobuf or XML parser in its bundle', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(DIST, 'cli/commands.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['dist/provider/surfaces/cli/commands.js', expect.stringMatching(/^node_modules\/ssh2\//), expect.stringMatching(/^node_modules\/yaml\//)]));
    expect(inputs.filter((f) => NEVER.test(f))).toEqual([]);
  });
});

describe('main from dist/, without the bundle', () => {
  it('answers --help loading no package and no module below the CLI', async () => {
    const run = await loadedBy(mainFromDist(['--help']));
    expect(run.code).toBe(0);
    expect(fromPackages(run.files)).toEqual([]);
    expect(fromProvider(run.files).sort()).toEqual(['dist/provider/surfaces/cli/cliIo.js', 'dist/provider/surfaces/cli/exitCodes.js', 'dist/provider/surfaces/cli/main.js']);
  });

  it('probes without the YAML parser, ssh config, inventory, fleet verification, baseline or other surfaces, and without ssh2’s index', async () => {
    const run = await loadedBy(mainFromDist(probeArgs()));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const loaded = run.files.join('\n');
    expect(loaded).toMatch(/^node_modules\/ssh2\/lib\/client\.js$/m);
    expect(loaded).toMatch(/^dist\/provider\/probe\/probeHost\.js$/m);
    expect(run.files.filter((f) => NEVER.test(f))).toEqual([]);
    expect(run.files.filter((f) => /^node_modules\/(yaml|ssh-config)\//.test(f))).toEqual([]);
    expect(run.files.filter((f) => /^dist\/provider\/(inventory\/|probe\/(verifySelection|baseline[^/]*)\.js|surfaces\/(?!cli\/))/.test(f))).toEqual([]);
    expect(run.files.filter((f) => /^dist\/provider\/surfaces\/cli\/(check|baseline)/.test(f))).toEqual([]);
    expect(run.files).not.toContain('node_modules/ssh2/lib/index.js');
    expect(run.builtins.filter((b) => ['http', 'https', 'tls'].includes(b))).toEqual([]);
  }, 60_000);

  it('loads the YAML parser for check, which reads a YAML file (and still no Pulumi SDK or gRPC)', async () => {
    const run = await loadedBy(mainFromDist(['check', '--config', path.join(dir, 'absent.yaml')]));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/absent\.yaml/);
    expect(run.files.filter((f) => f.startsWith('node_modules/yaml/')).length).toBeGreaterThan(0);
    expect(run.files.filter((f) => NEVER.test(f))).toEqual([]);
  });
});

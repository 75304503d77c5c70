import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDir } from './globalSetup';
import { TEST_RUN_ENV, qemuProcesses, type QemuProcess } from '../../harness/qemuProcesses';
import { removeSink, scanSink } from '../../harness/secretSink';
import { scratchDir } from '../../harness/paths';

/** What jest passes to global teardown that matters here. */
interface TeardownConfig {
  testPathPattern?: string;
  testNamePattern?: string;
  onlyChanged?: boolean;
  onlyFailures?: boolean;
  findRelatedTests?: boolean;
  nonFlagArgs?: readonly string[];
}

/**
 * Sources every whole-suite run must have recorded: the secret scan is only
 * worth something if the CLI's and the probe's outputs went through it.
 */
const REQUIRED_SOURCES = ['cli', 'probe'] as const;

/**
 * The suite-wide promises, checked once every test has run:
 * - no recorded output (CLI, provider, plugin, probe errors and logs) holds
 *   a registered secret (the test private key, its passphrase, the test
 *   password), and on a whole-suite run the scan had something to scan;
 * - no qemu-system process (nor replay fake) started by this run is still
 *   running. A short grace period covers processes already being killed.
 */
export default async function globalTeardown(config: TeardownConfig = {}): Promise<void> {
  const run = process.env[TEST_RUN_ENV];
  const problems: string[] = [];

  // The embedded libvirt roots, one per test process (test/support/libvirt.ts): a jest worker may end without its exit handler.
  if (fs.existsSync(scratchDir)) for (const d of fs.readdirSync(scratchDir)) if (d.startsWith('libvirt-embed')) fs.rmSync(path.join(scratchDir, d), { recursive: true, force: true });

  const scan = scanSink(run);
  const kinds = Object.entries(scan.bySource).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  process.stdout.write(`\nsecret scan: ${scan.outputs} recorded outputs (${kinds}) against ${scan.secrets} registered secrets: ${scan.hits.length} hits\n`);
  if (scan.hits.length > 0) {
    problems.push(`secrets found in recorded outputs: ${scan.hits.map((h) => `${h.secret} in ${h.source}`).join('; ')}`);
  }
  if (wholeSuite(config)) {
    const missing = REQUIRED_SOURCES.filter((s) => !scan.bySource[s]);
    if (scan.outputs === 0) problems.push('the whole suite ran but recorded no output: the secret scan checked nothing');
    else if (scan.secrets === 0) problems.push('the whole suite ran but registered no secret: the secret scan looked for nothing');
    else if (missing.length > 0) problems.push(`the whole suite ran but recorded no ${missing.join(' or ')} output for the secret scan`);
  }

  const leftover = await leftoverQemu(run);
  if (leftover.length > 0) {
    for (const p of leftover) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    problems.push(`QEMU processes left running after the test suite: ${leftover.map((p) => `${p.pid} (${p.args.slice(0, 160)})`).join('; ')}`);
  }

  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (run) {
    removeSink(run);
    fs.rmSync(runDir(run), { recursive: true, force: true });
  }
}

/** QEMU-like processes of this run still alive after a grace period; another run's (other marker) are left alone. */
async function leftoverQemu(run: string | undefined): Promise<QemuProcess[]> {
  let before = new Set<number>();
  try {
    if (run) before = new Set(JSON.parse(fs.readFileSync(path.join(runDir(run), 'qemu-before.json'), 'utf8')) as number[]);
  } catch {
    /* no record: every process counts */
  }
  // Ours: marked with this run, or unmarked but started below this jest process. Another run's are left alone.
  const ours = (p: QemuProcess) => !before.has(p.pid) && (run === undefined || p.run === run || (p.run === undefined && descendsFrom(p.pid, process.pid)));
  let leftover: QemuProcess[] = [];
  for (let i = 0; i < 30; i++) {
    leftover = qemuProcesses().filter(ours);
    if (leftover.length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return leftover;
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === ancestor) return true;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

function wholeSuite(c: TeardownConfig): boolean {
  return !c.testPathPattern && !c.testNamePattern && !c.onlyChanged && !c.onlyFailures && !c.findRelatedTests && !(c.nonFlagArgs?.length ?? 0);
}

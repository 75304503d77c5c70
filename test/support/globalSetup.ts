import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_RUN_ENV, qemuPids } from '../../harness/qemuProcesses';
import { scratchDir } from '../../harness/paths';
import { resetSink } from '../../harness/secretSink';
import { kvmUsable } from '../../harness/accel';
import { SECOND_QEMU_ENV, ensureSecondQemu } from './secondQemu';
import { PULUMI_BIN_ENV, ensurePulumiTools } from './pulumiTools';

/** The directory of one test run's bookkeeping. */
export function runDir(run: string): string {
  return path.join(scratchDir, 'runs', run);
}

/**
 * Mark this test run: jest's workers inherit QEMU_CPU_TEST_RUN, local QEMUs
 * inherit it from them and test sshds pass it to their sessions, so teardown
 * can prove this run left no QEMU without touching another run's. Also
 * remember which QEMU processes predate the suite, and start a fresh sink.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  process.env[TEST_RUN_ENV] = run;
  fs.mkdirSync(runDir(run), { recursive: true });
  resetSink(run);
  // Before XDG_CACHE_HOME is pointed at this run: QEMU 10.0 lives in the developer's cache, kept across runs.
  process.env[SECOND_QEMU_ENV] = ensureSecondQemu() ?? '';
  // The real Pulumi CLI and language hosts, built from Go modules into the developer's cache (minutes once, then kept).
  const pulumi = ensurePulumiTools();
  process.env[PULUMI_BIN_ENV] = pulumi.bin ?? '';
  process.env[`${PULUMI_BIN_ENV}_SKIPPED`] = pulumi.skipped ?? '';
  if (pulumi.skipped) process.stdout.write(`\nqemu-cpu tests: the real-engine tier is skipped: ${pulumi.skipped}.\n`);
  // Go's build cache defaults to XDG_CACHE_HOME/go-build: keep the developer's, where building the Pulumi tools left
  // the Pulumi Go SDK compiled, so the Go SDK's build test takes seconds, not a minute of recompiling.
  process.env.GOCACHE ||= path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'go-build');
  // The probe cache (XDG_CACHE_HOME/qemu-cpu) of this run: fresh, and never the developer's ~/.cache.
  process.env.XDG_CACHE_HOME = path.join(runDir(run), 'xdg-cache');
  fs.writeFileSync(path.join(runDir(run), 'qemu-before.json'), JSON.stringify(qemuPids()));
  if (!kvmUsable) {
    process.stdout.write(
      '\nqemu-cpu tests: this machine has no usable /dev/kvm. Real-QEMU tests run under TCG (asked for explicitly); ' +
        'tests that only mean something under KVM are skipped and say so; KVM requests are tested to fail, never to fall back.\n',
    );
  }
}

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from '../../harness/paths';

/** The system's QEMU 7.2. */
export const SYSTEM_QEMU = '/usr/bin/qemu-system-x86_64';

/**
 * A host whose KVM rejects the vCPU of `host` and `max`, as KVM on the AMD
 * machines of issue 12 rejects MSR 0x10a: the system's real QEMU, with the
 * Hyper-V enlightened VMCS switched on for host and max only (QEMU globals).
 * KVM here has no enlightened VMCS, so QEMU aborts creating their vCPU with
 * "failed to set MSR 0x40000073" and kvm_buf_set_msrs' assertion; every
 * other model, and the probe's -machine none, are untouched.
 */
export function vcpuRejectingQemu(): string {
  fs.mkdirSync(scratchDir, { recursive: true });
  const file = path.join(scratchDir, 'qemu-rejecting-host-vcpu.sh');
  const globals = ['host', 'max'].flatMap((m) => [`-global ${m}-x86_64-cpu.hv-evmcs=on`, `-global ${m}-x86_64-cpu.hv-vapic=on`]).join(' ');
  fs.writeFileSync(file, `#!/bin/sh\nexec ${SYSTEM_QEMU} "$@" ${globals}\n`, { mode: 0o755 });
  return file;
}

/** What a paused VM with one CPU model did, asked directly (no qemu-cpu code in between). */
export interface PausedVmStart {
  /** QEMU negotiated QMP and quit when told to. */
  starts: boolean;
  stderr: string;
}

/** Start a paused q35 VM under KVM with `-cpu model`, negotiate QMP, quit: what QEMU does, independently of qemu-cpu. */
export function pausedVmStart(binary: string, model: string): PausedVmStart {
  const run = spawnSync(binary, ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'q35', '-accel', 'kvm', '-cpu', model, '-smp', '1', '-m', '64', '-qmp', 'stdio'], {
    input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { starts: run.status === 0 && /"return": \{\}/.test(run.stdout ?? ''), stderr: run.stderr ?? '' };
}

/**
 * Whether KVM on this machine really rejects that vCPU (it does where KVM
 * offers no enlightened VMCS, as under nested KVM here): one paused VM,
 * asked once per test file.
 */
export function kvmRejectsThatVcpu(binary: string): boolean {
  return /failed to set MSR/.test(pausedVmStart(binary, 'host').stderr);
}

import { CpuRefusedError, QemuLaunchError } from '../errors';
import { classifyLaunchFailure } from './launchFailure';

/** QEMU 7.2's own lines when KVM rejects the vCPU's MSRs (recorded on this project's machines). */
const MSR_ABORT = [
  'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ab',
  "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.",
].join('\n');

describe('classifyLaunchFailure', () => {
  it('a vCPU KVM rejects is a refusal of that CPU (vcpu-start), with QEMU\'s line as the reason', () => {
    const err = classifyLaunchFailure('kvm-a', MSR_ABORT, undefined, { cpu: 'host,+avx2' });
    expect(err).toBeInstanceOf(CpuRefusedError);
    expect((err as CpuRefusedError).refusal).toEqual({ kind: 'vcpu-start', name: 'host', qemuStderr: expect.stringContaining('failed to set MSR 0x10a') });
    expect(err?.why).toBe('qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ab');
  });

  it('so is a vCPU set-up KVM refuses', () => {
    const stderr = 'qemu-system-x86_64: kvm_init_vcpu: kvm_arch_init_vcpu failed (0): Operation not supported';
    expect((classifyLaunchFailure('kvm-a', stderr, undefined, { cpu: 'max' }) as CpuRefusedError).refusal.kind).toBe('vcpu-start');
  });

  it('without a -cpu (a -machine none probe) the same words are a QEMU that would not start: undecided', () => {
    const err = classifyLaunchFailure('kvm-a', MSR_ABORT);
    expect(err).toBeInstanceOf(QemuLaunchError);
    expect(err).not.toBeInstanceOf(CpuRefusedError);
  });

  it('a machine type the QEMU does not know, in an exact-CPU check, is a refusal (unknown-machine-type): 10.0 names it, 7.2 does not', () => {
    const named = classifyLaunchFailure('h', 'qemu-system-x86_64: unsupported machine type: "pc-i440fx-2.0"\nUse -machine help to list supported machines', undefined, { cpu: 'pentium3,enforce', machineType: 'pc-i440fx-2.0' });
    expect((named as CpuRefusedError).refusal).toMatchObject({ kind: 'unknown-machine-type', name: 'pc-i440fx-2.0' });
    const unnamed = classifyLaunchFailure('h', 'qemu-system-x86_64: unsupported machine type\nUse -machine help to list supported machines', undefined, { cpu: 'pentium3,enforce', machineType: 'pc-i440fx-1.0' });
    expect((unnamed as CpuRefusedError).refusal).toMatchObject({ kind: 'unknown-machine-type', name: 'pc-i440fx-1.0' });
    expect(classifyLaunchFailure('h', 'qemu-system-x86_64: unsupported machine type', undefined, { machineType: 'pc-i440fx-1.0' })).toBeInstanceOf(QemuLaunchError);
  });
});

import { CpuRefusedError } from '../errors';
import type { Transport } from '../transport';
import type { VcpuStartRecord } from '../model';
import type { LaunchOptions } from './launchOptions';
import { QemuSession } from './qemuSession';

/**
 * Start a paused VM with `-cpu model` and stop it: the cheapest way to learn
 * whether this QEMU and KVM will create the vCPU at all. query-cpu-definitions
 * calls host and max usable from CPUID alone, yet KVM can still reject the
 * vCPU's MSRs when the VM is created (QEMU then aborts with "failed to set MSR").
 */
export async function checkVcpuStart(transport: Transport, opts: Omit<LaunchOptions, 'cpu'> & { model: string }): Promise<VcpuStartRecord> {
  const base = { model: opts.model, cpu: opts.model, machineType: opts.machineType };
  try {
    const session = await QemuSession.start(transport, { ...opts, cpu: opts.model });
    await session.shutdown();
    return { ...base, starts: true, qemuStderr: null };
  } catch (err) {
    if (err instanceof CpuRefusedError && err.refusal.kind === 'vcpu-start') return { ...base, starts: false, qemuStderr: err.refusal.qemuStderr };
    return { ...base, starts: null, qemuStderr: null };
  }
}

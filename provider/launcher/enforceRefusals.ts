import { QemuCpuError } from '../errors';
import type { Transport } from '../transport';
import type { CpuCheckRequest } from './cpuCheck';
import { QemuSession } from './qemuSession';

/**
 * QEMU's refusal lines under `enforce`, e.g.
 * "warning: host doesn't support requested feature: CPUID.07H:EBX.avx2 [bit 5]"
 * (QEMU 2.x–9.x; TCG says "TCG doesn't support requested feature").
 */
const REFUSAL = /(?:host|TCG) doesn't support requested feature: [^\s]*?\.([A-Za-z0-9_.-]+) \[bit \d+\]/g;

/** Pure: the feature names QEMU refused, from its stderr (boundary: QEMU's own words, external input). */
export function parseEnforceRefusals(stderr: string): string[] {
  return [...new Set([...stderr.matchAll(REFUSAL)].map((m) => m[1]))];
}

/**
 * The fallback for QEMU without the vCPU's unavailable-features property:
 * start the same VM with `enforce`. QEMU then exits at start-up after naming
 * every feature it cannot provide; if it starts, nothing is missing.
 */
export async function enforceRefusals(transport: Transport, req: CpuCheckRequest & { machineType: string }, cpuArg: string): Promise<string[]> {
  try {
    const session = await QemuSession.start(transport, {
      accelerator: req.accelerator,
      machineType: req.machineType,
      cpu: `${cpuArg},enforce`,
      qemuBinary: req.qemuBinary,
      timeouts: req.timeouts,
    });
    const stderr = session.stderrText();
    await session.shutdown();
    return parseEnforceRefusals(stderr);
  } catch (err) {
    // QEMU's stderr, as the error carries it: its message is for people and is never read back.
    const refused = err instanceof QemuCpuError && err.qemuStderr !== undefined ? parseEnforceRefusals(err.qemuStderr) : [];
    if (refused.length > 0) return refused;
    throw err;
  }
}

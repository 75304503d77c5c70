import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HostFacts } from '../launcher';
import { hostCpuMicrocode, hostCpuSignature, parseCpuinfo } from '../model';

/**
 * Everything a probe's answer depends on besides the request: when none of
 * it changed, QEMU would answer the same, so a cached answer stands. Pure
 * data; no secrets (the host appears only in the cache slot, by label).
 */
export const FingerprintSchema = z
  .object({
    qemuBinary: z.string().min(1).describe('Path of the QEMU binary (as configured, or as discovered on the host).'),
    qemuBinarySize: z.number().int().nonnegative().describe('Its size in bytes.'),
    qemuBinaryMtime: z.number().int().describe('Its mtime, seconds since the epoch.'),
    qemuVersion: z
      .string()
      .describe('QEMU version, recorded from the probe that filled the entry. A warm probe does not start QEMU to read it: the binary path, size and mtime stand for it.'),
    kernelRelease: z.string().min(1).describe('uname -r.'),
    arch: z.string().min(1).describe('uname -m.'),
    cpuSignature: z.string().describe('cpuinfo vendor, family, model and stepping of the first processor.'),
    microcode: z.string().nullable().describe('cpuinfo microcode revision; null when absent.'),
    cpuFlagsHash: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the sorted, de-duplicated cpuinfo flags.'),
    kvmAccess: z.enum(['rw', 'denied', 'missing']).describe('/dev/kvm access for the SSH user.'),
    kvmParams: z.record(z.string()).describe('Parameters of kvm and of its vendor modules: kvm_intel, kvm_amd and kvm_pvm.'),
    qemuCpuVersion: z.string().min(1).describe("qemu-cpu's own version: a new qemu-cpu may read QEMU differently."),
  })
  .strict();
export type Fingerprint = z.infer<typeof FingerprintSchema>;

/** The fingerprint keys one facts exec observes; the QEMU version is known only once QEMU has answered. */
export type ObservedFingerprint = Omit<Fingerprint, 'qemuVersion'> & { qemuVersion?: string };

/** The fingerprint keys, in a stable order. */
export const FINGERPRINT_KEYS = Object.keys(FingerprintSchema.shape) as ReadonlyArray<keyof Fingerprint>;

/** SHA-256 of a flag set: order and repeats do not matter. */
export function cpuFlagsHash(flags: Iterable<string>): string {
  return sha256([...new Set(flags)].sort().join(' '));
}

/**
 * The fingerprint keys the host facts give, or undefined when they cannot
 * vouch for an answer (no binary, unreadable cpuinfo): such a probe always
 * asks QEMU, and QEMU's failure explains the problem. Pure.
 */
export function observedFingerprint(facts: HostFacts, qemuCpuVersion: string): ObservedFingerprint | undefined {
  if (facts.binaryStat === null) return undefined;
  let cpu;
  try {
    cpu = parseCpuinfo(facts.cpuinfo, undefined, facts.arch);
  } catch {
    return undefined;
  }
  return {
    qemuBinary: facts.binary,
    qemuBinarySize: facts.binaryStat.size,
    qemuBinaryMtime: facts.binaryStat.mtime,
    kernelRelease: facts.kernelRelease.trim(),
    arch: facts.arch.trim(),
    cpuSignature: hostCpuSignature(cpu),
    microcode: hostCpuMicrocode(cpu),
    cpuFlagsHash: cpuFlagsHash(cpu.flags),
    kvmAccess: facts.kvmAccess,
    kvmParams: facts.kvmParams,
    qemuCpuVersion,
  };
}

/**
 * The keys in which a stored fingerprint and an observed one differ; empty
 * means the stored answer stands. The QEMU version is compared when the
 * observer knows it. Pure.
 */
export function fingerprintChanges(stored: Fingerprint, observed: ObservedFingerprint): Array<keyof Fingerprint> {
  return FINGERPRINT_KEYS.filter((key) => {
    if (key === 'qemuVersion' && observed.qemuVersion === undefined) return false;
    return canonicalJson(stored[key]) !== canonicalJson(observed[key]);
  });
}

/** Who was asked: enough to tell hosts apart, never a credential. */
export interface HostIdentity {
  /** The transport's label (connection name or host[:port]). */
  label: string;
  /** host, port and user of the SSH connection; the jump host's too. Absent for this machine. */
  ssh?: { host: string; port: number; user: string | null; via: { host: string; port: number; user: string | null } | null };
  /** This machine's hostname, for probes without SSH. */
  local?: string;
}

/**
 * The cache slot of one question to one host: the host identity, what is
 * asked (kind and request) — everything but the fingerprint, which the
 * entry in the slot carries and which is checked on every read. Pure.
 */
export function cacheSlot(identity: HostIdentity, kind: string, request: Record<string, unknown>): string {
  return sha256(canonicalJson({ identity, kind, request }));
}

/** JSON with object keys sorted at every level; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

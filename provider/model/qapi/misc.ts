import { z } from 'zod';

/**
 * One part of a version number: QAPI says 'int'; bounded so that it prints
 * as digits (1e+21 is an integer to JavaScript, and no version).
 */
const VersionPartSchema = z.number().int().min(0).max(0x7fffffff);

/** QAPI VersionInfo (query-version, and the greeting's version member). */
export const VersionInfoSchema = z.object({
  qemu: z.object({ major: VersionPartSchema, minor: VersionPartSchema, micro: VersionPartSchema }),
  package: z.string(),
});
export type VersionInfo = z.infer<typeof VersionInfoSchema>;

/** QAPI TargetInfo (query-target). */
export const TargetInfoSchema = z.object({ arch: z.string().min(1) });
export type TargetInfo = z.infer<typeof TargetInfoSchema>;

/** QAPI KvmInfo (query-kvm). */
export const KvmInfoSchema = z.object({ enabled: z.boolean(), present: z.boolean() });
export type KvmInfo = z.infer<typeof KvmInfoSchema>;

/** QAPI CpuInfoFast (query-cpus-fast): only what qemu-cpu reads. */
export const CpuInfoFastSchema = z.object({ 'cpu-index': z.number().int(), 'qom-path': z.string().min(1) });
export const QueryCpusFastReplySchema = z.array(CpuInfoFastSchema);

/** The reply of commands that return nothing ({}). */
export const EmptyReplySchema = z.object({}).passthrough();

/** qom-get of unavailable-features: the list of feature names QEMU filtered out. QEMU never names a feature "". */
export const StringListSchema = z.array(z.string().min(1));

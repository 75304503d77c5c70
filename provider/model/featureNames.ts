/**
 * Feature-name normalization: every spelling QEMU, Linux's /proc/cpuinfo or
 * libvirt uses for an x86 CPUID feature is mapped to QEMU's canonical
 * property name (the one query-cpu-model-expansion reports).
 */

/**
 * QEMU's canonical x86 feature names: the union of the boolean props of every
 * static host/max expansion in the recorded QEMU 4.2, 7.2, 9.1 and 10.0
 * sessions. Non-feature CPU properties (hv-*, pmu, migratable, kvm, check,
 * enforce, level, ...) appear only in full expansions and are left out.
 */
export const QEMU_X86_FEATURES: ReadonlySet<string> = new Set([
  '3dnow', '3dnowext', '3dnowprefetch', 'abm', 'ace2', 'ace2-en', 'acpi', 'adx', 'aes',
  'amd-no-ssb', 'amd-psfd', 'amd-ssbd', 'amd-stibp', 'amx-bf16', 'amx-complex', 'amx-fp16',
  'amx-int8', 'amx-tile', 'apic', 'arat', 'arch-capabilities', 'arch-lbr', 'auto-ibrs', 'avic',
  'avx', 'avx-ifma', 'avx-ne-convert', 'avx-vnni', 'avx-vnni-int16', 'avx-vnni-int8', 'avx10',
  'avx10-128', 'avx10-256', 'avx10-512', 'avx2', 'avx512-4fmaps', 'avx512-4vnniw', 'avx512-bf16',
  'avx512-fp16', 'avx512-vp2intersect', 'avx512-vpopcntdq', 'avx512bitalg', 'avx512bw', 'avx512cd',
  'avx512dq', 'avx512er', 'avx512f', 'avx512ifma', 'avx512pf', 'avx512vbmi', 'avx512vbmi2',
  'avx512vl', 'avx512vnni', 'bhi-ctrl', 'bhi-no', 'bmi1', 'bmi2', 'bus-lock-detect', 'cid',
  'cldemote', 'clflush', 'clflushopt', 'clwb', 'clzero', 'cmov', 'cmp-legacy', 'cmpccxadd',
  'core-capability', 'cr8legacy', 'cx16', 'cx8', 'dca', 'ddpd-u', 'de', 'decodeassists', 'ds',
  'ds-cpl', 'dtes64', 'eraps', 'erms', 'est', 'extapic', 'f16c', 'fb-clear', 'fbsdp-no',
  'fdp-excptn-only', 'flush-l1d', 'flushbyasid', 'fma', 'fma4', 'fpu', 'fred', 'fsgsbase', 'fsrc',
  'fsrm', 'fsrs', 'full-width-write', 'fxsr', 'fxsr-opt', 'fzrm', 'gds-no', 'gfni', 'hle', 'ht',
  'hypervisor', 'ia64', 'ibpb', 'ibpb-brtype', 'ibrs', 'ibrs-all', 'ibs', 'intel-psfd', 'intel-pt',
  'intel-pt-lip', 'invpcid', 'invtsc', 'ipred-ctrl', 'kvm-asyncpf', 'kvm-asyncpf-int',
  'kvm-asyncpf-vmexit', 'kvm-hint-dedicated', 'kvm-mmu', 'kvm-msi-ext-dest-id', 'kvm-nopiodelay',
  'kvm-poll-control', 'kvm-pv-eoi', 'kvm-pv-ipi', 'kvm-pv-sched-yield', 'kvm-pv-tlb-flush',
  'kvm-pv-unhalt', 'kvm-steal-time', 'kvmclock', 'kvmclock-stable-bit', 'la57', 'lahf-lm', 'lam',
  'lbrv', 'lfence-always-serializing', 'lkgs', 'lm', 'lmce', 'lwp', 'mca', 'mcdt-no', 'mce',
  'md-clear', 'mds-no', 'misalignsse', 'mmx', 'mmxext', 'monitor', 'movbe', 'movdir64b', 'movdiri',
  'mpx', 'msr', 'mtrr', 'no-nested-data-bp', 'nodeid-msr', 'npt', 'nrip-save', 'null-sel-clr-base',
  'nx', 'osvw', 'overflow-recov', 'pae', 'pat', 'pause-filter', 'pbe', 'pbrsb-no', 'pcid',
  'pclmulqdq', 'pcommit', 'pdcm', 'pdpe1gb', 'perfctr-core', 'perfctr-nb', 'perfmon-v2',
  'pfthreshold', 'pge', 'phe', 'phe-en', 'pks', 'pku', 'pmm', 'pmm-en', 'pn', 'pni', 'popcnt',
  'prefetchiti', 'pschange-mc-no', 'psdp-no', 'pse', 'pse36', 'rdctl-no', 'rdpid', 'rdrand',
  'rdseed', 'rdtscp', 'rfds-clear', 'rfds-no', 'rrsba-ctrl', 'rsba', 'rtm', 'sbdr-ssdp-no', 'sbpb',
  'sep', 'serialize', 'sgx', 'sgx-aex-notify', 'sgx-debug', 'sgx-edeccssa', 'sgx-exinfo',
  'sgx-kss', 'sgx-mode64', 'sgx-provisionkey', 'sgx-tokenkey', 'sgx1', 'sgx2', 'sgxlc', 'sha-ni',
  'sha512', 'skinit', 'skip-l1dfl-vmentry', 'sm3', 'sm4', 'smap', 'smep', 'smx', 'spec-ctrl',
  'split-lock-detect', 'srso-no', 'srso-user-kernel-no', 'ss', 'ssb-no', 'ssbd', 'sse', 'sse2',
  'sse4.1', 'sse4.2', 'sse4a', 'ssse3', 'stibp', 'stibp-always-on', 'succor', 'svm', 'svm-lock',
  'svme-addr-chk', 'syscall', 'taa-no', 'tbm', 'tce', 'tm', 'tm2', 'topoext', 'tsc', 'tsc-adjust',
  'tsc-deadline', 'tsc-scale', 'tsx-ctrl', 'tsx-ldtrk', 'umip', 'v-vmsave-vmload', 'vaes', 'vgif',
  'virt-ssbd', 'vmcb-clean', 'vme', 'vmx', 'vmx-activity-hlt', 'vmx-activity-shutdown',
  'vmx-activity-wait-sipi', 'vmx-any-errcode', 'vmx-apicv-register', 'vmx-apicv-vid',
  'vmx-apicv-x2apic', 'vmx-apicv-xapic', 'vmx-cr3-load-noexit', 'vmx-cr3-store-noexit',
  'vmx-cr8-load-exit', 'vmx-cr8-store-exit', 'vmx-desc-exit', 'vmx-enable-user-wait-pause',
  'vmx-encls-exit', 'vmx-entry-ia32e-mode', 'vmx-entry-load-bndcfgs', 'vmx-entry-load-efer',
  'vmx-entry-load-fred', 'vmx-entry-load-pat', 'vmx-entry-load-perf-global-ctrl',
  'vmx-entry-load-pkrs', 'vmx-entry-load-rtit-ctl', 'vmx-entry-noload-debugctl', 'vmx-ept',
  'vmx-ept-1gb', 'vmx-ept-2mb', 'vmx-ept-advanced-exitinfo', 'vmx-ept-execonly', 'vmx-eptad',
  'vmx-eptp-switching', 'vmx-exit-ack-intr', 'vmx-exit-clear-bndcfgs', 'vmx-exit-clear-rtit-ctl',
  'vmx-exit-load-efer', 'vmx-exit-load-pat', 'vmx-exit-load-perf-global-ctrl',
  'vmx-exit-load-pkrs', 'vmx-exit-nosave-debugctl', 'vmx-exit-save-efer', 'vmx-exit-save-pat',
  'vmx-exit-save-preemption-timer', 'vmx-exit-secondary-ctls', 'vmx-flexpriority', 'vmx-hlt-exit',
  'vmx-ins-outs', 'vmx-intr-exit', 'vmx-invept', 'vmx-invept-all-context',
  'vmx-invept-single-context', 'vmx-invept-single-context-noglobals', 'vmx-invlpg-exit',
  'vmx-invpcid-exit', 'vmx-invvpid', 'vmx-invvpid-all-context', 'vmx-invvpid-single-addr',
  'vmx-io-bitmap', 'vmx-io-exit', 'vmx-monitor-exit', 'vmx-movdr-exit', 'vmx-msr-bitmap',
  'vmx-mtf', 'vmx-mwait-exit', 'vmx-nested-exception', 'vmx-nmi-exit', 'vmx-page-walk-4',
  'vmx-page-walk-5', 'vmx-pause-exit', 'vmx-ple', 'vmx-pml', 'vmx-posted-intr',
  'vmx-preemption-timer', 'vmx-rdpmc-exit', 'vmx-rdrand-exit', 'vmx-rdseed-exit', 'vmx-rdtsc-exit',
  'vmx-rdtscp-exit', 'vmx-secondary-ctls', 'vmx-shadow-vmcs', 'vmx-store-lma', 'vmx-true-ctls',
  'vmx-tsc-offset', 'vmx-tsc-scaling', 'vmx-unrestricted-guest', 'vmx-vintr-pending', 'vmx-vmfunc',
  'vmx-vmwrite-vmexit-fields', 'vmx-vnmi', 'vmx-vnmi-pending', 'vmx-vpid', 'vmx-wbinvd-exit',
  'vmx-xsaves', 'vmx-zero-len-inject', 'vnmi', 'vpclmulqdq', 'waitpkg', 'wbnoinvd', 'wdt',
  'wrmsrns', 'x2apic', 'xcrypt', 'xcrypt-en', 'xfd', 'xgetbv1', 'xop', 'xsave', 'xsavec',
  'xsaveerptr', 'xsaveopt', 'xsaves', 'xstore', 'xstore-en', 'xtpr', 'zero-fcs-fds',
]);

/**
 * Spellings that neither case folding nor dropping '-', '_' and '.' turn into
 * the canonical name: QEMU's property aliases (target/i386/cpu.c) and Linux's
 * own names for the same CPUID bits.
 */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['sse3', 'pni'],
  ['pclmuldq', 'pclmulqdq'],
  ['i64', 'lm'],
  ['xd', 'nx'],
  ['ffxsr', 'fxsr-opt'],
  ['tsc_deadline_timer', 'tsc-deadline'],
  // Linux names CPUID.1:EDX[21] (Debug Store) "dts".
  ['dts', 'ds'],
  // VIA PadLock: Linux "rng"/"ace", QEMU "xstore"/"xcrypt".
  ['rng', 'xstore'],
  ['rng_en', 'xstore-en'],
  ['ace', 'xcrypt'],
  ['ace_en', 'xcrypt-en'],
]);

/**
 * /proc/cpuinfo flags that Linux sets from its own knowledge (timer quirks,
 * topology, mitigations, VMX capabilities) rather than from one CPUID bit.
 * They never name a QEMU feature, even where a spelling would match one.
 */
export const LINUX_SYNTHETIC_FLAGS: ReadonlySet<string> = new Set([
  'constant_tsc', 'nonstop_tsc', 'nonstop_tsc_s3', 'tsc_reliable', 'tsc_known_freq', 'rep_good', 'nopl',
  'xtopology', 'cpuid', 'cpuid_fault', 'extd_apicid', 'aperfmperf', 'amd_dcm', 'arch_perfmon', 'pebs', 'bts',
  'art', 'epb', 'pti', 'kaiser', 'retpoline', 'retpoline_amd', 'ibrs_enhanced', 'invpcid_single', 'cat_l3',
  'cdp_l3', 'mba', 'tpr_shadow', 'flexpriority', 'ept', 'vpid', 'ept_ad', 'vmmcall', 'cpb', 'hw_pstate',
  'proc_feedback', 'rapl', 'eagerfpu', 'up', 'k8', 'k7', 'p3', 'p4', 'lfence_rdtsc', 'mfence_rdtsc', '11ap',
  'fxsave_leak', 'xenpv', 'user_shstk', 'ring3mwait',
]);

/**
 * Linux flags that are synthetic AND vendor-dependent: Linux sets "ibpb" from
 * AMD's IBPB bit or from Intel's SPEC_CTRL bit, and likewise "ibrs", "stibp",
 * "ssbd". QEMU's features of those names are one vendor's bit, so a cpuinfo
 * flag says nothing definite about them.
 */
const LINUX_VENDOR_MIXED_FLAGS: ReadonlySet<string> = new Set(['ibrs', 'ibpb', 'stibp', 'ssbd']);

const squash = (name: string): string => name.replace(/[-_.]/g, '');

const squashIndexes = new WeakMap<ReadonlySet<string>, Map<string, string>>();

function squashIndex(known: ReadonlySet<string>): Map<string, string> {
  let index = squashIndexes.get(known);
  if (!index) {
    index = new Map();
    for (const name of known) index.set(squash(name.toLowerCase()), name);
    squashIndexes.set(known, index);
  }
  return index;
}

/**
 * QEMU's canonical spelling of an x86 CPU feature name.
 *
 * Accepts QEMU names and aliases (`sse4-1`, `sse4_1`, `sse3`, `pclmuldq`,
 * `i64`, `ds_cpl`), /proc/cpuinfo flags (`sse4_1`, `lahf_lm`, `avx512_vbmi2`,
 * `tsc_deadline_timer`, `cr8_legacy`) and libvirt names (`cmp_legacy`,
 * `tsc_adjust`, `spec-ctrl`), in any case.
 *
 * @param name - the spelling to normalize.
 * @param known - canonical feature names to accept; defaults to
 *   {@link QEMU_X86_FEATURES}. Pass a probe's feature names to normalize
 *   against what that QEMU knows.
 * @returns the canonical name, or undefined when the name is not a CPU
 *   feature in `known` (including Linux's synthetic cpuinfo flags).
 */
export function canonicalFeatureName(name: string, known: ReadonlySet<string> = QEMU_X86_FEATURES): string | undefined {
  const lower = name.trim().toLowerCase();
  if (lower === '' || LINUX_SYNTHETIC_FLAGS.has(lower)) return undefined;
  if (known.has(lower)) return lower;
  const aliased = ALIASES.get(lower);
  if (aliased !== undefined) return known.has(aliased) ? aliased : undefined;
  return squashIndex(known).get(squash(lower));
}

/**
 * The QEMU feature a /proc/cpuinfo flag stands for: like
 * {@link canonicalFeatureName}, but also undefined for the flags Linux derives
 * from different bits on Intel and AMD (`ibrs`, `ibpb`, `stibp`, `ssbd`).
 */
export function cpuinfoFlagFeature(flag: string, known: ReadonlySet<string> = QEMU_X86_FEATURES): string | undefined {
  if (LINUX_VENDOR_MIXED_FLAGS.has(flag.trim().toLowerCase())) return undefined;
  return canonicalFeatureName(flag, known);
}

/** The outcome of {@link normalizeFeatureList}. */
export interface NormalizedFeatureList {
  /** Canonical names, de-duplicated, in first-seen order. */
  canonical: string[];
  /** The input spellings that name no known feature, de-duplicated, as given. */
  unknown: string[];
}

/**
 * Normalize many feature names at once.
 *
 * @param names - spellings from QEMU, /proc/cpuinfo, libvirt or a user.
 * @param known - as for {@link canonicalFeatureName}.
 * @param spelling - the architecture's spelling rules (an ArchProfile); x86's by default.
 */
export function normalizeFeatureList(
  names: Iterable<string>,
  known: ReadonlySet<string> = QEMU_X86_FEATURES,
  spelling: { canonicalFeatureName(name: string, known: ReadonlySet<string>): string | undefined } = { canonicalFeatureName },
): NormalizedFeatureList {
  const canonical = new Set<string>();
  const unknown = new Set<string>();
  for (const name of names) {
    const feature = spelling.canonicalFeatureName(name, known);
    if (feature === undefined) unknown.add(name);
    else canonical.add(feature);
  }
  return { canonical: [...canonical], unknown: [...unknown] };
}

/**
 * How a selected CPU is written for the programs that start VMs: QEMU's
 * -cpu argument and libvirt's <cpu> element. Both pin the concrete model and
 * forbid silent fallback, so a host that cannot provide the CPU refuses to
 * start the VM instead of quietly giving it less.
 */

/** QEMU feature names that libvirt's CPU map spells differently. */
const LIBVIRT_FEATURE_NAMES: Readonly<Record<string, string>> = {
  pclmulqdq: 'pclmuldq',
  'lahf-lm': 'lahf_lm',
  'cmp-legacy': 'cmp_legacy',
  'fxsr-opt': 'fxsr_opt',
  'tsc-adjust': 'tsc_adjust',
  'nodeid-msr': 'nodeid_msr',
  'perfctr-core': 'perfctr_core',
  'perfctr-nb': 'perfctr_nb',
  'ds-cpl': 'ds_cpl',
  'kvm-pv-eoi': 'kvm_pv_eoi',
  'kvm-pv-unhalt': 'kvm_pv_unhalt',
  'kvm-steal-time': 'kvm_steal_time',
  'kvm-asyncpf': 'kvm_asyncpf',
  'kvm-nopiodelay': 'kvm_nopiodelay',
  'kvm-mmu': 'kvm_mmu',
  'kvm-pv-tlb-flush': 'kvm_pv_tlb_flush',
  'kvm-pv-ipi': 'kvm_pv_ipi',
  'kvm-poll-control': 'kvm_poll_control',
  'kvm-pv-sched-yield': 'kvm_pv_sched_yield',
  'kvm-asyncpf-int': 'kvm_asyncpf_int',
  'kvm-msi-ext-dest-id': 'kvm_msi_ext_dest_id',
  'kvmclock-stable-bit': 'kvmclock_stable_bit',
};

/** libvirt's spelling of a QEMU feature name. */
export function libvirtFeatureName(qemuName: string): string {
  return LIBVIRT_FEATURE_NAMES[qemuName] ?? qemuName;
}

/** `Skylake-Client-v4,+avx2,-hle,enforce`: the exact CPU, refused by QEMU at start if a host cannot provide it. */
export function renderQemuCpuArg(model: string, required: readonly string[], disabled: readonly string[]): string {
  return [model, ...required.map((f) => `+${f}`), ...disabled.map((f) => `-${f}`), 'enforce'].join(',');
}

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * libvirt's <cpu>: mode custom with match exact (exactly this model),
 * check full (libvirt verifies the vCPU QEMU really created),
 * fallback forbid (no substitute model), and a policy per feature.
 */
export function renderLibvirtCpuXml(model: string, required: readonly string[], disabled: readonly string[]): string {
  const lines = [`<cpu mode='custom' match='exact' check='full'>`, `  <model fallback='forbid'>${xmlAttr(model)}</model>`];
  for (const f of required) lines.push(`  <feature policy='require' name='${xmlAttr(libvirtFeatureName(f))}'/>`);
  for (const f of disabled) lines.push(`  <feature policy='disable' name='${xmlAttr(libvirtFeatureName(f))}'/>`);
  lines.push('</cpu>');
  return lines.join('\n');
}

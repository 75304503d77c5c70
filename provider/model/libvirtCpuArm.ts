/**
 * The selected aarch64 CPU as libvirt XML that libvirt (from 9.0, Debian
 * 12's) accepts and turns into the same -cpu as qemuCpuArg, or null naming
 * each model or feature libvirt cannot express. The x86 rules are
 * libvirtCpu.ts; these differ because libvirt's aarch64 support does:
 *
 * - Models. host is `<cpu mode='host-passthrough'>` (KVM only: libvirt
 *   refuses it for a TCG domain, "CPU mode 'host-passthrough' for aarch64
 *   qemu domain on x86_64 host is not supported by hypervisor"); max is
 *   `<cpu mode='maximum'>` (libvirt 7.3 on). A named model is a custom
 *   <model> spelled as QEMU spells it: libvirt 9.0 checks an aarch64 custom
 *   model against QEMU's own model list, not its arm cpu_map (measured:
 *   neoverse-n1 and cortex-a76 accepted; the map's own Neoverse-N1
 *   refused, "CPU model Neoverse-N1 is not supported by hypervisor", as is
 *   cortex-a55, which QEMU 7.2 lacks).
 * - Features. libvirt 9.0's arm cpu_map (arm_features.xml) names only sve
 *   and its vector lengths sve128 … sve2048; virCPUarmValidateFeatures
 *   (src/cpu/cpu_arm.c) refuses any other <feature> ("unknown CPU feature:
 *   pauth"). libvirt writes each as `name=on|off` in <cpu>'s order
 *   (libvirt's tests/qemuxmlconfdata/aarch64-features-sve: host-passthrough
 *   with sve512, -sve384 → `-cpu host,sve512=on,sve384=off,…,sve=on`).
 *   qemuDomainDefCPUPostParse (src/qemu/qemu_domain.c) adds sve=on after a
 *   vector length when <cpu> has no sve, and refuses any vector length
 *   beside a disabled sve ("SVE disabled, but SVE vector lengths provided").
 * - pmu is a domain feature, `<features><pmu state='on|off'/>`, outside
 *   <cpu>; libvirt 9.0 writes it into -cpu as pmu=on|off (measured).
 * - check: libvirt compares a created vCPU with the XML on x86 only, so no
 *   check='full' here. A custom model says check='none': the default
 *   (partial) under KVM compares the model with libvirt's view of the host
 *   CPU (measured here: "the CPU is incompatible with host CPU: unknown host
 *   CPU"); QEMU itself refuses at start what the host cannot give.
 */
import { SVE_LENGTHS, sveLength } from './arch/aarch64Features';
import { isAutoModel } from './cpuSelection';
import { describe as describeGaps, xmlText, type LibvirtCpu, type LibvirtGap } from './libvirtCpu';
import { LIBVIRT_CPU_MAP_VERSION } from './libvirtCpuMap';

const LV = `libvirt ${LIBVIRT_CPU_MAP_VERSION}`;

/** libvirt 9.0's arm_features.xml: sve and the SVE vector lengths (multiples of 128 bits up to 2048). */
export const LIBVIRT_ARM_FEATURES: ReadonlySet<string> = new Set(['sve', ...SVE_LENGTHS.map(sveLength)]);

/** An SVE vector length property: sve128 … sve2048. */
const isSveLength = (name: string) => name !== 'sve' && LIBVIRT_ARM_FEATURES.has(name);

/**
 * arm properties libvirt has no setting for, in the state QEMU gives them
 * when nothing is said: asked in that state they are left out (the guest is
 * the same). QEMU's full expansions of host under KVM (the recorded 10.0
 * session) and of max under TCG (7.2, 10.0) show these states.
 */
const QEMU_ARM_DEFAULTS: Readonly<Record<string, { on: boolean; where: string }>> = {
  aarch64: { on: true, where: 'for every AArch64 CPU model' },
  'kvm-steal-time': { on: true, where: 'under KVM' },
  'kvm-no-adjvtime': { on: false, where: 'under KVM' },
};

/** Why libvirt cannot set an arm property in the state asked. */
function noSetting(name: string, on: boolean): string {
  if (name === 'aarch64') return "libvirt writes aarch64=off only for a 32-bit guest (<type arch='armv7l'> on an aarch64 KVM host, its tests/qemuxmlconfdata/aarch64-kvm-32-on-64), never from an aarch64 domain's <cpu>";
  if (name in QEMU_ARM_DEFAULTS) return `${LV} has no setting that turns it ${on ? 'on' : 'off'} on aarch64`;
  const later = name === 'pauth' ? '; the maps of later libvirt add it' : '';
  return `${LV}'s arm CPU map, arm_features.xml, has no feature ${name}${later}`;
}

/** An aarch64 CPU's features as libvirt can write them. */
export interface LibvirtArmFeatures {
  /** <feature> elements of <cpu>, sve first. */
  cpu: Array<{ name: string; policy: 'require' | 'disable' }>;
  /** The domain's <features><pmu state/>: undefined when pmu is not asked. */
  pmu: boolean | undefined;
  unexpressible: LibvirtGap[];
  omitted: LibvirtGap[];
}

/** The features of an aarch64 CPU (QEMU property names), sorted into what libvirt writes, leaves out, and cannot express. */
export function libvirtArmFeatures(required: readonly string[], disabled: readonly string[]): LibvirtArmFeatures {
  const out: LibvirtArmFeatures = { cpu: [], pmu: undefined, unexpressible: [], omitted: [] };
  const sveOff = disabled.includes('sve');
  const wanted: Array<[string, boolean]> = [...required.map((f): [string, boolean] => [f, true]), ...disabled.map((f): [string, boolean] => [f, false])];
  for (const [name, on] of wanted) {
    if (sveOff && isSveLength(name)) {
      // QEMU: "SVE must be enabled to enable vector lengths"; a length off beside sve off says nothing more.
      if (on) out.unexpressible.push({ name, reason: 'a vector length cannot be on while sve is off (QEMU refuses it)' });
      else out.omitted.push({ name, reason: `sve is off, so the guest has no vector lengths; ${LV} refuses any length beside a disabled sve (qemuDomainDefCPUPostParse)` });
    } else if (LIBVIRT_ARM_FEATURES.has(name)) out.cpu.push({ name, policy: on ? 'require' : 'disable' });
    else if (name === 'pmu') out.pmu = on;
    else if (QEMU_ARM_DEFAULTS[name]?.on === on) out.omitted.push({ name, reason: `${LV} has no setting for it; QEMU turns it ${on ? 'on' : 'off'} ${QEMU_ARM_DEFAULTS[name].where}, so the guest is the same` });
    else out.unexpressible.push({ name, reason: noSetting(name, on) });
  }
  out.cpu.sort((a, b) => Number(b.name === 'sve') - Number(a.name === 'sve'));
  return out;
}

/** libvirt's element for an aarch64 QEMU model: one of its modes, or a custom model in QEMU's spelling. */
export function libvirtArmModel(qemuModel: string): { head: string; model: string | null } | { gap: LibvirtGap } {
  if (qemuModel === 'host') return { head: `<cpu mode='host-passthrough'>`, model: null };
  if (qemuModel === 'max') return { head: `<cpu mode='maximum'>`, model: null };
  if (isAutoModel(qemuModel)) return { gap: { name: qemuModel, reason: "model 'auto' names no CPU until a baseline pins one" } };
  return { head: `<cpu mode='custom' match='exact' check='none'>`, model: qemuModel };
}

/** libvirt's XML for an aarch64 QEMU model with required and disabled properties, all in QEMU spelling. */
export function renderLibvirtArmCpu(model: string, required: readonly string[], disabled: readonly string[]): LibvirtCpu {
  const resolved = libvirtArmModel(model);
  const features = libvirtArmFeatures(required, disabled);
  const unexpressible = [...('gap' in resolved ? [resolved.gap] : []), ...features.unexpressible];
  const { omitted } = features;
  const reason = describeGaps(unexpressible, omitted);
  if ('gap' in resolved || unexpressible.length > 0) return { xml: null, unexpressible, omitted, reason };
  const lines = [
    resolved.head,
    ...(resolved.model !== null ? [`  <model fallback='forbid'>${xmlText(resolved.model)}</model>`] : []),
    ...features.cpu.map((f) => `  <feature policy='${f.policy}' name='${xmlText(f.name)}'/>`),
    '</cpu>',
  ];
  if (features.pmu !== undefined) lines.push('<features>', `  <pmu state='${features.pmu ? 'on' : 'off'}'/>`, '</features>');
  return { xml: lines.join('\n'), unexpressible, omitted, reason };
}

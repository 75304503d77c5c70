/**
 * The selected CPU as libvirt XML that libvirt (from 9.0, Debian 12's) accepts
 * and turns into the same -cpu as qemuCpuArg: model names and feature names
 * as libvirt's CPU map spells them, KVM paravirtual features where libvirt
 * sets them, and null (with a reason naming each thing) for a CPU libvirt
 * cannot express. Nothing asked for is ever dropped silently.
 */
import { LIBVIRT_CPU_MAP_VERSION, LIBVIRT_X86_FEATURES, LIBVIRT_X86_MODELS, QEMU_FIXED_ALIASES } from './libvirtCpuMap';
import { isAutoModel } from './cpuSelection';

/** One model or feature libvirt cannot write, or a feature left out of the XML, and why. */
export interface LibvirtGap {
  /** The QEMU name: a model or a feature. */
  name: string;
  reason: string;
}

/** libvirt's rendering of one CPU. */
export interface LibvirtCpu {
  /**
   * The <cpu> element, followed by a <features> element (pvspinlock and
   * <kvm> settings) and a <clock> element (the kvmclock timer) when a KVM
   * paravirtual feature is set: merge their children into the domain's.
   * Null when libvirt cannot express the CPU (see unexpressible).
   */
  xml: string | null;
  /** What libvirt cannot express: the model or features; non-empty exactly when xml is null. */
  unexpressible: LibvirtGap[];
  /** KVM paravirtual features asked for but left out of the XML (libvirt has no setting for them), and what the guest gets instead. */
  omitted: LibvirtGap[];
  /** One sentence on the gaps and omissions; null when the XML says everything that was asked. */
  reason: string | null;
}

/** The <cpu> head: a named model, or libvirt's modes for QEMU's host and max. */
type ModelElement = { head: string; model: string | null };

const LV = `libvirt ${LIBVIRT_CPU_MAP_VERSION}`;

/**
 * libvirt's model for a QEMU model name. libvirt before 10.0 knows no -vN
 * names: an unversioned name stands for -v1 (QEMU resolves it so on every
 * pc and q35 machine type from 4.1 on), and the named aliases
 * (Skylake-Client-IBRS) for the fixed version QEMU defines them as.
 */
export function libvirtModel(qemuModel: string): { element: ModelElement } | { gap: LibvirtGap } {
  // check='full': libvirt compares the vCPU QEMU created with the XML and refuses to start on a difference.
  if (qemuModel === 'host') return { element: { head: `<cpu mode='host-passthrough' check='full'>`, model: null } };
  if (qemuModel === 'max') return { element: { head: `<cpu mode='maximum' check='full'>`, model: null } };
  const custom = (name: string) => ({ element: { head: `<cpu mode='custom' match='exact' check='full'>`, model: name } });
  if (LIBVIRT_X86_MODELS.has(qemuModel)) return custom(qemuModel);
  if (isAutoModel(qemuModel)) return { gap: { name: qemuModel, reason: "model 'auto' names no CPU until a baseline pins one" } };
  const m = /^(.+)-v(\d+)$/.exec(qemuModel);
  if (!m) return { gap: { name: qemuModel, reason: `${LV} has no CPU model ${qemuModel}` } };
  const [, base, version] = m;
  if (version === '1' && LIBVIRT_X86_MODELS.has(base)) return custom(base);
  for (const [alias, target] of QEMU_FIXED_ALIASES) if (target === qemuModel) return custom(alias);
  const known = [
    ...(LIBVIRT_X86_MODELS.has(base) ? [`${base} (-v1)`] : []),
    ...[...QEMU_FIXED_ALIASES].filter(([, t]) => t.startsWith(`${base}-v`)).map(([a, t]) => `${a} (-v${t.slice(base.length + 2)})`),
  ];
  const why = known.length
    ? `${LV} knows no -vN names, and none of its names for ${base} is -v${version}: ${known.join(', ')}`
    : `${LV} knows no -vN names and no ${base} at all`;
  return { gap: { name: qemuModel, reason: why } };
}

/** libvirt's spelling of a QEMU feature name; undefined when libvirt's CPU map has no such feature. */
export function libvirtFeatureName(qemuName: string): string | undefined {
  return LIBVIRT_X86_FEATURES.get(qemuName);
}

/**
 * KVM paravirtual features libvirt sets outside <cpu>: QEMU property ->
 * where libvirt puts it. libvirt writes each back as the QEMU property
 * (pvspinlock -> kvm-pv-unhalt, <kvm><pv-ipi> -> kvm-pv-ipi, the kvmclock
 * timer -> kvmclock).
 */
const KVM_ELEMENTS: Readonly<Record<string, { parent: 'features' | 'kvm' | 'clock'; states: readonly boolean[]; render: (on: boolean) => string }>> = {
  'kvm-pv-unhalt': { parent: 'features', states: [true, false], render: (on) => `<pvspinlock state='${on ? 'on' : 'off'}'/>` },
  // libvirt 9.0 writes hint-dedicated and poll-control only when on, pv-ipi only when off (measured: the other state leaves no trace in its -cpu).
  'kvm-hint-dedicated': { parent: 'kvm', states: [true], render: (on) => `<hint-dedicated state='${on ? 'on' : 'off'}'/>` },
  'kvm-poll-control': { parent: 'kvm', states: [true], render: (on) => `<poll-control state='${on ? 'on' : 'off'}'/>` },
  'kvm-pv-ipi': { parent: 'kvm', states: [false], render: (on) => `<pv-ipi state='${on ? 'on' : 'off'}'/>` },
  kvmclock: { parent: 'clock', states: [true, false], render: (on) => `<timer name='kvmclock' present='${on ? 'yes' : 'no'}'/>` },
};

/**
 * The KVM paravirtual features QEMU turns on for every named model under
 * KVM (its full expansion of a named model under -accel kvm, QEMU 7.2 and
 * 10.0); the others are off unless asked for.
 */
export const QEMU_KVM_DEFAULT_ON: ReadonlySet<string> = new Set(['kvmclock', 'kvmclock-stable-bit', 'kvm-nopiodelay', 'kvm-asyncpf', 'kvm-steal-time', 'kvm-pv-eoi']);

/** QEMU's KVM paravirtual CPUID features (leaf 0x40000001): kvm-* and kvmclock*. */
export function isKvmParavirtFeature(name: string): boolean {
  return name.startsWith('kvm-') || name === 'kvmclock' || name === 'kvmclock-stable-bit';
}

/** A value as XML attribute or element text. */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function omission(name: string, on: boolean): LibvirtGap {
  const byDefault = QEMU_KVM_DEFAULT_ON.has(name);
  const reason =
    on === byDefault
      ? `${LV} has no setting that turns it ${on ? 'on' : 'off'}; QEMU turns it ${on ? 'on' : 'off'} by default under KVM, so the guest is the same`
      : `${LV} has no setting that turns it ${on ? 'on' : 'off'}; QEMU's default under KVM is ${byDefault ? 'on' : 'off'}, so a VM libvirt starts ${byDefault ? 'has' : 'lacks'} it`;
  return { name, reason };
}

/**
 * libvirt's XML for a QEMU model with required (+) and disabled (-)
 * features, all in QEMU spelling.
 */
export function renderLibvirtCpu(model: string, required: readonly string[], disabled: readonly string[]): LibvirtCpu {
  const unexpressible: LibvirtGap[] = [];
  const omitted: LibvirtGap[] = [];
  const resolved = libvirtModel(model);
  if ('gap' in resolved) unexpressible.push(resolved.gap);
  const cpuLines: string[] = [];
  const outside: Record<'features' | 'kvm' | 'clock', string[]> = { features: [], kvm: [], clock: [] };
  const wanted: Array<[string, boolean]> = [...required.map((f): [string, boolean] => [f, true]), ...disabled.map((f): [string, boolean] => [f, false])];
  for (const [name, on] of wanted) {
    const spelled = libvirtFeatureName(name);
    if (spelled !== undefined) {
      cpuLines.push(`  <feature policy='${on ? 'require' : 'disable'}' name='${xmlText(spelled)}'/>`);
      continue;
    }
    const element = KVM_ELEMENTS[name];
    if (element?.states.includes(on)) outside[element.parent].push(element.render(on));
    else if (isKvmParavirtFeature(name)) omitted.push(omission(name, on));
    else unexpressible.push({ name, reason: `${LV}'s CPU map has no feature ${name}` });
  }
  const reason = describe(unexpressible, omitted);
  if (unexpressible.length > 0 || 'gap' in resolved) return { xml: null, unexpressible, omitted, reason };
  const { head, model: name } = resolved.element;
  const lines = [head, ...(name !== null ? [`  <model fallback='forbid'>${xmlText(name)}</model>`] : []), ...cpuLines, '</cpu>'];
  if (outside.features.length > 0 || outside.kvm.length > 0) {
    lines.push('<features>', ...outside.features.map((l) => `  ${l}`));
    if (outside.kvm.length > 0) lines.push('  <kvm>', ...outside.kvm.map((l) => `    ${l}`), '  </kvm>');
    lines.push('</features>');
  }
  if (outside.clock.length > 0) lines.push('<clock>', ...outside.clock.map((l) => `  ${l}`), '</clock>');
  return { xml: lines.join('\n'), unexpressible, omitted, reason };
}

/** One sentence on what libvirt cannot express and what the XML leaves out; null when neither. */
export function describe(unexpressible: readonly LibvirtGap[], omitted: readonly LibvirtGap[]): string | null {
  const list = (gaps: readonly LibvirtGap[]) => gaps.map((g) => `${g.name} (${g.reason})`).join('; ');
  const parts = [
    ...(unexpressible.length ? [`${LV} cannot express this CPU: ${list(unexpressible)}`] : []),
    ...(omitted.length ? [`Left out of the XML: ${list(omitted)}`] : []),
  ];
  return parts.length ? `${parts.join('. ')}.` : null;
}

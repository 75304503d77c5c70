/**
 * A CPU in libvirt's names, for the formats that hand a model name and
 * feature names to libvirt without writing the XML themselves (KubeVirt's
 * spec.domain.cpu, Nova's [libvirt] options). libvirtCpu.ts's naming rules
 * (libvirt 9.0's CPU map) decide what can be named on x86_64,
 * libvirtCpuArm.ts's on aarch64. KVM paravirtual features have no name
 * there: one asked in QEMU's default state is left out (the guest is the
 * same), any other is a gap. So is aarch64's pmu, which libvirt sets
 * outside <cpu> (<features><pmu/>), where these formats cannot write.
 */
import { isKvmParavirtFeature, libvirtFeatureName, libvirtModel, QEMU_KVM_DEFAULT_ON } from '../libvirtCpu';
import { libvirtArmFeatures, libvirtArmModel } from '../libvirtCpuArm';
import type { CpuToRender } from './renderer';

export interface LibvirtNamed {
  /** libvirt's model name; 'host' stays 'host' (each format has its own word for passthrough); on aarch64 'max' stays 'max', a custom model libvirt accepts there. */
  model: string | null;
  features: Array<{ name: string; policy: 'require' | 'disable' }>;
  /** `name (why)` for each model or feature that cannot be named. */
  gaps: string[];
  /** `name (why the guest is the same)` for each feature left out. */
  left: string[];
}

export function libvirtNamed(cpu: CpuToRender, where: string): LibvirtNamed {
  if (cpu.arch === 'aarch64') return libvirtArmNamed(cpu, where);
  const named: LibvirtNamed = { model: null, features: [], gaps: [], left: [] };
  if (cpu.model === 'host') named.model = 'host';
  else {
    const resolved = libvirtModel(cpu.model);
    if ('gap' in resolved) named.gaps.push(`${resolved.gap.name} (${resolved.gap.reason})`);
    else if (resolved.element.model === null) named.gaps.push(`${cpu.model} (libvirt writes it as a CPU mode, which ${where} cannot ask for)`);
    else named.model = resolved.element.model;
  }
  const wanted: Array<[string, boolean]> = [...cpu.requiredFeatures.map((f): [string, boolean] => [f, true]), ...cpu.disabledFeatures.map((f): [string, boolean] => [f, false])];
  for (const [name, on] of wanted) {
    const spelled = libvirtFeatureName(name);
    if (spelled !== undefined) named.features.push({ name: spelled, policy: on ? 'require' : 'disable' });
    else if (isKvmParavirtFeature(name) && QEMU_KVM_DEFAULT_ON.has(name) === on) named.left.push(`${name} (QEMU turns it ${on ? 'on' : 'off'} by default under KVM, so the guest is the same)`);
    else named.gaps.push(`${name} (${isKvmParavirtFeature(name) ? `a KVM paravirtual feature, which ${where} cannot set` : "libvirt 9.0's CPU map has no such feature"})`);
  }
  return named;
}

function libvirtArmNamed(cpu: CpuToRender, where: string): LibvirtNamed {
  const resolved = libvirtArmModel(cpu.model);
  const features = libvirtArmFeatures(cpu.requiredFeatures, cpu.disabledFeatures);
  const said = (gap: { name: string; reason: string }) => `${gap.name} (${gap.reason})`;
  const gaps = [...('gap' in resolved ? [resolved.gap] : []), ...features.unexpressible].map(said);
  if (features.pmu !== undefined) gaps.push(`pmu (libvirt sets it outside <cpu>, as <features><pmu state='${features.pmu ? 'on' : 'off'}'/>, which ${where} cannot write)`);
  return { model: 'gap' in resolved ? null : (resolved.model ?? cpu.model), features: features.cpu, gaps, left: features.omitted.map(said) };
}

/**
 * The CPU for Proxmox VE: the VM config's `cpu:` property, and where the CPU
 * needs flags a VM config may not set, a custom model for
 * /etc/pve/virtual-guest/cpu-models.conf.
 *
 * The rules are those of proxmox/qemu-server, src/PVE/QemuServer/CPUConfig.pm
 * (read for this module; none of its code is here), and of
 * proxmox/pve-common src/PVE/SectionConfig.pm for the file's format:
 * - cputype is a key of its $cpu_vendor_list (QEMU model names, a few of them
 *   versioned), a built-in x86-64-vN model, or `custom-NAME`;
 * - a VM config's flags must each be one of $supported_cpu_flags
 *   (validate_vm_cpu_conf); a custom model may set any flag matching
 *   [+-][a-zA-Z0-9\-_.]+, separated by ';';
 * - a custom model is a section `cpu-model: NAME` with tab-indented
 *   `key value` lines; its reported-model (the model QEMU is started with)
 *   must also be a key of $cpu_vendor_list;
 * - Icelake-Client and Icelake-Client-noTSX are silently replaced by
 *   Icelake-Server ($depreacated_cpu_map);
 * - get_cpu_options starts every KVM guest but host with enforce, adds
 *   vendor= for a non-generic model, and get_pve_cpu_flags adds
 *   +kvm_pv_unhalt and +kvm_pv_eoi (machine types from 2.3 on), -rdtscp for
 *   Opteron models, +lahf_lm and +sep for kvm64. Later flag lists win over
 *   earlier ones of the same name, and QEMU applies every -flag after every
 *   +flag, so a -flag of the CPU always holds, and a +flag against one of
 *   Proxmox's -flags never does.
 *
 * For an aarch64 guest (Proxmox VE's unofficial arm support, `arch: aarch64`
 * or an aarch64 node) the same file says:
 * - the cputypes are those of $cpu_models_by_arch->{aarch64} (a64fx,
 *   cortex-a35 … neoverse-v1, max; pve-qemu may ship them as
 *   /usr/share/kvm/cpu-models-aarch64.json instead), and host on an aarch64
 *   node; get_default_cpu_type picks host under KVM, max without;
 * - get_cpu_options adds nothing for aarch64 (no enforce, vendor= or
 *   kvm_pv_unhalt: those are x86_64 only);
 * - no flag is VM-specific on aarch64 (CPUFlags.pm,
 *   $supported_vm_specific_cpu_flags_by_arch->{aarch64} is empty), and a
 *   custom model's flags are written as +name / -name (print_cpu_flags),
 *   which QEMU's arm -cpu parser refuses ("Expected key=value format"). So
 *   an aarch64 CPU with feature switches cannot be written at all.
 */
import { z } from 'zod';
import { isAutoModel } from '../cpuSelection';
import { QEMU_FIXED_ALIASES } from '../libvirtCpuMap';
import { defineRenderer, type CpuToRender } from './renderer';

/** CPUConfig.pm's $cpu_vendor_list: the cputypes (and reported-models) Proxmox VE accepts, without the deprecated Icelake-Client pair. */
const PVE_CPUTYPES: ReadonlySet<string> = new Set([
  ...['486', 'pentium', 'pentium2', 'pentium3', 'coreduo', 'core2duo', 'Conroe', 'Penryn', 'Nehalem', 'Nehalem-IBRS', 'Westmere', 'Westmere-IBRS'],
  ...['SandyBridge', 'SandyBridge-IBRS', 'IvyBridge', 'IvyBridge-IBRS', 'Haswell', 'Haswell-IBRS', 'Haswell-noTSX', 'Haswell-noTSX-IBRS'],
  ...['Broadwell', 'Broadwell-IBRS', 'Broadwell-noTSX', 'Broadwell-noTSX-IBRS', 'Skylake-Client', 'Skylake-Client-IBRS', 'Skylake-Client-noTSX-IBRS', 'Skylake-Client-v4'],
  ...['Skylake-Server', 'Skylake-Server-IBRS', 'Skylake-Server-noTSX-IBRS', 'Skylake-Server-v4', 'Skylake-Server-v5'],
  ...['Cascadelake-Server', 'Cascadelake-Server-v2', 'Cascadelake-Server-noTSX', 'Cascadelake-Server-v4', 'Cascadelake-Server-v5', 'Cooperlake', 'Cooperlake-v2', 'KnightsMill'],
  ...['Icelake-Server', 'Icelake-Server-noTSX', 'Icelake-Server-v3', 'Icelake-Server-v4', 'Icelake-Server-v5', 'Icelake-Server-v6', 'Icelake-Server-v7'],
  ...['SapphireRapids', 'SapphireRapids-v2', 'SapphireRapids-v3', 'SapphireRapids-v4', 'GraniteRapids', 'GraniteRapids-v2', 'GraniteRapids-v3'],
  ...['SierraForest', 'SierraForest-v2', 'SierraForest-v3', 'ClearwaterForest'],
  ...['athlon', 'phenom', 'Opteron_G1', 'Opteron_G2', 'Opteron_G3', 'Opteron_G4', 'Opteron_G5', 'EPYC', 'EPYC-IBPB', 'EPYC-v3', 'EPYC-v4', 'EPYC-v5'],
  ...['EPYC-Rome', 'EPYC-Rome-v2', 'EPYC-Rome-v3', 'EPYC-Rome-v4', 'EPYC-Rome-v5', 'EPYC-Milan', 'EPYC-Milan-v2', 'EPYC-Milan-v3', 'EPYC-Genoa', 'EPYC-Genoa-v2', 'EPYC-Turin'],
  ...['host', 'kvm32', 'kvm64', 'qemu32', 'qemu64', 'max'],
]);

/** CPUConfig.pm's aarch64 list (the hard-coded $cpu_models_by_arch->{aarch64}), with host, which it adds on an aarch64 node. */
const PVE_AARCH64_CPUTYPES: ReadonlySet<string> = new Set(['a64fx', 'cortex-a35', 'cortex-a53', 'cortex-a55', 'cortex-a57', 'cortex-a710', 'cortex-a72', 'cortex-a76', 'neoverse-n1', 'neoverse-n2', 'neoverse-v1', 'max', 'host']);

/** CPUConfig.pm's $supported_cpu_flags: the only flags a VM config may set (nested-virt is Proxmox's own, never a QEMU name). */
export const PVE_VM_FLAGS: ReadonlySet<string> = new Set(['md-clear', 'pcid', 'spec-ctrl', 'ssbd', 'ibpb', 'virt-ssbd', 'amd-ssbd', 'amd-no-ssb', 'pdpe1gb', 'hv-tlbflush', 'hv-evmcs', 'aes']);

/** A flag a custom model may carry ($cpu_flag_any_re). */
const FLAG_NAME = /^[a-zA-Z0-9\-_.]+$/;

/** Where cpu-models.conf lives on every node of a cluster (cfs_register_file's virtual-guest/cpu-models.conf under /etc/pve). */
const MODELS_FILE = '/etc/pve/virtual-guest/cpu-models.conf';

/**
 * Proxmox's name for a concrete QEMU model: the name itself when Proxmox
 * lists it; else, as for libvirt, the unversioned name for -v1 (QEMU
 * resolves it so on every machine type from 4.1 on) or the named alias QEMU
 * fixes to that version.
 */
export function proxmoxCputype(qemuModel: string): { cputype: string } | { reason: string } {
  if (isAutoModel(qemuModel)) return { reason: "model 'auto' names no CPU until a baseline pins one" };
  if (PVE_CPUTYPES.has(qemuModel)) return { cputype: qemuModel };
  const m = /^(.+)-v1$/.exec(qemuModel);
  if (m && PVE_CPUTYPES.has(m[1])) return { cputype: m[1] };
  for (const [alias, target] of QEMU_FIXED_ALIASES) if (target === qemuModel && PVE_CPUTYPES.has(alias)) return { cputype: alias };
  return { reason: `Proxmox VE's CPU types (CPUConfig.pm) have no name for ${qemuModel}` };
}

/** A custom model's name: the model and a digest of its flags, so one CPU always gets one name and two CPUs never share one. */
function customName(cputype: string, flags: string): string {
  let h = 0x811c9dc5;
  for (const c of `${cputype};${flags}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `qemu-cpu-${cputype.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${h.toString(16).padStart(8, '0')}`;
}

/** What Proxmox adds to this guest beyond the CPU asked, and what that changes. */
function additions(cputype: string, cpu: CpuToRender): string[] {
  const asked = new Set([...cpu.requiredFeatures, ...cpu.disabledFeatures]);
  const notes: string[] = [];
  if (!asked.has('kvm-pv-unhalt')) notes.push('Proxmox VE adds +kvm_pv_unhalt to every KVM guest (get_pve_cpu_flags), which this -cpu leaves off: the guest also gets kvm-pv-unhalt');
  if (cputype === 'kvm64') notes.push('for kvm64 it adds +lahf_lm and +sep');
  if (cputype === 'host') notes.push('for host it does not add enforce');
  return notes;
}

export interface ProxmoxCpu {
  /** The VM config's `cpu:` value. */
  cpu: string | null;
  /** The custom model section for cpu-models.conf, when the VM config cannot carry the flags. */
  modelsConf: string | null;
  reason: string | null;
}

/** An aarch64 CPU as Proxmox VE writes it: a cputype, and no flags (see the module comment). */
function renderProxmoxArmCpu(cpu: CpuToRender): ProxmoxCpu {
  const gaps: string[] = [];
  if (isAutoModel(cpu.model)) gaps.push("model 'auto' names no CPU until a baseline pins one");
  else if (!PVE_AARCH64_CPUTYPES.has(cpu.model)) gaps.push(`its aarch64 CPU types (CPUConfig.pm) have no ${cpu.model}`);
  const switches = [...cpu.requiredFeatures.map((f) => `${f}=on`), ...cpu.disabledFeatures.map((f) => `${f}=off`)];
  if (switches.length) {
    gaps.push(
      `it can set no aarch64 CPU property (${switches.join(', ')}): a VM config may set no flag for aarch64 (CPUFlags.pm), and a custom model's flags become +name/-name (print_cpu_flags), which QEMU's arm -cpu refuses`,
    );
  }
  if (gaps.length) return { cpu: null, modelsConf: null, reason: `Proxmox VE cannot express this CPU: ${gaps.join('; ')}.` };
  return { cpu: `cputype=${cpu.model}`, modelsConf: null, reason: null };
}

/** The CPU as Proxmox VE writes it. */
export function renderProxmoxCpu(cpu: CpuToRender): ProxmoxCpu {
  if (cpu.arch === 'aarch64') return renderProxmoxArmCpu(cpu);
  const type = proxmoxCputype(cpu.model);
  const gaps: string[] = 'reason' in type ? [type.reason] : [];
  const flags = [...cpu.requiredFeatures.map((f) => `+${f}`), ...cpu.disabledFeatures.map((f) => `-${f}`)];
  const badNames = [...cpu.requiredFeatures, ...cpu.disabledFeatures].filter((f) => !FLAG_NAME.test(f));
  if (badNames.length) gaps.push(`its flag syntax cannot name ${badNames.join(', ')}`);
  if ('cputype' in type && /^Opteron_/.test(type.cputype) && cpu.requiredFeatures.includes('rdtscp')) {
    gaps.push(`it turns rdtscp off for every Opteron model (get_pve_cpu_flags), and QEMU applies -rdtscp after +rdtscp`);
  }
  if (gaps.length || !('cputype' in type)) return { cpu: null, modelsConf: null, reason: `Proxmox VE cannot express this CPU: ${gaps.join('; ')}.` };
  const notes = additions(type.cputype, cpu);
  const reason = notes.length ? `${notes.join('; ')}.` : null;
  if (flags.length === 0) return { cpu: `cputype=${type.cputype}`, modelsConf: null, reason };
  const flagList = flags.join(';');
  if ([...cpu.requiredFeatures, ...cpu.disabledFeatures].every((f) => PVE_VM_FLAGS.has(f))) {
    return { cpu: `cputype=${type.cputype},flags=${flagList}`, modelsConf: null, reason };
  }
  const name = customName(type.cputype, flagList);
  const outside = [...cpu.requiredFeatures, ...cpu.disabledFeatures].filter((f) => !PVE_VM_FLAGS.has(f));
  const why = `a VM config may set only ${[...PVE_VM_FLAGS].join(', ')} (validate_vm_cpu_conf), not ${outside.join(', ')}: the CPU is a custom model for ${MODELS_FILE}`;
  return {
    cpu: `cputype=custom-${name}`,
    modelsConf: [`cpu-model: ${name}`, `\tflags ${flagList}`, `\treported-model ${type.cputype}`, ''].join('\n'),
    reason: `${[why, ...notes].join('; ')}.`,
  };
}

export const proxmoxRenderer = defineRenderer({
  format: 'proxmox',
  label: 'Proxmox VE',
  fields: {
    proxmoxCpu: z
      .string()
      .nullable()
      .describe(
        "Proxmox VE's VM config `cpu:` value, e.g. 'cputype=EPYC-Rome,flags=+aes;-pcid', or 'cputype=custom-NAME' for the custom model in proxmoxCpuModelsConf; on aarch64 a cputype alone (Proxmox cannot set arm CPU properties). Null when Proxmox cannot express the CPU: see proxmoxCpuReason.",
      ),
    proxmoxCpuModelsConf: z
      .string()
      .nullable()
      .describe('The custom CPU model section for /etc/pve/virtual-guest/cpu-models.conf (cpu-model: NAME, flags, reported-model), when the CPU needs flags a VM config may not set; null otherwise.'),
    proxmoxCpuReason: z
      .string()
      .nullable()
      .describe('Why proxmoxCpu is null, or why the CPU needs a custom model, and what Proxmox VE adds to every guest beyond it (kvm_pv_unhalt); null when proxmoxCpu says everything.'),
  },
  render: (cpu) => {
    const pve = renderProxmoxCpu(cpu);
    return { proxmoxCpu: pve.cpu, proxmoxCpuModelsConf: pve.modelsConf, proxmoxCpuReason: pve.reason };
  },
  print: (values) => ({
    text: values.proxmoxCpu === null ? null : [`cpu: ${values.proxmoxCpu}`, ...(values.proxmoxCpuModelsConf ? [`# ${MODELS_FILE}:`, values.proxmoxCpuModelsConf.trimEnd()] : [])].join('\n'),
    reason: values.proxmoxCpuReason,
  }),
});

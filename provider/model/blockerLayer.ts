import { z } from 'zod';
import type { Accelerator } from './qemuNames';
import { cpuinfoFlagFeature } from './featureNames';

/**
 * Where a feature a guest cannot get is withheld, as far as the evidence
 * proves it:
 * - cpu: the host CPU does not have it (/proc/cpuinfo);
 * - kvm-or-qemu: the CPU has it, the host model (all KVM and this QEMU give a guest) does not; one QEMU cannot tell which of the two;
 * - qemu: this QEMU does not know the feature, or another QEMU on the same host gives it (under TCG: TCG does not emulate it);
 * - machine-type: the model asks for it only under this machine type (its compat properties), not under -machine none;
 * - topology: QEMU sets it from the vCPU topology, not from the host (ht);
 * - undecided: the evidence at hand proves none of these.
 */
export const BLOCKER_LAYERS = ['cpu', 'kvm-or-qemu', 'qemu', 'machine-type', 'topology', 'undecided'] as const;
export type BlockerLayer = (typeof BLOCKER_LAYERS)[number];

/** One feature a guest cannot get, with the layer that withholds it and the evidence for that. */
export const BlockerSchema = z.object({
  feature: z.string().describe('The feature, in QEMU spelling.'),
  layer: z.enum(BLOCKER_LAYERS).describe('cpu, kvm-or-qemu, qemu, machine-type, topology, or undecided when the evidence proves none of them.'),
  evidence: z.string().describe('What proves the layer (or why none is proven), in a few words.'),
});
export type Blocker = z.infer<typeof BlockerSchema>;

/** A layer's meaning, for people: text summaries print it beside the layer's features. */
export const LAYER_MEANING: Readonly<Record<BlockerLayer, string>> = {
  cpu: 'not in the host CPU (/proc/cpuinfo)',
  'kvm-or-qemu': 'in the host CPU, not in the host model: KVM or this QEMU withholds them (one QEMU cannot tell which)',
  qemu: 'this QEMU does not know or give them (another QEMU may)',
  'machine-type': "asked for only by the machine type's compat properties (not under -machine none)",
  topology: 'set by QEMU from the vCPU topology (threads per core), not from the host',
  undecided: 'the evidence at hand proves no layer',
};

/**
 * Features QEMU sets from the vCPU topology: CPUID.1:EDX.HTT (ht) when a
 * package has more than one logical processor, and AMD's CmpLegacy with it.
 * No host withholds them; a one-vCPU VM does not get them.
 */
const TOPOLOGY_FEATURES: ReadonlySet<string> = new Set(['ht', 'cmp-legacy']);

/**
 * Features whose absence from /proc/cpuinfo's flags proves nothing about the
 * CPU: KVM's paravirtual features and the hypervisor bit; the
 * IA32_ARCH_CAPABILITIES bits (Linux reports those under
 * /sys/devices/system/cpu/vulnerabilities); and the speculation-control
 * bits Linux folds into flags of its own from either vendor's bit (ibrs,
 * ibpb, stibp, ssbd) or shows only when the kernel uses them.
 */
const CPUINFO_SILENT: ReadonlySet<string> = new Set([
  'hypervisor', 'arch-capabilities', 'rsba', 'skip-l1dfl-vmentry', 'fb-clear', 'rrsba-ctrl', 'bhi-ctrl', 'ipred-ctrl', 'rfds-clear',
  'tsx-ctrl', 'fdp-excptn-only', 'zero-fcs-fds', 'ibrs-all', 'spec-ctrl', 'ssbd', 'ibpb', 'ibrs', 'stibp', 'amd-stibp', 'amd-ssbd',
  'virt-ssbd', 'core-capability', 'split-lock-detect', 'stibp-always-on',
]);

function cpuinfoSilentOn(feature: string): boolean {
  return /^kvm/.test(feature) || /-no$/.test(feature) || CPUINFO_SILENT.has(feature);
}

/** What one host's evidence is; every part may be missing (then layers it would prove stay undecided). */
export interface LayerEvidence {
  accelerator: Accelerator;
  /** /proc/cpuinfo flags, as Linux spells them. */
  cpuinfoFlags?: readonly string[];
  /** The features the host model (host under KVM, max under TCG) enables under -machine none, canonical. */
  hostModelUnderNone?: readonly string[];
  /**
   * For a VM with a real machine type: the CPU model as asked, and what QEMU
   * said it lacks under -machine none (query-cpu-definitions there); absent
   * when that QEMU does not list the model.
   */
  modelUnderNone?: { model: string; machineType: string; unavailable: readonly string[] };
  /** Features asked for explicitly (+feature): the machine type never adds those. */
  requested?: readonly string[];
}

/** The layer of one feature a guest cannot get, from the evidence. Pure. */
export function blockerLayer(feature: string, ev: LayerEvidence): Blocker {
  const at = (layer: BlockerLayer, evidence: string): Blocker => ({ feature, layer, evidence });
  if (TOPOLOGY_FEATURES.has(feature)) return at('topology', 'QEMU sets it from the vCPU topology, whatever the host');
  const under = ev.modelUnderNone;
  if (under && !(ev.requested ?? []).includes(feature) && !under.unavailable.includes(feature)) {
    return at('machine-type', `${under.model} lacks it under ${under.machineType}, not under -machine none: the machine type's compat properties (or the model version it picks) ask for what this host cannot give`);
  }
  const model = ev.hostModelUnderNone;
  if (ev.accelerator === 'tcg') {
    return model === undefined ? at('undecided', 'the max model under -machine none was not read') : model.includes(feature) ? at('undecided', 'the max model has it') : at('qemu', "this QEMU's TCG does not emulate it");
  }
  const inCpu = ev.cpuinfoFlags === undefined ? undefined : ev.cpuinfoFlags.some((f) => cpuinfoFlagFeature(f) === feature);
  if (inCpu === false && !cpuinfoSilentOn(feature)) return at('cpu', 'not in /proc/cpuinfo');
  if (model === undefined) return at('undecided', 'the host model under -machine none was not read');
  if (model.includes(feature)) return at('undecided', 'the host model under -machine none has it');
  if (inCpu === true) return at('kvm-or-qemu', 'in /proc/cpuinfo, not in the host model');
  return at('undecided', inCpu === undefined ? '/proc/cpuinfo was not read' : 'Linux does not list it in /proc/cpuinfo');
}

/** The layers of several features, in their order. */
export function blockerLayers(features: readonly string[], ev: LayerEvidence): Blocker[] {
  return features.map((f) => blockerLayer(f, ev));
}

/** Features grouped by layer, layers in {@link BLOCKER_LAYERS} order, empty layers left out. */
export function groupByLayer(blockers: readonly Blocker[]): Array<{ layer: BlockerLayer; features: string[] }> {
  return BLOCKER_LAYERS.map((layer) => ({ layer, features: [...new Set(blockers.filter((b) => b.layer === layer).map((b) => b.feature))] })).filter((g) => g.features.length > 0);
}

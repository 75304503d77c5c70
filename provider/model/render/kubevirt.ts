/**
 * The CPU for KubeVirt: a VirtualMachineInstance's spec.domain.cpu block,
 * and the node labels its pod's nodeSelector then requires.
 *
 * The rules are KubeVirt's (kubevirt/kubevirt, read for this module; none of
 * its code is here):
 * - the virt-launcher converter copies spec.domain.cpu.model into libvirt's
 *   <cpu mode='custom'><model>, except host-model and host-passthrough,
 *   which become the mode; each feature becomes a libvirt <feature> with its
 *   name and policy as written. So models and features are in libvirt's
 *   spelling, and libvirtCpu.ts's naming rules (libvirt 9.0's CPU map)
 *   decide what can be written;
 * - virt-controller's nodeselectorrenderer.go requires the label
 *   cpu-model.node.kubevirt.io/<model> (not for host-model or
 *   host-passthrough) and cpu-feature.node.kubevirt.io/<name> for each
 *   feature whose policy is require or empty; the node-labeller puts these
 *   labels on the hosts whose libvirt can run the model and feature.
 * KubeVirt writes no fallback='forbid' or check='full': libvirt's defaults
 * for a custom CPU apply.
 *
 * On Arm64 (aarch64) KubeVirt has rules of its own:
 * - pkg/virt-api/webhooks/arm64.go (validateCPUModel) refuses any model but
 *   host-passthrough ("currently, host-passthrough is the only model
 *   supported on Arm64"), and pkg/defaults/arm64.go makes it the default;
 * - the node-labeller puts no cpu-feature labels on Arm64 nodes
 *   (pkg/virt-handler/node-labeller: archLabellerARM64 keeps
 *   hasHostSupportedFeatures false, "hypervisor-cpu-baseline virsh command
 *   doesnt work for ARM64"), so a feature with policy require asks the
 *   scheduler for a label no Arm64 node has. A required feature is written
 *   with policy force instead: nodeselectorrenderer.go labels only require
 *   (or empty) policies, and libvirt writes force into an aarch64 -cpu as
 *   name=on just as it writes require (measured with libvirt 9.0).
 */
import { z } from 'zod';
import { libvirtNamed } from './libvirtNames';
import { defineRenderer, type CpuToRender } from './renderer';

/** KubeVirt's node label prefixes (kubevirt.io/api core/v1 CPUModelLabel and CPUFeatureLabel). */
export const KUBEVIRT_MODEL_LABEL = 'cpu-model.node.kubevirt.io/';
export const KUBEVIRT_FEATURE_LABEL = 'cpu-feature.node.kubevirt.io/';

/** A YAML scalar: plain where YAML reads it back as the same string, else single-quoted. */
function scalar(value: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !/^(y|n|yes|no|on|off|true|false|null)$/i.test(value);
  return plain ? value : `'${value.replace(/'/g, "''")}'`;
}

export interface KubevirtCpu {
  /** `cpu:` with model and features, to put under spec.domain. */
  yaml: string | null;
  /** `label=true` for each node label the VMI's pod requires. */
  nodeLabels: string[] | null;
  reason: string | null;
}

/** KubeVirt's word on a required feature of an Arm64 VMI (see the module comment). */
const ARM64_FORCE_NOTE =
  "Required features have policy force: KubeVirt's node-labeller puts no cpu-feature labels on Arm64 nodes, so require would match no node; libvirt writes force into an aarch64 -cpu as name=on, as it writes require";

/** The CPU as a KubeVirt VMI asks for it. */
export function renderKubevirtCpu(cpu: CpuToRender): KubevirtCpu {
  const named = libvirtNamed(cpu, 'spec.domain.cpu');
  const { gaps, left } = named;
  const arm64 = cpu.arch === 'aarch64';
  if (arm64 && named.model !== null && named.model !== 'host') gaps.unshift(`${cpu.model} (KubeVirt on Arm64 accepts only model host-passthrough: pkg/virt-api/webhooks/arm64.go, validateCPUModel)`);
  const model = named.model === 'host' ? 'host-passthrough' : named.model;
  if (gaps.length > 0 || model === null) return { yaml: null, nodeLabels: null, reason: `KubeVirt cannot express this CPU: ${gaps.join('; ')}.` };
  const forced = arm64 && named.features.some((f) => f.policy === 'require');
  const features = named.features.map((f) => ({ name: f.name, policy: forced && f.policy === 'require' ? 'force' : f.policy }));
  const lines = ['cpu:', `  model: ${scalar(model)}`];
  if (features.length) lines.push('  features:', ...features.flatMap((f) => [`    - name: ${scalar(f.name)}`, `      policy: ${f.policy}`]));
  const modelLabel = model === 'host-passthrough' ? [] : [`${KUBEVIRT_MODEL_LABEL}${model}=true`];
  const nodeLabels = [...modelLabel, ...features.filter((f) => f.policy === 'require').map((f) => `${KUBEVIRT_FEATURE_LABEL}${f.name}=true`)];
  const notes = [...(left.length ? [`Left out of spec.domain.cpu: ${left.join('; ')}`] : []), ...(forced ? [ARM64_FORCE_NOTE] : [])];
  return { yaml: lines.join('\n'), nodeLabels, reason: notes.length ? `${notes.join('. ')}.` : null };
}

export const kubevirtRenderer = defineRenderer({
  format: 'kubevirt',
  label: 'KubeVirt',
  fields: {
    kubevirtCpu: z
      .string()
      .nullable()
      .describe(
        "KubeVirt's spec.domain.cpu block for a VirtualMachineInstance, as YAML: model and features (name, policy require or disable) in libvirt's names. On aarch64 (Arm64) the model is host-passthrough, the only one KubeVirt accepts there, and required features have policy force. Null when KubeVirt cannot express the CPU: see kubevirtCpuReason.",
      ),
    kubevirtNodeLabels: z
      .array(z.string())
      .nullable()
      .describe("The node labels ('cpu-model.node.kubevirt.io/<model>=true', 'cpu-feature.node.kubevirt.io/<feature>=true') the VMI's pod requires: KubeVirt schedules the VM only on nodes carrying every one. Null with kubevirtCpu."),
    kubevirtCpuReason: z.string().nullable().describe('Why kubevirtCpu is null, or which features it leaves out and why the guest is the same; null when it says everything asked.'),
  },
  render: (cpu) => {
    const kv = renderKubevirtCpu(cpu);
    return { kubevirtCpu: kv.yaml, kubevirtNodeLabels: kv.nodeLabels, kubevirtCpuReason: kv.reason };
  },
  print: (values) => ({
    text:
      values.kubevirtCpu === null
        ? null
        : [values.kubevirtCpu, '# The nodeSelector of the VMI pod: a node must carry each of these labels.', ...(values.kubevirtNodeLabels ?? []).map((l) => `#   ${l}`)].join('\n'),
    reason: values.kubevirtCpuReason,
  }),
});

import { parse } from 'yaml';
import { LIBVIRT_ARM_FEATURES } from '../libvirtCpuArm';
import { LIBVIRT_X86_FEATURES, LIBVIRT_X86_MODELS } from '../libvirtCpuMap';
import { KUBEVIRT_FEATURE_LABEL, KUBEVIRT_MODEL_LABEL, kubevirtRenderer, renderKubevirtCpu } from './kubevirt';

/**
 * KubeVirt's own rules, restated from kubevirt/kubevirt: the VMI API's CPU
 * (model a string, features a list of name and policy, policies those of
 * libvirt), the converter passing both on to libvirt unchanged (so they must
 * be libvirt names), and nodeselectorrenderer.go's labels.
 */
const POLICIES = ['force', 'require', 'optional', 'disable', 'forbid'];
/** A Kubernetes label key's name part (after the prefix's '/'): at most 63 characters, alphanumeric at both ends. */
const LABEL_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/;
const LIBVIRT_FEATURE_NAMES = new Set(LIBVIRT_X86_FEATURES.values());

type VmiCpu = { cpu: { model: string; features?: Array<{ name: string; policy?: string }> } };

/** The labels KubeVirt's nodeSelector requires for this spec.domain.cpu (CPUModelLabelFromCPUModel, CPUFeatureLabelsFromCPUFeatures). */
function labelsKubevirtRequires(spec: VmiCpu): string[] {
  const model = ['host-model', 'host-passthrough'].includes(spec.cpu.model) ? [] : [`${KUBEVIRT_MODEL_LABEL}${spec.cpu.model}=true`];
  const features = (spec.cpu.features ?? []).filter((f) => !f.policy || f.policy === 'require').map((f) => `${KUBEVIRT_FEATURE_LABEL}${f.name}=true`);
  return [...model, ...features];
}

function expectValid(yaml: string): VmiCpu {
  const spec = parse(yaml) as VmiCpu;
  expect(typeof spec.cpu.model).toBe('string');
  if (spec.cpu.model !== 'host-passthrough') expect(LIBVIRT_X86_MODELS.has(spec.cpu.model)).toBe(true);
  for (const f of spec.cpu.features ?? []) {
    expect(POLICIES).toContain(f.policy);
    expect(LIBVIRT_FEATURE_NAMES.has(f.name)).toBe(true);
  }
  return spec;
}

describe('KubeVirt rendering', () => {
  it('writes spec.domain.cpu in libvirt names, with require and disable, and the node labels KubeVirt then requires', () => {
    const kv = renderKubevirtCpu({ model: 'Skylake-Client-v2', requiredFeatures: ['avx2', 'sse4.1'], disabledFeatures: ['hle'] });
    const spec = expectValid(kv.yaml!);
    expect(spec).toEqual({ cpu: { model: 'Skylake-Client-IBRS', features: [{ name: 'avx2', policy: 'require' }, { name: 'sse4.1', policy: 'require' }, { name: 'hle', policy: 'disable' }] } });
    expect(kv.nodeLabels).toEqual(labelsKubevirtRequires(spec));
    expect(kv.nodeLabels).toEqual(['cpu-model.node.kubevirt.io/Skylake-Client-IBRS=true', 'cpu-feature.node.kubevirt.io/avx2=true', 'cpu-feature.node.kubevirt.io/sse4.1=true']);
    for (const label of kv.nodeLabels!) expect(LABEL_NAME.test(label.split('/')[1].replace(/=true$/, ''))).toBe(true);
    expect(kv.reason).toBeNull();
  });

  it('a model whose name YAML would read as a number stays a string', () => {
    const spec = expectValid(renderKubevirtCpu({ model: '486-v1', requiredFeatures: [], disabledFeatures: [] }).yaml!);
    expect(spec.cpu.model).toBe('486');
  });

  it('host is host-passthrough, which KubeVirt labels no model for', () => {
    const kv = renderKubevirtCpu({ model: 'host', requiredFeatures: [], disabledFeatures: [] });
    expect(parse(kv.yaml!)).toEqual({ cpu: { model: 'host-passthrough' } });
    expect(kv.nodeLabels).toEqual([]);
  });

  it('a KVM paravirtual feature in its default state is left out and said; the guest is the same', () => {
    const kv = renderKubevirtCpu({ model: 'qemu64-v1', requiredFeatures: ['kvmclock'], disabledFeatures: [] });
    expect(parse(kv.yaml!)).toEqual({ cpu: { model: 'qemu64' } });
    expect(kv.reason).toContain('kvmclock');
  });

  it.each([
    [{ model: 'Skylake-Client-v4', requiredFeatures: [], disabledFeatures: [] }, 'Skylake-Client-v4'],
    [{ model: 'max', requiredFeatures: [], disabledFeatures: [] }, 'max'],
    [{ model: 'qemu64-v1', requiredFeatures: ['kvm-pv-unhalt'], disabledFeatures: [] }, 'kvm-pv-unhalt'],
    [{ model: 'qemu64-v1', requiredFeatures: ['no-such-feature'], disabledFeatures: [] }, 'no-such-feature'],
    [{ model: 'auto', requiredFeatures: [], disabledFeatures: [] }, 'auto'],
  ])('what KubeVirt cannot express is null with the reason naming it: %j', (cpu, name) => {
    const kv = renderKubevirtCpu(cpu);
    expect(kv).toEqual({ yaml: null, nodeLabels: null, reason: expect.stringContaining(name) });
    expect(kubevirtRenderer.print(kubevirtRenderer.render(cpu))).toEqual({ text: null, reason: kv.reason });
  });

  it('--format kubevirt prints the block, then the labels as comments', () => {
    const printed = kubevirtRenderer.print(kubevirtRenderer.render({ model: 'EPYC-Rome-v1', requiredFeatures: ['aes'], disabledFeatures: [] }));
    expect(printed.text).toBe(
      ['cpu:', '  model: EPYC-Rome', '  features:', '    - name: aes', '      policy: require', '# The nodeSelector of the VMI pod: a node must carry each of these labels.', '#   cpu-model.node.kubevirt.io/EPYC-Rome=true', '#   cpu-feature.node.kubevirt.io/aes=true'].join('\n'),
    );
    expect(expectValid(printed.text!)).toEqual({ cpu: { model: 'EPYC-Rome', features: [{ name: 'aes', policy: 'require' }] } });
  });
});

/**
 * KubeVirt for an Arm64 VMI, restated from kubevirt/kubevirt:
 * pkg/virt-api/webhooks/arm64.go (validateCPUModel: host-passthrough is the
 * only model), pkg/defaults/arm64.go (the default model host-passthrough),
 * pkg/virt-handler/node-labeller (no cpu-feature labels on Arm64 nodes:
 * archLabellerARM64 keeps hasHostSupportedFeatures false), and
 * pkg/virt-controller/services/nodeselectorrenderer.go (a label per feature
 * with policy require or empty).
 */

function expectValidArm64(yaml: string): VmiCpu {
  const spec = parse(yaml) as VmiCpu;
  // validateCPUModel: "currently, host-passthrough is the only model supported on Arm64".
  expect(spec.cpu.model).toBe('host-passthrough');
  for (const f of spec.cpu.features ?? []) {
    expect(POLICIES).toContain(f.policy);
    expect(LIBVIRT_ARM_FEATURES.has(f.name)).toBe(true);
  }
  // The node-labeller gives Arm64 nodes no cpu-feature label, and host-passthrough has no model label: the pod may require none.
  expect(labelsKubevirtRequires(spec)).toEqual([]);
  return spec;
}

describe('KubeVirt rendering for Arm64', () => {
  it('host is host-passthrough; required features have policy force, so the pod needs no label an Arm64 node lacks', () => {
    const kv = renderKubevirtCpu({ model: 'host', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'], arch: 'aarch64' });
    expect(expectValidArm64(kv.yaml!)).toEqual({
      cpu: { model: 'host-passthrough', features: [{ name: 'sve', policy: 'force' }, { name: 'sve128', policy: 'force' }, { name: 'sve256', policy: 'disable' }] },
    });
    expect(kv.nodeLabels).toEqual([]);
    expect(kv.reason).toContain('policy force');
  });

  it('only disabled features: policy disable, and nothing to say', () => {
    const kv = renderKubevirtCpu({ model: 'host', requiredFeatures: [], disabledFeatures: ['sve'], arch: 'aarch64' });
    expect(expectValidArm64(kv.yaml!)).toEqual({ cpu: { model: 'host-passthrough', features: [{ name: 'sve', policy: 'disable' }] } });
    expect(kv.reason).toBeNull();
  });

  it.each([
    [{ model: 'max', requiredFeatures: [], disabledFeatures: [] }, 'arm64.go'],
    [{ model: 'neoverse-n1', requiredFeatures: [], disabledFeatures: [] }, 'neoverse-n1'],
    [{ model: 'host', requiredFeatures: ['pauth'], disabledFeatures: [] }, 'pauth'],
    [{ model: 'host', requiredFeatures: [], disabledFeatures: ['pmu'] }, 'pmu'],
  ])('what KubeVirt on Arm64 cannot express is null with the reason naming it: %j', (cpu, name) => {
    const kv = renderKubevirtCpu({ ...cpu, arch: 'aarch64' });
    expect(kv).toEqual({ yaml: null, nodeLabels: null, reason: expect.stringContaining(name) });
  });

  it('the same CPU on x86_64 keeps policy require and its labels', () => {
    expect(renderKubevirtCpu({ model: 'host', requiredFeatures: ['avx2'], disabledFeatures: [] }).nodeLabels).toEqual(['cpu-feature.node.kubevirt.io/avx2=true']);
  });
});

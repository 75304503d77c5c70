/**
 * The CPU for OpenStack Nova: the [libvirt] section of nova.conf on every
 * compute node.
 *
 * The rules are Nova's (openstack/nova nova/conf/libvirt.py and
 * doc/source/admin/cpu-models.rst, read for this module; none of its code is
 * here): cpu_mode is host-model, host-passthrough, custom or none;
 * cpu_models is an ordered list of libvirt CPU map model names (the first
 * one that provides an instance's required traits is used, so one model
 * pins the CPU); cpu_model_extra_flags is a case-insensitive list of
 * feature names, each turned on, or off with a leading '-' (a leading '+'
 * also turns it on). Nova writes them into libvirt's <cpu> element, so
 * models and features follow libvirt's naming rules (libvirtCpu.ts), and a
 * nova-compute whose host CPU cannot run the model or a flag refuses to
 * start.
 *
 * On AArch64 (nova/virt/libvirt/driver.py, _get_guest_cpu_model_config):
 * cpu_mode defaults to host-passthrough ("AArch64 does not support other
 * modes" for the host CPU: libvirt has no host-model there), custom takes
 * any model name as written (_get_cpu_model_mapping validates names on x86
 * and POWER only; with no cpu_models Nova uses max), and the extra flags
 * apply in every mode. pmu is no <cpu> feature: Nova sets the domain's
 * <pmu> from the flavor extra spec hw:pmu or the image property hw_pmu,
 * never from nova.conf.
 */
import { z } from 'zod';
import { libvirtNamed } from './libvirtNames';
import { defineRenderer, type CpuToRender } from './renderer';

export interface NovaConf {
  /** The [libvirt] section. */
  conf: string | null;
  reason: string | null;
}

/** The CPU as nova.conf's [libvirt] options ask for it. */
export function renderNovaConf(cpu: CpuToRender): NovaConf {
  const named = libvirtNamed(cpu, "nova.conf's [libvirt] options");
  const pmu = cpu.arch === 'aarch64' && [...cpu.requiredFeatures, ...cpu.disabledFeatures].includes('pmu');
  const hint = pmu ? ` Nova sets pmu per flavor or image instead (hw:pmu, hw_pmu: nova/virt/libvirt/driver.py).` : '';
  if (named.gaps.length > 0 || named.model === null) return { conf: null, reason: `Nova cannot express this CPU: ${named.gaps.join('; ')}.${hint}` };
  const lines = ['[libvirt]', ...(named.model === 'host' ? ['cpu_mode = host-passthrough'] : ['cpu_mode = custom', `cpu_models = ${named.model}`])];
  if (named.features.length) lines.push(`cpu_model_extra_flags = ${named.features.map((f) => (f.policy === 'disable' ? `-${f.name}` : f.name)).join(', ')}`);
  return { conf: lines.join('\n'), reason: named.left.length ? `Left out of nova.conf: ${named.left.join('; ')}.` : null };
}

export const novaRenderer = defineRenderer({
  format: 'nova',
  label: 'Nova',
  fields: {
    novaLibvirtConf: z
      .string()
      .nullable()
      .describe(
        "The [libvirt] section of nova.conf for every compute node: cpu_mode = custom, cpu_models (libvirt's name of the model) and cpu_model_extra_flags (features, '-' for disabled); cpu_mode = host-passthrough for host. Null when Nova cannot express the CPU: see novaLibvirtConfReason.",
      ),
    novaLibvirtConfReason: z.string().nullable().describe('Why novaLibvirtConf is null, or which features it leaves out and why the guest is the same; null when it says everything asked.'),
  },
  render: (cpu) => {
    const nova = renderNovaConf(cpu);
    return { novaLibvirtConf: nova.conf, novaLibvirtConfReason: nova.reason };
  },
  print: (values) => ({ text: values.novaLibvirtConf, reason: values.novaLibvirtConfReason }),
});

/** libvirt's domain XML for the CPU (the rules are libvirtCpu.ts for x86_64, libvirtCpuArm.ts for aarch64). */
import { z } from 'zod';
import { renderLibvirtCpu } from '../libvirtCpu';
import { renderLibvirtArmCpu } from '../libvirtCpuArm';
import { defineRenderer } from './renderer';

export const libvirtRenderer = defineRenderer({
  format: 'libvirt',
  label: 'libvirt',
  fields: {
    libvirtCpuXml: z
      .string()
      .nullable()
      .describe(
        "libvirt's <cpu> element for the same CPU, in the names libvirt 9.0's CPU map knows (no -vN names); followed by <features> and <clock> elements when KVM paravirtual features (x86_64) or pmu (aarch64) are set. On aarch64, host is mode host-passthrough, max is mode maximum, and only sve and its vector lengths are <cpu> features. Null when libvirt cannot express the CPU: see libvirtCpuXmlReason.",
      ),
    libvirtCpuXmlReason: z
      .string()
      .nullable()
      .describe('Why libvirtCpuXml is null (each model or feature libvirt cannot express), or which features it leaves out and what the guest gets instead; null when the XML says everything asked.'),
  },
  render: (cpu) => {
    const libvirt = cpu.arch === 'aarch64' ? renderLibvirtArmCpu(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures) : renderLibvirtCpu(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures);
    return { libvirtCpuXml: libvirt.xml, libvirtCpuXmlReason: libvirt.reason };
  },
  print: (values) => ({ text: values.libvirtCpuXml, reason: values.libvirtCpuXmlReason }),
});

/** libvirt's domain XML for the CPU (the rules are libvirtCpu.ts). */
import { z } from 'zod';
import { renderLibvirtCpu } from '../libvirtCpu';
import { defineRenderer } from './renderer';

export const libvirtRenderer = defineRenderer({
  format: 'libvirt',
  label: 'libvirt',
  fields: {
    libvirtCpuXml: z
      .string()
      .nullable()
      .describe(
        "libvirt's <cpu> element for the same CPU, in the names libvirt 9.0's CPU map knows (no -vN names); followed by <features> and <clock> elements when KVM paravirtual features are set. Null when libvirt cannot express the CPU: see libvirtCpuXmlReason.",
      ),
    libvirtCpuXmlReason: z
      .string()
      .nullable()
      .describe('Why libvirtCpuXml is null (each model or feature libvirt cannot express), or which KVM paravirtual features it leaves out and what the guest gets instead; null when the XML says everything asked.'),
  },
  render: (cpu) => {
    const libvirt = renderLibvirtCpu(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures);
    return { libvirtCpuXml: libvirt.xml, libvirtCpuXmlReason: libvirt.reason };
  },
  print: (values) => ({ text: values.libvirtCpuXml, reason: values.libvirtCpuXmlReason }),
});

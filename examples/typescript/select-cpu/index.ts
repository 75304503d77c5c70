/**
 * Selects one guest CPU for two KVM hosts and exports how to start VMs with
 * it. `pulumi preview` fails if either host cannot enforce it.
 */
import * as pulumi from '@pulumi/pulumi';
// In your own project: from 'qemu-cpu'.
import { CpuModelSelection, getHostCpuCapabilitiesOutput, type HostConnectionArgs } from '../../../sdk';

const config = new pulumi.Config();
// The hosts' SSH connections without secrets, e.g. [{"name":"kvm-a","host":"10.0.0.11","user":"admin"}, ...].
const hosts = config.requireObject<HostConnectionArgs[]>('hosts').map((h) => ({ ...h, privateKey: config.requireSecret('sshPrivateKey') }));

const cpu = new CpuModelSelection('vm-cpu', {
  hosts,
  model: config.get('model') ?? 'qemu64',
  requiredFeatures: config.getObject<string[]>('requiredFeatures') ?? [],
  disabledFeatures: config.getObject<string[]>('disabledFeatures') ?? [],
  machineType: config.get('machineType') ?? 'q35',
});

// What the first host could give instead, should the selection fail: its usable versioned models.
const firstHost = getHostCpuCapabilitiesOutput({ connection: hosts[0] });

export const qemuCpuArg = cpu.qemuCpuArg;
export const libvirtCpuXml = cpu.libvirtCpuXml;
export const concreteModels = cpu.concreteModels;
export const usableModels = firstHost.models.apply((models) => models.filter((m) => m.usable && m.aliasOf === null).map((m) => m.name));

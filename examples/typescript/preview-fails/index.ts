/**
 * Fails its preview on purpose. QEMU's query-cpu-definitions calls pentium3
 * usable on the hosts this project is built on (nested KVM on AMD EPYC), but
 * their KVM does not pass avx2 through, so pentium3 with avx2 added cannot
 * be enforced: Check names each host and the missing feature, and nothing
 * is deployed.
 */
import * as pulumi from '@pulumi/pulumi';
// In your own project: from 'qemu-cpu'.
import { CpuModelSelection, type HostConnectionArgs } from '../../../sdk';

const config = new pulumi.Config();
const hosts = config.requireObject<HostConnectionArgs[]>('hosts').map((h) => ({ ...h, privateKey: config.requireSecret('sshPrivateKey') }));

const cpu = new CpuModelSelection('vm-cpu', {
  hosts,
  model: 'pentium3',
  requiredFeatures: ['avx2'],
  machineType: 'pc-q35-7.2',
});

export const qemuCpuArg = cpu.qemuCpuArg;

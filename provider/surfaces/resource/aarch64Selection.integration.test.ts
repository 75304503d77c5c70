/**
 * CpuModelSelection for arm64 hosts, through the resource semantics, with
 * real qemu-system-aarch64 under TCG as the hosts' qemuBinary over the
 * loopback sshd: a CPU with chosen SVE lengths is created with arm's -cpu
 * and libvirt XML; model 'auto' pins the host-model baseline; a fleet of x86
 * and arm hosts is a check failure naming both architectures.
 */
import { loopbackSshd } from '../../../harness/loopbackSshd';
import { checkSelection } from './check';
import { createSelection } from './lifecycle';

const AARCH64 = '/usr/bin/qemu-system-aarch64';

describe('CpuModelSelection for aarch64 hosts (TCG)', () => {
  const loop = loopbackSshd();
  const { pool } = loop;
  const ctx = () => ({ pool });
  const arm = (name: string) => ({ ...loop.sshd.connection({ name }), qemuBinary: AARCH64 });

  it("create: max with 128- and 256-bit SVE is enforceable; the outputs are arm's -cpu and libvirt's maximum mode", async () => {
    const created = await createSelection({ hosts: [arm('arm-a')], model: 'max', requiredFeatures: ['sve', 'sve128', 'sve256'], disabledFeatures: ['sve512'], accelerator: 'tcg' }, ctx());
    expect(created.outs).toEqual(expect.objectContaining({ enforceable: true, resolvedModel: 'max', qemuCpuArg: 'max,sve=on,sve128=on,sve256=on,sve512=off', x86Level: null }));
    expect(created.outs.libvirtCpuXml).toContain("<cpu mode='maximum'");
    expect(created.outs.reports).toEqual([expect.objectContaining({ outcome: 'can', arch: 'aarch64', source: 'vm-start' })]);
  });

  it("model 'auto' pins the host model with the properties every host gives", async () => {
    const created = await createSelection({ hosts: [arm('arm-a'), arm('arm-b')], model: 'auto', accelerator: 'tcg' }, ctx());
    expect(created.outs).toEqual(expect.objectContaining({ enforceable: true, resolvedModel: 'max', pinnedSelection: expect.objectContaining({ model: 'max', machineType: 'virt', accelerator: 'tcg' }) }));
    expect(String(created.outs.qemuCpuArg)).toMatch(/^max,sve=on,sve128=on,/);
  });

  // On '' rather than hosts: hosts carries secrets, and Pulumi would print the input beside a failure on it.
  it('a fleet of x86 and arm hosts fails its check, naming both architectures', async () => {
    const { failures } = await checkSelection({ hosts: [loop.sshd.connection({ name: 'x86-a' }), arm('arm-a')], model: 'max', accelerator: 'tcg' }, ctx());
    expect(failures).toContainEqual({ property: '', reason: expect.stringMatching(/x86_64 \(x86-a\) and aarch64 \(arm-a\): no guest CPU runs on both/) });
  });
});

/**
 * CpuModelSelection's fleet demands through the resource semantics, with
 * real hosts: this machine's QEMU 7.2 and QEMU 10.0 over the loopback sshd.
 * minimumLevel and requireMigratable are inputs like any other: a shortfall
 * is a check failure on that input, and create refuses it; without
 * requireMigratable a fleet a guest could not move across passes with a
 * warning.
 */
import { realAccel } from '../../../harness/accel';
import { itWithSecondQemu } from '../../../test/support/secondQemu';
import { loopbackSshd } from '../../../harness/loopbackSshd';
import { checkSelection } from './check';
import { createSelection } from './lifecycle';

describe('CpuModelSelection: minimumLevel and requireMigratable', () => {
  const loop = loopbackSshd();
  const { pool } = loop;
  const ctx = () => ({ pool });
  // A 64-bit CPU every QEMU here can give, under KVM or TCG.
  const cpu = { model: 'kvm64-v1', disabledFeatures: ['pni'], accelerator: realAccel };

  it('minimumLevel x86-64-v2: a check failure on minimumLevel naming pni, and create refuses', async () => {
    const news = { hosts: [loop.sshd.connection({ name: 'kvm-a' })], ...cpu, minimumLevel: 'x86-64-v2' };
    const { failures } = await checkSelection(news, ctx());
    expect(failures).toEqual([{ property: 'minimumLevel', reason: 'the CPU reaches x86-64-v1, below the minimum x86-64-v2: it lacks lahf-lm, pni, popcnt, sse4.1, sse4.2, ssse3' }]);
    await expect(createSelection(news, ctx())).rejects.toThrow(/below the minimum x86-64-v2: it lacks .*pni/);
    const created = await createSelection({ ...news, minimumLevel: 'x86-64-v1' }, ctx());
    expect(created.outs).toEqual(expect.objectContaining({ enforceable: true, minimumLevel: 'x86-64-v1', x86Level: expect.objectContaining({ level: 'x86-64-v1', nextLevel: 'x86-64-v2' }) }));
  });

  itWithSecondQemu('q35 on QEMU 7.2 and 10.0: a warning without requireMigratable, a failure on requireMigratable with it', async (qemu10) => {
    const hosts = [loop.sshd.connection({ name: 'qemu-7.2' }), { ...loop.sshd.connection({ name: 'qemu-10.0' }), qemuBinary: qemu10 }];
    const warned = await checkSelection({ hosts, ...cpu, machineType: 'q35' }, ctx());
    expect(warned.failures).toEqual([]);
    expect(warned.messages).toContainEqual({
      severity: 'warning',
      message: expect.stringMatching(/^CpuModelSelection: a guest could not live-migrate between qemu-7\.2, qemu-10\.0: the machine type resolves differently: pc-q35-7\.2 on qemu-7\.2; pc-q35-10\.0 on qemu-10\.0; .*\(requireMigratable: true makes this a failure\)$/),
    });
    const refused = await checkSelection({ hosts, ...cpu, machineType: 'q35', requireMigratable: true }, ctx());
    expect(refused.failures).toEqual([{ property: 'requireMigratable', reason: expect.stringMatching(/^a guest could not live-migrate between the hosts: the machine type resolves differently: /) }]);
    expect(refused.messages).toEqual([]);
    const pinned = await createSelection({ hosts, ...cpu, machineType: 'pc-q35-7.2', requireMigratable: true }, ctx());
    expect(pinned.outs).toEqual(expect.objectContaining({ enforceable: true, migration: { migratable: true, warnings: [] } }));
  });
});

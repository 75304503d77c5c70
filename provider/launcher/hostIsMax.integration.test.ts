/**
 * The premise of the x86_64 profile's startCheckedAs, on the real QEMUs of
 * this machine: under KVM, QEMU's host is max (host's type is max's subtype
 * and adds nothing a vCPU gets), so a probe answers max's start check with
 * host's paused VM. Their full expansions, every QOM property and value,
 * are compared under -machine none and under an older machine type (whose
 * compat properties apply to both alike). A QEMU where they differ fails
 * here, and the profile must then give max a VM of its own.
 */
import { archProfile, CpuModelExpansionReplySchema } from '../model';
import { LocalTransport } from '../transport';
import { itWithKvm } from '../../harness/accel';
import { secondQemu } from '../../test/support/secondQemu';
import { SYSTEM_QEMU } from '../../test/support/vcpuRejectingQemu';
import { QemuSession } from './qemuSession';

describe("under KVM, QEMU's x86 host is max: one paused VM answers both start checks", () => {
  it('the x86_64 profile starts one VM for host and max under KVM, and max its own under TCG', () => {
    const profile = archProfile('x86_64');
    expect(profile.startCheckedAs.kvm).toEqual({ max: 'host' });
    expect(profile.startChecked.tcg).toEqual(['max']);
    expect(profile.startCheckedAs.tcg).toEqual({});
  });

  for (const [version, qemuBinary] of [['7.2', SYSTEM_QEMU], ['10.0', secondQemu]] as const) {
    for (const machineType of ['none', 'pc-q35-4.2']) {
      const name = `QEMU ${version}, -machine ${machineType}: the full expansions of host and max are equal, property for property`;
      if (!qemuBinary) it.skip(`${name} (skipped: QEMU 10.0 could not be unpacked here)`, () => undefined);
      else
        itWithKvm(name, async () => {
          const session = await QemuSession.start(new LocalTransport(), { accelerator: 'kvm', machineType, qemuBinary });
          try {
            const expand = (model: string) => session.qmp.execute('query-cpu-model-expansion', { type: 'full', model: { name: model } }, CpuModelExpansionReplySchema);
            const [host, max] = await Promise.all([expand('host'), expand('max')]);
            // A full expansion of either lists hundreds of properties (432 on 7.2 here, 501 on 10.0).
            expect(Object.keys(host.model.props ?? {}).length).toBeGreaterThan(300);
            expect(max.model.props).toEqual(host.model.props);
          } finally {
            await session.shutdown();
          }
        });
    }
  }
});

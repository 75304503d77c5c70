/**
 * A second real host: QEMU 10.0 from bookworm-backports (unpacked beside the
 * system's 7.2 by scripts/ensure-qemu10.sh) as a host's qemuBinary over the
 * real loopback sshd, probed in one fleet with the system's 7.2. The two
 * disagree for real: models only 10.0 knows.
 */
import { probeHosts } from './probeHost';
import { startSshd, type Sshd } from '../../harness/sshd';
import { realAccel } from '../../harness/accel';
import { itWithSecondQemu } from '../../test/support/secondQemu';
import type { HostCapabilities } from '../model';

describe('a mixed-version fleet: QEMU 7.2 and QEMU 10.0 over SSH', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  itWithSecondQemu(`both hosts answer with their own QEMU's models under ${realAccel}`, async (qemu10) => {
    const settled = await probeHosts([
      { connection: sshd.connection({ name: 'old' }), accelerator: realAccel },
      { connection: sshd.connection({ name: 'new' }), accelerator: realAccel, qemuBinary: qemu10 },
    ]);
    const [old, fresh] = settled.map((s) => {
      if (s.status !== 'fulfilled') throw s.reason;
      return s.value;
    }) as [HostCapabilities, HostCapabilities];
    expect(old.qemu.version).toMatch(/^7\.2\./);
    expect(fresh.qemu.version).toBe('10.0.2');
    expect(fresh.qemu.binary).toBe(qemu10);
    const names = (caps: HostCapabilities) => new Set(caps.models.map((m) => m.name));
    // EPYC-Genoa and SapphireRapids arrived after 7.2.
    for (const model of ['EPYC-Genoa', 'SapphireRapids']) {
      expect(names(old).has(model)).toBe(false);
      expect(names(fresh).has(model)).toBe(true);
    }
    // Both still report aliases as their -vN definitions.
    const aliasOf = (caps: HostCapabilities, name: string) => caps.models.find((m) => m.name === name)?.aliasOf;
    expect(aliasOf(old, 'EPYC')).toMatch(/^EPYC-v\d+$/);
    expect(aliasOf(fresh, 'EPYC')).toMatch(/^EPYC-v\d+$/);
  });
});

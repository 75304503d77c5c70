/**
 * The foundation's promise, against real QEMU 7.2 on this machine and a real
 * loopback sshd: for every model, qemu-cpu reports exactly the usable flag and
 * blockers that QEMU's own query-cpu-definitions gives, and a host model equal
 * to QEMU's expansion — under KVM and under TCG, locally and over SSH.
 */
import * as fs from 'node:fs';
import { probeHost } from './probeHost';
import { rawQmp } from '../../harness/rawQmp';
import { startSshd, type Sshd } from '../../harness/sshd';
import { countingPool } from '../../harness/countingTransport';
import type { HostCapabilities } from '../model';
import { itWithKvm, realAccel } from '../../harness/accel';

/** KVM where this machine has it (skipped, and saying so, where not); TCG everywhere. */
const eachAccel = (name: string, fn: (accel: 'kvm' | 'tcg') => Promise<void>): void => {
  itWithKvm(name.replace('%s', 'kvm'), () => fn('kvm'));
  it(name.replace('%s', 'tcg'), () => fn('tcg'));
};

type RawDefinition = { name: string; 'unavailable-features': string[]; 'alias-of'?: string };
type RawExpansion = { model: { props: Record<string, unknown> } };

async function qemuSays(accel: 'kvm' | 'tcg'): Promise<{ defs: RawDefinition[]; features: string[] }> {
  const [defs, expansion] = (await rawQmp(['-machine', 'none', '-accel', accel], [
    { execute: 'query-cpu-definitions' },
    { execute: 'query-cpu-model-expansion', arguments: { type: 'static', model: { name: accel === 'kvm' ? 'host' : 'max' } } },
  ])) as [RawDefinition[], RawExpansion];
  const features = Object.entries(expansion.model.props)
    .filter(([, v]) => v === true)
    .map(([k]) => k)
    .sort();
  return { defs, features };
}

function expectSameAsQemu(caps: HostCapabilities, truth: { defs: RawDefinition[]; features: string[] }): void {
  expect(caps.models.map((m) => m.name)).toEqual(truth.defs.map((d) => d.name));
  for (const def of truth.defs) {
    const model = caps.models.find((m) => m.name === def.name)!;
    expect({ name: model.name, usable: model.usable, blockers: [...model.blockers].sort(), aliasOf: model.aliasOf }).toEqual({
      name: def.name,
      usable: def['unavailable-features'].length === 0,
      blockers: [...new Set(def['unavailable-features'])].sort(),
      aliasOf: def['alias-of'] ?? null,
    });
  }
  expect(caps.hostModel.features).toEqual(truth.features);
}

const cpuinfoFlags = (/^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(/\s+/);

describe('probeHost on this machine (local transport)', () => {
  eachAccel('matches QEMU itself under %s', async (accel) => {
    const [caps, truth] = await Promise.all([probeHost({ accelerator: accel }), qemuSays(accel)]);
    expect(caps.accelerator).toBe(accel);
    expect(caps.qemu.version).toMatch(/^7\.2\./);
    expectSameAsQemu(caps, truth);
  });

  itWithKvm('reports the nested-KVM gap: features /proc/cpuinfo shows but no guest can get', async () => {
    const [caps, truth] = await Promise.all([probeHost({ accelerator: 'kvm' }), qemuSays('kvm')]);
    // The gap on these machines: the CPU reports sse3 (pni), aes and avx2, KVM gives a guest none of them.
    for (const [flag, feature] of [['pni', 'pni'], ['aes', 'aes'], ['avx2', 'avx2']]) {
      if (cpuinfoFlags.includes(flag) && !truth.features.includes(feature)) {
        expect(caps.notExposable).toContain(feature);
      }
    }
    for (const f of caps.notExposable) expect(truth.features).not.toContain(f);
    expect(caps.hostCpu?.flags).toEqual(cpuinfoFlags.filter(Boolean));
  });
});

describe('probeHost over SSH (real loopback sshd)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  eachAccel('matches QEMU itself under %s', async (accel) => {
    const [caps, truth] = await Promise.all([probeHost({ connection: sshd.connection(), accelerator: accel }), qemuSays(accel)]);
    expect(caps.host).toBe(`127.0.0.1:${sshd.port}`);
    expect(caps.accelerator).toBe(accel);
    expectSameAsQemu(caps, truth);
  });

  itWithKvm("a start-checked probe under KVM starts two QEMUs, its own and host's paused VM, which answers max too (max is host)", async () => {
    const { pool, counter } = countingPool();
    try {
      const caps = await probeHost({ connection: sshd.connection(), accelerator: 'kvm' }, { pool, cache: 'off', vcpuStartCheck: true });
      expect(counter.qemuStarts).toBe(2);
      const host = caps.models.find((m) => m.name === 'host')?.vcpuStart;
      const max = caps.models.find((m) => m.name === 'max')?.vcpuStart;
      expect(host).toMatchObject({ machineType: 'q35', cpu: 'host', starts: expect.any(Boolean) });
      expect(max).toEqual({ ...host, cpu: 'host' });
    } finally {
      await pool.closeAll();
    }
  });

  it('a start-checked probe under TCG starts max a VM of its own', async () => {
    const { pool, counter } = countingPool();
    try {
      const caps = await probeHost({ connection: sshd.connection(), accelerator: 'tcg' }, { pool, cache: 'off', vcpuStartCheck: true });
      expect(counter.qemuStarts).toBe(2);
      expect(caps.models.find((m) => m.name === 'max')?.vcpuStart).toMatchObject({ machineType: 'q35', cpu: 'max', starts: true });
      expect(caps.models.find((m) => m.name === 'host')?.vcpuStart).toBeUndefined();
    } finally {
      await pool.closeAll();
    }
  });

  it('probes with a given machine type', async () => {
    const caps = await probeHost({ connection: sshd.connection(), machineType: 'pc-i440fx-2.0', accelerator: realAccel });
    expect(caps.machineType).toBe('pc-i440fx-2.0');
    // Legacy machine types resolve aliases to legacy CPU definitions: QEMU reports no alias-of.
    expect(caps.models.find((m) => m.name === 'Skylake-Client')?.aliasOf).toBeNull();
  });
});

/**
 * The ground truth for an exact CPU, against real QEMU over a real loopback
 * sshd: a paused VM per host with the exact machine type and -cpu.
 */
import { verifySelection } from './verifySelection';
import { SelectionInputsSchema, type SelectionInputsInput } from './selectionInputs';
import { TransportPool } from './transportPool';
import { startSshd, type Sshd } from '../../test/support/sshd';
import { replayQemuBinary } from '../../test/support/replayHost';
import { countingPool } from '../../test/support/countingTransport';
import { ConfigError } from '../errors';

describe('verifySelection', () => {
  let sshd: Sshd;
  const pool = new TransportPool();
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await pool.closeAll();
    await sshd?.stop();
  });
  const verify = (input: Omit<SelectionInputsInput, 'hosts'> & { hosts?: SelectionInputsInput['hosts'] }) =>
    verifySelection(SelectionInputsSchema.parse({ hosts: [sshd.connection({ name: 'kvm-a' })], ...input }) as never, { pool });

  it.each(['kvm', 'tcg'] as const)('a satisfiable CPU is enforceable under %s', async (accelerator) => {
    const report = await verify({ model: 'pentium3', machineType: 'pc-q35-7.2', accelerator });
    expect(report.ok).toBe(true);
    expect(report.hosts[0]).toEqual(expect.objectContaining({ name: 'kvm-a', enforceable: true, resolvedModel: 'pentium3-v1', machineType: 'pc-q35-7.2', missingFeatures: [], accelerator }));
    expect(report.qemuCpuArg).toBe('pentium3-v1,enforce');
    expect(report.hosts[0].effectiveFeatures).toContain('sse');
  });

  it('catches a model query-cpu-definitions calls usable that an added feature makes unenforceable', async () => {
    const report = await verify({ model: 'pentium3', requiredFeatures: ['avx2', 'sse4_1'], disabledFeatures: ['sse2'], machineType: 'q35' });
    expect(report.ok).toBe(false);
    expect(report.hosts[0].missingFeatures.sort()).toEqual(['avx2', 'sse4.1']);
    expect(report.hosts[0].machineType).toMatch(/^pc-q35-\d+\.\d+$/);
    expect(report.qemuCpuArg).toBe('pentium3-v1,+avx2,+sse4.1,-sse2,enforce');
    expect(report.libvirtCpuXml).toContain(`<feature policy='require' name='sse4.1'/>`);
    expect(report.libvirtCpuXml).toContain(`<feature policy='disable' name='sse2'/>`);
  });

  it('the machine type matters: alias resolution and compat properties differ on one QEMU', async () => {
    const [legacy, modern] = await Promise.all([
      verify({ model: 'qemu64', machineType: 'pc-i440fx-2.0', accelerator: 'tcg' }),
      verify({ model: 'qemu64', machineType: 'pc-q35-7.2', accelerator: 'tcg' }),
    ]);
    expect(modern.hosts[0].resolvedModel).toBe('qemu64-v1');
    expect(legacy.hosts[0].resolvedModel).toBe('qemu64');
    expect(modern.qemuCpuArg).toBe('qemu64-v1,enforce');
    expect(legacy.qemuCpuArg).toBe('qemu64,enforce');
    expect(legacy.hosts[0].effectiveFeatures).not.toEqual(modern.hosts[0].effectiveFeatures);
  });

  it('asks query-cpu-definitions only for a name that may be an alias', async () => {
    const { pool: counted, counter } = countingPool();
    try {
      const versioned = await verifySelection(SelectionInputsSchema.parse({ model: 'qemu64-v1', hosts: [sshd.connection({ name: 'kvm-a' })], machineType: 'pc-q35-7.2' }) as never, { pool: counted });
      expect(versioned.hosts[0]).toEqual(expect.objectContaining({ resolvedModel: 'qemu64-v1', enforceable: expect.any(Boolean) }));
      expect(counter.qmpCommands).toContain('qom-get');
      expect(counter.qmpCommands).not.toContain('query-cpu-definitions');
      const alias = await verifySelection(SelectionInputsSchema.parse({ model: 'qemu64', hosts: [sshd.connection({ name: 'kvm-a' })], machineType: 'pc-q35-7.2' }) as never, { pool: counted });
      expect(alias.hosts[0].resolvedModel).toBe('qemu64-v1');
      expect(counter.qmpCommands.filter((c) => c === 'query-cpu-definitions')).toHaveLength(1);
      // The same CPU either way: skipping the query changes nothing in the verdict.
      expect(alias.hosts[0].missingFeatures).toEqual(versioned.hosts[0].missingFeatures);
      expect(alias.hosts[0].effectiveFeatures).toEqual(versioned.hosts[0].effectiveFeatures);
    } finally {
      await counted.closeAll();
    }
  });

  it('falls back to enforce on a QEMU without the unavailable-features property (recorded QEMU 4.2)', async () => {
    const report = await verify({
      model: 'Skylake-Client',
      requiredFeatures: ['avx2'],
      machineType: 'pc-q35-4.2',
      hosts: [{ ...sshd.connection({ name: 'old' }), qemuBinary: replayQemuBinary('4.2.0.x86_64.qmp.json', 'kvm', 'old-qemu') }],
    });
    expect(report.hosts[0].source).toBe('enforce-stderr');
    expect(report.hosts[0].qemuVersion).toBe('4.2.0');
  });

  it('an unreachable host is undecided, and does not hide the others', async () => {
    const report = await verify({
      model: 'pentium3',
      hosts: [sshd.connection({ name: 'good' }), { host: '127.0.0.1', port: 1, name: 'dead', dialErrorLimit: 1 }],
    });
    expect(report.decided).toBe(false);
    expect(report.ok).toBe(false);
    expect(report.hosts[0]).toEqual(expect.objectContaining({ name: 'good', enforceable: true }));
    expect(report.hosts[1]).toEqual(expect.objectContaining({ name: 'dead', enforceable: null }));
    expect(report.hosts[1].error).toMatch(/dead: could not connect/);
  });

  it('rejects unknown feature names before asking any host', async () => {
    await expect(verify({ model: 'pentium3', requiredFeatures: ['avx9000', 'sse3'], disabledFeatures: ['sse3'] })).rejects.toThrow(ConfigError);
  });

  it('an unknown model is reported with the host and the reason', async () => {
    const report = await verify({ model: 'Pentium-Z' });
    expect(report.hosts[0].enforceable).toBeNull();
    expect(report.hosts[0].error).toMatch(/does not know CPU model Pentium-Z/);
  });
});

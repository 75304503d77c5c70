/**
 * The launcher's lifecycle against real QEMU, locally and over a real
 * loopback sshd: no QEMU outlives a probe, not even when the connection
 * drops in the middle, and nothing a user types is interpreted by a shell.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { QemuSession } from './qemuSession';
import { probeQemu } from './capabilityProbe';
import { VersionInfoSchema } from '../qmp';
import { LocalTransport, type Transport } from '../transport';
import { SshTransport } from '../transport/ssh';
import { startSshd, type Sshd } from '../../test/support/sshd';
import { startTcpRelay, processAlive } from '../../test/support/tcpRelay';
import { replayQemuBinary } from '../../test/support/replayHost';
import { scratchDir } from '../../test/support/paths';
import { KvmUnavailableError, QemuLaunchError } from '../errors';
import { itWithKvm, itWithoutKvm, realAccel } from '../../test/support/accel';

async function waitUntil(predicate: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

describe('QemuSession over SSH', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('a connection dropped mid-probe leaves no QEMU process on the host', async () => {
    const relay = await startTcpRelay(sshd.port);
    const transport = await SshTransport.connect(sshd.connection({ port: relay.port, knownHostsPath: undefined, hostKey: sshd.hostKeyLine }));
    try {
      const session = await QemuSession.start(transport, { accelerator: realAccel, machineType: 'none' });
      const pid = await session.pid;
      expect(pid).toEqual(expect.any(Number));
      expect(processAlive(pid!)).toBe(true);
      await session.qmp.execute('query-version', undefined, VersionInfoSchema);
      relay.dropAll(); // the network goes away; no quit, no TERM can reach QEMU now
      expect(await waitUntil(() => !processAlive(pid!), 5000)).toBe(true);
      await session.shutdown(); // must not hang on a dead connection
    } finally {
      await transport.close();
      await relay.close();
    }
  });

  it('quit ends QEMU; shutdown escalates to TERM/KILL when QEMU ignores quit', async () => {
    const transport = await SshTransport.connect(sshd.connection());
    try {
      const polite = await QemuSession.start(transport, { accelerator: 'tcg', machineType: 'none' });
      const politePid = (await polite.pid)!;
      await polite.shutdown();
      expect(processAlive(politePid)).toBe(false);

      const stubborn = await QemuSession.start(transport, {
        accelerator: 'tcg',
        machineType: 'none',
        qemuBinary: replayQemuBinary('7.2.0.x86_64.qmp.json', 'tcg', 'slow'),
        timeouts: { shutdown: 200 },
      });
      const stubbornPid = (await stubborn.pid)!;
      const t0 = Date.now();
      await stubborn.shutdown();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(processAlive(stubbornPid)).toBe(false);
    } finally {
      await transport.close();
    }
  });

  it('user-supplied strings reach QEMU as literal argv elements, never as shell syntax', async () => {
    const transport = await SshTransport.connect(sshd.connection());
    const sentinel = path.join(scratchDir, `pwned-${randomBytes(4).toString('hex')}`);
    const attacks = [`none;touch ${sentinel}`, `none$(touch ${sentinel})`, `none\`touch ${sentinel}\``, `none' ; touch '${sentinel}`, `none\ntouch ${sentinel}`, `none|touch ${sentinel}`];
    try {
      for (const machineType of attacks) {
        // Bypass the schema on purpose: the quoting must hold on its own.
        await expect(QemuSession.start(transport, { accelerator: 'tcg', machineType })).rejects.toBeInstanceOf(QemuLaunchError);
      }
      for (const cpu of attacks) {
        await expect(QemuSession.start(transport, { accelerator: 'tcg', machineType: 'none', cpu })).rejects.toBeInstanceOf(QemuLaunchError);
      }
      await expect(QemuSession.start(transport, { accelerator: 'tcg', machineType: 'none', qemuBinary: `/bin/true;touch ${sentinel}` })).rejects.toThrow(/no QEMU binary found/);
      expect(fs.existsSync(sentinel)).toBe(false);
    } finally {
      await transport.close();
    }
  });
});

describe('QemuSession locally', () => {
  const local: Transport = new LocalTransport();

  itWithKvm('runs the probe under KVM and never falls back to TCG', async () => {
    const record = await probeQemu(local, { accelerator: 'kvm', machineType: 'none' });
    expect(record.kvm).toEqual({ present: true, enabled: true });
  });

  itWithoutKvm('[kvm-missing] without /dev/kvm, a KVM probe fails with what to do, and never falls back to TCG', async () => {
    const err = await probeQemu(local, { accelerator: 'kvm', machineType: 'none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvmUnavailableError);
    expect((err as KvmUnavailableError).stage).toBe('launch');
    expect((err as Error).message).toMatch(/\/dev\/kvm does not exist/);
    // QEMU's own words, not only ours: it was QEMU that refused.
    expect((err as Error).message).toMatch(/QEMU: .*kvm/i);
    expect((err as Error).message).toMatch(/ask for accelerator 'tcg' explicitly/);
  });

  // Only meaningful where /dev/kvm is not open to everyone (Debian's default is group kvm, 0660).
  const kvmIsPrivate = fs.existsSync('/dev/kvm') && (fs.statSync('/dev/kvm').mode & 0o006) !== 0o006;
  (kvmIsPrivate ? it : it.skip)('says KVM is not accessible, and how to fix it, instead of emulating', async () => {
    // A non-root user without the kvm group: run the launch script as nobody.
    const err = await QemuSession.start(
      { label: 'as-nobody', remote: false, state: 'open', spawn: (argv) => local.spawn(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv]), close: async () => undefined },
      { accelerator: 'kvm', machineType: 'none' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvmUnavailableError);
    expect((err as Error).message).toMatch(/cannot read and write \/dev\/kvm/);
    expect((err as Error).message).toMatch(/usermod -aG/);
  });

  it('explains a missing binary', async () => {
    await expect(QemuSession.start(local, { accelerator: 'tcg', machineType: 'none', qemuBinary: '/nonexistent/qemu-system-x86_64' })).rejects.toThrow(
      /no QEMU binary found.*Install QEMU/,
    );
  });
});

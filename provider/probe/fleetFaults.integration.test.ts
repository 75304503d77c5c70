/**
 * Partial fleet failure and KVM access (docs/reliability.md): a fleet where
 * some hosts answer and others cannot be asked. The report keeps every
 * host's result, one bad host never hides the others, and a host that could
 * not be asked is undecided (enforceable null), never "not enforceable".
 * And a host whose SSH user cannot use /dev/kvm: the error says so and how
 * to fix it; TCG is used only when asked for.
 *
 * Test names carry the fault's id from docs/reliability.md in brackets.
 */
import * as fs from 'node:fs';
import { probeHost, verifySelection, SelectionInputsSchema, SelectionReportSchema, type SelectionInputsInput } from '.';
import { TransportPool } from './transportPool';
import { openTransport, type Connection, type Transport } from '../launcher';
import { KvmUnavailableError } from '../errors';
import { startSshd, type Sshd } from '../../test/support/sshd';
import { replayQemuBinary } from '../../test/support/replayHost';
import { recordOutput } from '../../test/support/secretSink';
import { generateKeyPair } from '../../test/support/sshdKeys';
import { kvmUsable } from '../../test/support/accel';

/** Commands run as nobody (uid 65534, no supplementary groups): an SSH user outside the kvm group. */
function asNobody(inner: Transport, label = inner.label): Transport {
  return {
    label,
    remote: inner.remote,
    get state() {
      return inner.state;
    },
    spawn: (argv) => inner.spawn(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv]),
    close: () => inner.close(),
  };
}

// Only meaningful where /dev/kvm is not open to everyone (Debian's default is group kvm, 0660).
const kvmIsPrivate = fs.existsSync('/dev/kvm') && (fs.statSync('/dev/kvm').mode & 0o006) !== 0o006;
const kvmSkipReason = kvmIsPrivate ? '' : ' (skipped: /dev/kvm is missing or open to every user here, so no user lacks access)';

let sshd: Sshd;
/** A pool whose connections named no-kvm-* run their commands as nobody. */
const pool = new TransportPool({ idleMs: 500 }, async (c: Connection) => {
  const transport = await openTransport(c);
  return c.name?.startsWith('no-kvm') ? asNobody(transport) : transport;
});

beforeAll(async () => {
  sshd = await startSshd({ maxSessions: 30 });
});

afterAll(async () => {
  await pool.closeAll();
  await sshd?.stop();
});

describe('partial fleet failure', () => {
  it('[fleet-partial] every host keeps its result; bad hosts are undecided with their reason and never hide the good ones', async () => {
    const stranger = await generateKeyPair();
    const host = (name: string, fixture?: string, fault?: Parameters<typeof replayQemuBinary>[2]) => ({
      ...sshd.connection({ name }),
      ...(fixture ? { qemuBinary: replayQemuBinary(fixture, 'kvm', fault ?? 'none') } : {}),
    });
    const hosts: SelectionInputsInput['hosts'] = [
      host('skylake-4-2', '4.2.0.x86_64.qmp.json'),
      { host: '127.0.0.1', port: 1, name: 'refused', dialErrorLimit: 2 },
      host('qemu-9-1', '9.1.0.x86_64.qmp.json'),
      { ...sshd.connection({ name: 'wrong-key' }), privateKey: stranger.privateKey },
      host('crashes', '9.1.0.x86_64.qmp.json', 'crash-at-start'),
      host('no-vcpu', '9.1.0.x86_64.qmp.json', 'no-vcpu'),
      host('exits', '9.1.0.x86_64.qmp.json', 'exit-mid-reply'),
      host('this-machine'),
      host('skylake-4-2-old', '4.2.0.x86_64.qmp.json', 'old-qemu'),
      ...(kvmIsPrivate ? [host('no-kvm')] : []),
    ];
    const inputs = SelectionInputsSchema.parse({ model: 'Skylake-Client', machineType: 'q35', hosts, concurrency: 16 });
    const report = await verifySelection(inputs, { pool });
    recordOutput('probe:fleet:partial', report);

    // Every host, in order, by name.
    expect(report.hosts.map((h) => h.name)).toEqual(hosts.map((h) => h.name));
    const byName = Object.fromEntries(report.hosts.map((h) => [h.name, h]));

    // The hosts that could be asked got their real verdicts.
    expect(byName['skylake-4-2']).toMatchObject({ enforceable: true, missingFeatures: [], qemuVersion: '4.2.0', resolvedModel: 'Skylake-Client-v3' });
    expect(byName['skylake-4-2-old']).toMatchObject({ enforceable: true, source: 'enforce-stderr' });
    expect(byName['qemu-9-1']).toMatchObject({ enforceable: false, source: 'qom-unavailable-features' });
    expect(byName['qemu-9-1'].missingFeatures.length).toBeGreaterThan(0);
    // This machine under KVM: a verdict where it has /dev/kvm, and where it has none, QEMU's refusal (never a TCG answer).
    if (kvmUsable) expect(typeof byName['this-machine'].enforceable).toBe('boolean');

    // The others are undecided, each with the host and the stage in its reason.
    const undecided: Record<string, RegExp> = {
      refused: /^refused: could not connect .* \(connect\): connection refused/,
      'wrong-key': /^wrong-key: the host refused user .* \(auth\)/,
      crashes: /^crashes: QEMU exited during start-up \(launch\)/,
      'no-vcpu': /^no-vcpu: QEMU reports no vCPU for the exact CPU check \(qmp-protocol\)/,
      exits: /^exits: QEMU closed the QMP stream while .* \(qmp-command\)/,
      ...(kvmUsable ? {} : { 'this-machine': /^this-machine: KVM is not available \(launch\): \/dev\/kvm does not exist.*accelerator 'tcg' explicitly/ }),
      ...(kvmIsPrivate ? { 'no-kvm': /^no-kvm: KVM is not accessible \(launch\): user nobody cannot read and write \/dev\/kvm.*usermod -aG kvm nobody/ } : {}),
    };
    for (const [name, reason] of Object.entries(undecided)) {
      expect({ name, enforceable: byName[name].enforceable, source: byName[name].source }).toEqual({ name, enforceable: null, source: null });
      expect(byName[name].error).toMatch(reason);
    }
    const decidedHosts = report.hosts.filter((h) => !(h.name in undecided));
    for (const h of decidedHosts) expect({ name: h.name, error: h.error }).toEqual({ name: h.name, error: undefined });

    // Undecided is not "not enforceable": the report says it could not decide, and keeps null through JSON.
    expect(report.ok).toBe(false);
    expect(report.decided).toBe(false);
    const roundTrip = SelectionReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(roundTrip.hosts.filter((h) => h.enforceable === null).map((h) => h.name).sort()).toEqual(Object.keys(undecided).sort());
    expect(roundTrip.hosts.filter((h) => h.enforceable === false).map((h) => h.name)).not.toEqual(expect.arrayContaining(Object.keys(undecided)));
  });

  it('[fleet-partial] a fleet whose only problem is an unreachable host is undecided, not "ok" and not "not enforceable"', async () => {
    const report = await verifySelection(
      SelectionInputsSchema.parse({
        model: 'Skylake-Client',
        machineType: 'q35',
        hosts: [{ ...sshd.connection({ name: 'fine' }), qemuBinary: replayQemuBinary('4.2.0.x86_64.qmp.json') }, { host: '127.0.0.1', port: 1, name: 'gone', dialErrorLimit: 1 }],
      }),
      { pool },
    );
    recordOutput('probe:fleet:unreachable', report);
    expect(report).toMatchObject({ ok: false, decided: false });
    expect(report.hosts.map((h) => [h.name, h.enforceable])).toEqual([['fine', true], ['gone', null]]);
    // Only hosts that answered shape the CPU the report recommends.
    expect(report.effectiveFeatures).toEqual(report.hosts[0].effectiveFeatures);
  });
});

describe('KVM not accessible to the SSH user' + kvmSkipReason, () => {
  const maybe = kvmIsPrivate ? it : it.skip;

  maybe('[kvm-not-accessible] the probe fails, says the user cannot use /dev/kvm and how to fix it (the kvm group)', async () => {
    const errors = await Promise.all(
      ['local', 'ssh'].map(async (via) => {
        const inner = via === 'ssh' ? await openTransport(sshd.connection({ name: 'no-kvm-ssh' })) : await openTransport(undefined);
        try {
          return await probeHost({ accelerator: 'kvm' }, { transport: asNobody(inner, `no-kvm-${via}`) }).then(
            () => new Error('the probe succeeded without KVM access'),
            (e: unknown) => e,
          );
        } finally {
          await inner.close();
        }
      }),
    );
    for (const [i, err] of errors.entries()) {
      recordOutput('probe:kvm-not-accessible', err);
      expect(err).toBeInstanceOf(KvmUnavailableError);
      expect(err).toMatchObject({ stage: 'launch', host: i === 0 ? 'no-kvm-local' : 'no-kvm-ssh' });
      expect((err as Error).message).toMatch(/KVM is not accessible \(launch\): user nobody cannot read and write \/dev\/kvm/);
      expect((err as Error).message).toMatch(/kvm group.*usermod -aG kvm nobody.*reconnect/);
      expect((err as Error).message).toMatch(/accelerator 'tcg' explicitly/);
    }
  });

  maybe('[kvm-not-accessible] TCG is used only when asked for: the same user gets a TCG answer with accelerator tcg', async () => {
    const inner = await openTransport(sshd.connection({ name: 'no-kvm-tcg' }));
    try {
      const caps = await probeHost({ accelerator: 'tcg' }, { transport: asNobody(inner) });
      recordOutput('probe:kvm-not-accessible:tcg', caps);
      expect(caps).toMatchObject({ accelerator: 'tcg', host: 'no-kvm-tcg' });
      expect(caps.models.length).toBeGreaterThan(0);
    } finally {
      await inner.close();
    }
  });
});

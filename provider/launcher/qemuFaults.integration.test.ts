/**
 * Faults from QEMU (docs/reliability.md, "Faults from QEMU"): fake QEMU
 * binaries that each misbehave one way, reached through the real launch
 * script under setpriv, on this machine and over a real loopback sshd. Each
 * case ends within its configured time limits with a typed error naming the
 * host and the stage, or takes the documented fallback, and leaves no
 * process behind on the host.
 *
 * Test names carry the fault's id from docs/reliability.md in brackets.
 */
import { probeHost } from '../probe';
import { TransportPool } from '../probe/transportPool';
import { checkCpu } from './cpuCheck';
import { QemuSession } from './qemuSession';
import type { Timeouts } from './launchOptions';
import { LocalTransport, type Transport } from '../transport';
import { SshTransport } from '../transport/ssh';
import {
  DisconnectedError,
  KvmUnavailableError,
  QemuCpuError,
  QemuLaunchError,
  QmpProtocolError,
  TimeoutError,
} from '../errors';
import { startSshd, type Sshd } from '../../test/support/sshd';
import { replayQemuBinary } from '../../test/support/replayHost';
import type { ReplayFault } from '../../test/support/replayQemu';
import { noQemuLeft, qemuProcessesMatching } from '../../test/support/qemuProcesses';
import { recordOutput } from '../../test/support/secretSink';
import * as path from 'node:path';

/** Small limits: every fault must end within them, plus a bounded shutdown. */
const BASE: Timeouts = { exec: 10_000, greeting: 10_000, command: 5_000, shutdown: 500 };
/**
 * Besides the limit that fires: quit (shutdown) + TERM and KILL waits (1 s each)
 * + start-up allowance. The cases run concurrently, two fake QEMUs (Node
 * processes) each, beside another Jest worker on a 2-core runner: a healthy
 * probe that takes 0.3 s alone took up to 5 s in CI. The bounds tell "ended
 * at its limit" from "hung" (the test limit is 60 s); which limit fired is
 * asserted by the message, not by the clock.
 */
const LOADED_RUNNER_MS = 10_000;
const SLACK_MS = BASE.shutdown + 2_000 + LOADED_RUNNER_MS;

let sshd: Sshd;
const pool = new TransportPool({ idleMs: 500 });

beforeAll(async () => {
  sshd = await startSshd({ maxSessions: 30 });
});

afterAll(async () => {
  await pool.closeAll();
  await sshd?.stop();
});

type Via = 'local' | 'ssh';
const VIAS: readonly Via[] = ['local', 'ssh'];

interface Outcome {
  via: Via;
  host: string;
  ms: number;
  error?: QemuCpuError;
  value?: unknown;
  binary: string;
}

/** Probe with a fake QEMU through both transports at once; each outcome says how long it took. */
async function probeWithFault(id: string, fault: ReplayFault, timeouts: Partial<Timeouts>, accel: 'kvm' | 'tcg' = 'kvm'): Promise<Outcome[]> {
  return Promise.all(
    VIAS.map(async (via) => {
      const binary = replayQemuBinary('7.2.0.x86_64.qmp.json', accel, fault, `${id}-${via}`);
      const name = `${id}-${via}`;
      const started = Date.now();
      try {
        const value = await probeHost(
          { accelerator: accel, qemuBinary: binary, timeouts: { ...BASE, ...timeouts }, ...(via === 'ssh' ? { connection: sshd.connection({ name }) } : {}) },
          { pool },
        );
        recordOutput(`probe:fault:${id}`, value);
        return { via, host: via === 'ssh' ? name : 'localhost', ms: Date.now() - started, value, binary };
      } catch (err) {
        recordOutput(`probe:fault:${id}`, err);
        if (!(err instanceof QemuCpuError)) throw err;
        return { via, host: via === 'ssh' ? name : 'localhost', ms: Date.now() - started, error: err, binary };
      }
    }),
  );
}

/** The error is typed, names host and stage, ended in time, and no fake QEMU of the case is left. */
async function expectTypedFailure(
  outcomes: Outcome[],
  type: new (...args: never[]) => QemuCpuError,
  stage: string,
  limitMs: number,
  message?: RegExp,
): Promise<void> {
  for (const o of outcomes) {
    expect({ via: o.via, failed: o.error !== undefined }).toEqual({ via: o.via, failed: true });
    const err = o.error!;
    expect(err).toBeInstanceOf(type);
    expect(err.stage).toBe(stage);
    expect(err.host).toBe(o.host);
    expect(err.message.startsWith(`${o.host}: `)).toBe(true);
    expect(err.message).toContain(`(${stage})`);
    if (message) expect(err.message).toMatch(message);
    expect(o.ms).toBeLessThan(limitMs + SLACK_MS);
  }
  await expectNothingLeft(outcomes);
}

async function expectNothingLeft(outcomes: Outcome[]): Promise<void> {
  for (const o of outcomes) {
    const dir = path.dirname(o.binary);
    const left = (await noQemuLeft(dir, 2_000)) ? [] : qemuProcessesMatching(dir);
    expect({ via: o.via, left }).toEqual({ via: o.via, left: [] });
  }
}

describe('faults from QEMU, on this machine and over SSH', () => {
  it.concurrent('[qemu-never-greet] a QEMU that never greets ends at the greeting limit: TimeoutError (qmp-greeting)', async () => {
    const outcomes = await probeWithFault('never-greet', 'never-greet', { greeting: 500 });
    await expectTypedFailure(outcomes, TimeoutError, 'qmp-greeting', 500, /sent no QMP greeting.*within 500 ms/);
  });

  it.concurrent('[qemu-hang-after-greet] a QEMU that greets, then hangs ends at the command limit: TimeoutError (qmp-negotiate)', async () => {
    const outcomes = await probeWithFault('hang-after-greet', 'hang-after-greet', { command: 1_000 });
    await expectTypedFailure(outcomes, TimeoutError, 'qmp-negotiate', BASE.greeting + 1_000, /qmp_capabilities got no reply/);
  });

  it.concurrent('[qemu-garbage] a QEMU that prints garbage fails at once: QmpProtocolError (qmp-protocol) quoting it', async () => {
    const outcomes = await probeWithFault('garbage', 'garbage', {});
    await expectTypedFailure(outcomes, QmpProtocolError, 'qmp-protocol', 0, /not JSON.*"this is not QMP at all"/);
  });

  it.concurrent('[qemu-huge-line] a single 64 MiB line is cut off at the 32 MiB message limit: QmpProtocolError (qmp-protocol)', async () => {
    const outcomes = await probeWithFault('huge-line', 'huge-line', { greeting: 20_000 });
    await expectTypedFailure(outcomes, QmpProtocolError, 'qmp-protocol', 20_000, /longer than the limit of 33554432 bytes/);
    // The message quotes a bounded excerpt, not the line.
    for (const o of outcomes) expect(o.error!.message.length).toBeLessThan(2_000);
  });

  it.concurrent('[qemu-exit-mid-reply] a QEMU that exits in the middle of a reply: DisconnectedError (qmp-command) with its exit status', async () => {
    const outcomes = await probeWithFault('exit-mid-reply', 'exit-mid-reply', {});
    await expectTypedFailure(outcomes, DisconnectedError, 'qmp-command', 0, /query-version was pending.*QEMU exited with status 0/);
  });

  it.concurrent('[qemu-old-command-not-found] CommandNotFound for query-kvm (old QEMU) takes the fallback: kvm null, the requested accelerator stands', async () => {
    const outcomes = await probeWithFault('old-qemu', 'old-qemu', {});
    for (const o of outcomes) {
      expect(o.error).toBeUndefined();
      expect(o.value).toEqual(expect.objectContaining({ host: o.host, kvm: null, accelerator: 'kvm' }));
      expect((o.value as { models: unknown[] }).models.length).toBeGreaterThan(100);
    }
    await expectNothingLeft(outcomes);
  });

  it.concurrent('[qemu-slow] a slow QEMU (400 ms a reply) within the limits is answered in full', async () => {
    const outcomes = await probeWithFault('slow-ok', 'slow', { command: 10_000 });
    for (const o of outcomes) {
      expect(o.error).toBeUndefined();
      expect(o.value).toEqual(expect.objectContaining({ host: o.host, accelerator: 'kvm' }));
    }
    await expectNothingLeft(outcomes);
  });

  it.concurrent('[qemu-slow] a QEMU slower than the command limit: TimeoutError (qmp-command) at the limit, then quit → TERM', async () => {
    const outcomes = await probeWithFault('slow-timeout', 'slow', { command: 1_000 });
    await expectTypedFailure(outcomes, TimeoutError, 'qmp-command', BASE.greeting + 1_000, /got no reply.*within 1000 ms/);
  });

  it.concurrent('[qemu-crash-at-start] a QEMU that dies at start-up: QemuLaunchError (launch) quoting what it said', async () => {
    const outcomes = await probeWithFault('crash-at-start', 'crash-at-start', {});
    await expectTypedFailure(outcomes, QemuLaunchError, 'launch', 0, /QEMU exited during start-up.*crashed at start-up on purpose/);
  });

  it.concurrent('[qemu-stderr-flood] 8 MiB of stderr before dying: the message keeps QEMU\'s last words and stays short', async () => {
    const outcomes = await probeWithFault('stderr-flood', 'stderr-flood', {});
    await expectTypedFailure(outcomes, QemuLaunchError, 'launch', 0, /characters\) \| qemu-system-x86_64: replay: the last words after a flood/);
    for (const o of outcomes) expect(o.error!.message.length).toBeLessThan(2_000);
  });

  it.concurrent('[qemu-ignore-quit] a QEMU that ignores quit and SIGTERM is killed; the probe still answers', async () => {
    const outcomes = await probeWithFault('ignore-quit', 'ignore-quit', {});
    for (const o of outcomes) {
      expect(o.error).toBeUndefined();
      expect(o.ms).toBeLessThan(SLACK_MS + 3_000);
    }
    await expectNothingLeft(outcomes);
  });

  it.concurrent('[qemu-kvm-disabled] a QEMU that answers without KVM when KVM was asked for is refused, never reported as TCG', async () => {
    const outcomes = await probeWithFault('kvm-disabled', 'kvm-disabled', {});
    await expectTypedFailure(outcomes, KvmUnavailableError, 'qmp-command', 0, /not using KVM although KVM was asked for.*accelerator 'tcg' explicitly/);
  });
});

describe('faults from QEMU in the exact-CPU check', () => {
  const transports = (): Array<{ via: Via; transport: Transport; close: () => Promise<void> }> => [
    { via: 'local', transport: new LocalTransport(), close: async () => undefined },
  ];

  async function withBoth<T>(work: (transport: Transport, via: Via) => Promise<T>): Promise<T[]> {
    const ssh = await SshTransport.connect(sshd.connection({ name: 'check-host' }));
    try {
      return await Promise.all([...transports(), { via: 'ssh' as Via, transport: ssh as Transport }].map((t) => work(t.transport, t.via)));
    } finally {
      await ssh.close();
    }
  }

  it.concurrent('[qemu-old-qom-get] no unavailable-features property (QEMU < 4.1) falls back to enforce and does not fail', async () => {
    const results = await withBoth(async (transport, via) => {
      const qemuBinary = replayQemuBinary('4.2.0.x86_64.qmp.json', 'kvm', 'old-qemu', `old-qom-${via}`);
      const record = await checkCpu(transport, {
        accelerator: 'kvm', machineType: 'pc-q35-4.2', model: 'Skylake-Client-v1', enable: ['avx512f'], disable: [], qemuBinary, timeouts: BASE,
      });
      recordOutput('probe:fault:old-qom-get', record);
      expect(await noQemuLeft(path.dirname(qemuBinary), 2_000)).toBe(true);
      return record;
    });
    for (const record of results) {
      expect(record.unavailableSource).toBe('enforce-stderr');
      expect(record.version.qemu).toEqual({ major: 4, minor: 2, micro: 0 });
    }
  });

  it.concurrent('[qemu-no-vcpu] a QEMU that reports no vCPU: QmpProtocolError (qmp-protocol), not a crash', async () => {
    await withBoth(async (transport, via) => {
      const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'no-vcpu', `no-vcpu-${via}`);
      const err = await checkCpu(transport, {
        accelerator: 'kvm', machineType: 'pc-q35-7.2', model: 'qemu64-v1', enable: [], disable: [], qemuBinary, timeouts: BASE,
      }).then(() => undefined, (e: unknown) => e);
      recordOutput('probe:fault:no-vcpu', err);
      expect(err).toBeInstanceOf(QmpProtocolError);
      expect(err).toMatchObject({ stage: 'qmp-protocol', host: transport.label });
      expect((err as Error).message).toMatch(/no vCPU/);
      expect(await noQemuLeft(path.dirname(qemuBinary), 2_000)).toBe(true);
    });
  });
});

describe('a start that outlives its exec limit', () => {
  it('[qemu-exec-timeout] a host slower to start QEMU than the exec limit: TimeoutError (exec), and the late QEMU is ended', async () => {
    const local = new LocalTransport('slow-exec');
    const qemuBinary = replayQemuBinary('7.2.0.x86_64.qmp.json', 'kvm', 'none', 'exec-timeout');
    // The host takes 1.5 s to start the command; the limit is 300 ms.
    const slow: Transport = {
      label: 'slow-exec',
      remote: false,
      state: 'open',
      spawn: async (argv) => {
        await new Promise((r) => setTimeout(r, 1_500));
        return local.spawn(argv);
      },
      close: async () => undefined,
    };
    const started = Date.now();
    const err = await QemuSession.start(slow, { accelerator: 'kvm', machineType: 'none', qemuBinary, timeouts: { ...BASE, exec: 300 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    recordOutput('probe:fault:exec-timeout', err);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ stage: 'exec', host: 'slow-exec' });
    expect(Date.now() - started).toBeLessThan(300 + SLACK_MS);
    // The command starts after the limit; it must not survive.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await noQemuLeft(path.dirname(qemuBinary), 4_000)).toBe(true);
  });
});

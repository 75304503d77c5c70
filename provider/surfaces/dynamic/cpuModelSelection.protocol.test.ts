/**
 * CpuModelSelection through Pulumi's own dynamic-provider host, driven over
 * gRPC as the engine drives it, with the provider serialized by a program
 * run under pulumi.runtime.setMocks. The hosts are a real loopback sshd and
 * real QEMU (a recorded QEMU 4.2 for the host that changes).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { CpuModelSelection, getHostCpuCapabilities, type CpuModelSelectionArgs } from '../../../sdk';
import { scratchDir } from '../../../harness/paths';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import {
  engineCheck,
  engineCreate,
  isSecretEnvelope,
  outsideSecrets,
  recordAnswer,
  recordFailure,
  settle,
  startDynamicProviderHost,
  toPersistedState,
  toProviderWire,
  UNKNOWN,
  useMocks,
  type DynamicProviderHost,
  type Registration,
} from '../../../test/support/pulumiEngine';
import { parseHostFailure } from '../resource';
import { itWithKvm, kvmUsable, kvmSkipNote, realAccel, unenforceableHere } from '../../../harness/accel';

type Props = Record<string, unknown>;

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let sshd: Sshd;
let host: DynamicProviderHost;
let registrations: Registration[];
let secrets: string[];

beforeAll(async () => {
  [sshd, host] = await Promise.all([startSshd(), startDynamicProviderHost()]);
  secrets = [sshd.privateKey, sshd.privateKeyEncrypted, sshd.privateKeyPassphrase, PASSWORD];
  secrets.forEach(registerSecret);
  registrations = await useMocks({ project: 'qemu-cpu-protocol', newResource: async () => ({ id: '', state: {} }) });
});

afterAll(async () => {
  if (host) recordOutput('provider/dynamic host stderr', host.stderr());
  await Promise.all([host?.stop(), sshd?.stop()]);
});

/** kvm-a: the key as a Pulumi secret; kvm-b: an encrypted key and its passphrase as plain strings the program forgot to mark. */
const kvmA = () => ({ ...sshd.connection({ name: 'kvm-a' }), privateKey: pulumi.secret(sshd.privateKey) });
const kvmB = () => ({ ...sshd.connection({ name: 'kvm-b' }), privateKey: sshd.privateKeyEncrypted, privateKeyPassword: sshd.privateKeyPassphrase });
const dead = () => ({ name: 'dead', host: '127.0.0.1', port: 1, dialErrorLimit: 1, password: PASSWORD });

let serial = 0;
/** Run a one-resource program under mocks; the inputs as the engine receives them, serialized provider included. */
async function declare(args: CpuModelSelectionArgs): Promise<Props> {
  const name = `cpu-${++serial}`;
  // Real QEMU answers under KVM where this machine has it, else under TCG, asked for explicitly.
  const resource = new CpuModelSelection(name, { accelerator: realAccel, ...args });
  await settle(resource.urn);
  const registration = registrations.find((r) => r.name === name)!;
  recordAnswer('provider/dynamic program inputs', registration.inputs);
  return registration.inputs;
}

const created = (r: Awaited<ReturnType<typeof engineCreate>>) => {
  if (!('id' in r)) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
  return r;
};

/** No registered secret outside a secret envelope. */
function expectSealed(value: unknown): void {
  const visible = JSON.stringify(outsideSecrets(value)) + JSON.stringify(toPersistedState(value));
  for (const s of secrets) expect(visible).not.toContain(s);
}

describe('the serialized provider', () => {
  it('captures only the path of its compiled handlers: no client, no module, no secret', async () => {
    const inputs = await declare({ hosts: [kvmA()], model: 'pentium3' });
    const provider = inputs.__provider as string;
    recordOutput('provider/dynamic serialized provider', provider);
    expect(provider).toContain(JSON.stringify(path.join(__dirname, 'handlers.js')));
    expect(provider).not.toMatch(/ssh2|TransportPool|Client|socket/i);
    expect(provider.length).toBeLessThan(4000);
    for (const s of secrets) expect(provider).not.toContain(s);
  });
});

const checkRows = [
  { accelerator: 'kvm' as const, usable: 'pentium3', resolved: 'pentium3-v1', unenforceable: 'avx2' },
  { accelerator: 'tcg' as const, usable: 'qemu64', resolved: 'qemu64-v1', unenforceable: 'avx512f' },
];
for (const { accelerator, usable, resolved, unenforceable } of checkRows) describeCheckUnder(accelerator, usable, resolved, unenforceable);

function describeCheckUnder(accelerator: 'kvm' | 'tcg', usable: string, resolved: string, unenforceable: string): void {
  const runs = accelerator === 'tcg' || kvmUsable;
  (runs ? describe : describe.skip)(`Check under ${accelerator}${runs ? '' : kvmSkipNote}`, () => {
  it('passes a CPU every host can enforce, and marks every host secret in the inputs it returns', async () => {
    const { inputs, failures } = await engineCheck(host, await declare({ hosts: [kvmA(), kvmB()], model: usable, accelerator }));
    expect(failures).toEqual([]);
    const hosts = inputs.hosts as Props[];
    expect(isSecretEnvelope(hosts[0].privateKey)).toBe(true);
    expect(isSecretEnvelope(hosts[1].privateKey) && isSecretEnvelope(hosts[1].privateKeyPassword)).toBe(true);
    expect(hosts[1]).toEqual(expect.objectContaining({ name: 'kvm-b', port: sshd.port }));
    expectSealed(inputs);
  });

  it(`fails once per host that cannot enforce it, naming the host, the concrete model and the missing features (${usable} + ${unenforceable})`, async () => {
    const [capabilities, check] = await Promise.all([
      getHostCpuCapabilities({ connection: sshd.connection(), accelerator }),
      engineCheck(host, await declare({ hosts: [kvmA(), kvmB()], model: usable, requiredFeatures: [unenforceable], machineType: 'pc-q35-7.2', accelerator })),
    ]);
    // query-cpu-definitions calls the model usable here: only the added feature makes it unenforceable.
    expect(capabilities.models.find((m) => m.name === resolved)?.usable).toBe(true);
    expect(check.failures).toEqual(
      ['kvm-a', 'kvm-b'].map((h) => ({ property: '', reason: `host=${h} model=${resolved} machine=pc-q35-7.2 missing=${unenforceable}` })),
    );
    expect(check.failures.map((f) => parseHostFailure(f.reason)?.missing)).toEqual([[unenforceable], [unenforceable]]);
  });
});
}

describe('Check', () => {
  it('reports an unknown model, an unknown feature and an unreachable host, each with a clear reason', async () => {
    const model = await engineCheck(host, await declare({ hosts: [kvmA(), dead()], model: 'Pentium-Z' }));
    expect(model.failures).toEqual([
      { property: 'model', reason: expect.stringMatching(/^host=kvm-a model=Pentium-Z machine=default error=unknown-model: .*does not know CPU model Pentium-Z/) },
      { property: '', reason: expect.stringMatching(/^host=dead model=Pentium-Z machine=default error=connect: dead: could not connect/) },
    ]);
    const feature = await engineCheck(host, await declare({ hosts: [kvmA()], model: 'pentium3', requiredFeatures: ['avx9000'] }));
    expect(feature.failures).toEqual([{ property: 'requiredFeatures', reason: 'requiredFeatures: "avx9000" is not a CPU feature QEMU knows' }]);
    expectSealed([model, feature]);
  });

  it('skips inputs not known during a preview: unknown hosts are not asked, known ones are', async () => {
    const news = toProviderWire(await declare({ hosts: [kvmA(), dead()], model: 'pentium3', requiredFeatures: [unenforceableHere] }));
    const withUnknown = (patch: (n: Props) => void) => {
      const copy = JSON.parse(JSON.stringify(news)) as Props;
      patch(copy);
      return host.check({}, copy);
    };
    // The model not known: nobody is asked, not even the dead host.
    expect((await withUnknown((n) => (n.model = UNKNOWN))).failures).toEqual([]);
    // The dead host's address not known: only kvm-a is asked.
    const partial = await withUnknown((n) => ((n.hosts as Props[])[1].host = UNKNOWN));
    expect(partial.failures).toEqual([{ property: '', reason: `host=kvm-a model=pentium3-v1 machine=pc-q35-7.2 missing=${unenforceableHere}` }]);
    expect((partial.inputs.hosts as Props[])[1].host).toBe(UNKNOWN);
    recordAnswer('provider/dynamic check', partial);
  });
});

describe('Create, Diff, Update, Delete', () => {
  it('create stores the verified CPU and per-host reports, and keeps every secret out of plaintext', async () => {
    const { id, outputs } = created(await engineCreate(host, await declare({ hosts: [kvmA(), kvmB()], model: 'pentium3', machineType: 'q35' })));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(outputs).toEqual(
      expect.objectContaining({
        enforceable: true,
        resolvedModel: 'pentium3-v1',
        concreteModels: { 'kvm-a': 'pentium3-v1', 'kvm-b': 'pentium3-v1' },
        qemuCpuArg: 'pentium3-v1,enforce',
        libvirtCpuXml: "<cpu mode='custom' match='exact' check='full'>\n  <model fallback='forbid'>pentium3</model>\n</cpu>",
        libvirtCpuXmlReason: null,
        failures: [],
      }),
    );
    expect(outputs.effectiveFeatures).toEqual(expect.arrayContaining(['sse', 'mmx', 'fpu']));
    expect(outputs.reports).toEqual(
      ['kvm-a', 'kvm-b'].map((name) =>
        expect.objectContaining({ name, qemuVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/), accelerator: realAccel, enforceable: true, missingFeatures: [], machineType: expect.stringMatching(/^pc-q35-\d+\.\d+$/), probedAt: expect.any(String) }),
      ),
    );
    expect(isSecretEnvelope(outputs.hostCredentials)).toBe(true);
    expect(JSON.stringify(outputs.hostConnections)).not.toMatch(/privateKey"|password"|privateKeyPassword"/);
    expectSealed(outputs);
  });

  it('diff: the same inputs are no change; a new model is an update, never a replacement; update asks again under the same ID', async () => {
    const inputs = await declare({ hosts: [kvmA()], model: 'pentium3' });
    const { id, outputs, checked } = created(await engineCreate(host, inputs));
    expect(await host.diff(id, toProviderWire(outputs), toProviderWire(checked))).toEqual({ changes: 'none', replaces: [], deleteBeforeReplace: false });
    const next = await engineCheck(host, await declare({ hosts: [kvmA()], model: 'pentium2' }));
    expect(await host.diff(id, toProviderWire(outputs), toProviderWire(next.inputs))).toEqual({ changes: 'some', replaces: [], deleteBeforeReplace: false });
    const updated = await host.update(id, toProviderWire(outputs), toProviderWire(next.inputs));
    recordAnswer('provider/dynamic update', updated);
    expect(updated.properties).toEqual(expect.objectContaining({ qemuCpuArg: 'pentium2-v1,enforce', model: 'pentium2' }));
    await host.delete(id, toProviderWire(updated.properties));
  });

  it('create refuses a CPU some host cannot enforce, with the same lines Check reports', async () => {
    const inputs = toProviderWire(await declare({ hosts: [kvmA(), kvmB()], model: 'pentium3', requiredFeatures: [unenforceableHere], machineType: 'pc-q35-7.2' }));
    const err = await host.create(inputs).then(
      () => undefined,
      (e: Error) => e,
    );
    recordFailure('provider/dynamic create error', err, host);
    expect(err?.message).toContain(`the CPU pentium3-v1,+${unenforceableHere},enforce cannot be enforced on 2 of 2 host(s)`);
    const lines = err!.message.split('\n').filter((l) => l.startsWith('host='));
    expect(lines.map(parseHostFailure)).toEqual(
      ['kvm-a', 'kvm-b'].map((h) => ({ host: h, model: 'pentium3-v1', machine: 'pc-q35-7.2', missing: [unenforceableHere] })),
    );
  });

  it('delete touches nothing: it needs no host and not even the handlers', async () => {
    const provider = (await declare({ hosts: [dead()], model: 'pentium3' })).__provider as string;
    const moved = provider.split(JSON.stringify(path.join(__dirname, 'handlers.js'))).join(JSON.stringify('/nonexistent/handlers.js'));
    await expect(host.delete('some-id', { __provider: moved, hostConnections: [{ host: 'unreachable.invalid' }] })).resolves.toBeUndefined();
  });
});

describe('Read (refresh)', () => {
  // The recorded host is a KVM host, and so is the one that replaces it: this machine's QEMU under KVM.
  itWithKvm('shows a host that changed under the same qemuBinary as changed outputs with the reason, and the next diff asks again', async () => {
    // One path for the host's QEMU; what answers behind it changes between create and refresh.
    const dir = path.join(scratchDir, `swap-qemu-${process.pid}`);
    const binary = path.join(dir, 'qemu-system-x86_64');
    const pointAt = (target: string) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(`${binary}.tmp`, `#!/bin/sh\nexec '${target}' "$@"\n`, { mode: 0o755 });
      fs.renameSync(`${binary}.tmp`, binary);
    };
    pointAt(replayQemuBinary('4.2.0.x86_64.qmp.json'));
    try {
      const inputs = await declare({ hosts: [{ ...kvmA(), qemuBinary: binary }], model: 'Skylake-Client', requiredFeatures: ['avx2'], machineType: 'q35', accelerator: 'kvm' });
      const { id, outputs } = created(await engineCreate(host, inputs));
      // Recorded on an Intel Xeon E3-1245 v5 (Skylake) with QEMU 4.2, whose definitions resolve the alias to v3.
      expect(outputs).toEqual(expect.objectContaining({ enforceable: true, concreteModels: { 'kvm-a': 'Skylake-Client-v3' }, failures: [] }));
      expect(outputs.reports).toEqual([expect.objectContaining({ qemuVersion: '4.2.0', machineType: 'pc-q35-4.2' })]);

      // The host now runs this machine's QEMU 7.2 on a nested AMD EPYC.
      pointAt(execFileSync('sh', ['-c', 'command -v qemu-system-x86_64'], { encoding: 'utf8' }).trim());
      const read = await host.read(id, toProviderWire(outputs));
      recordAnswer('provider/dynamic read', read);
      expect(read.id).toBe(id);
      expect(read.properties).toEqual(
        expect.objectContaining({ enforceable: false, concreteModels: { 'kvm-a': 'Skylake-Client-v1' }, qemuCpuArg: 'Skylake-Client-v1,+avx2,enforce' }),
      );
      const [failure] = read.properties.failures as string[];
      expect(parseHostFailure(failure)).toEqual({ host: 'kvm-a', model: 'Skylake-Client-v1', machine: expect.stringMatching(/^pc-q35-(?!4\.2)/), missing: expect.arrayContaining(['avx2', 'pni']) });
      expect(read.properties.reports).toEqual([expect.objectContaining({ enforceable: false, qemuVersion: expect.not.stringMatching(/^4\.2\./) })]);
      expect(isSecretEnvelope(read.properties.hostCredentials)).toBe(true);
      expectSealed(read);

      const next = await host.diff(id, toProviderWire(read.properties), toProviderWire((await engineCheck(host, inputs)).inputs));
      expect(next.changes).toBe('some');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the machine type', () => {
  it('changes what the same model resolves to on one QEMU, and the outputs follow', async () => {
    const create = async (machineType: string) =>
      created(await engineCreate(host, await declare({ hosts: [kvmA()], model: 'qemu64', machineType, accelerator: 'tcg' }))).outputs;
    const [legacy, modern] = await Promise.all([create('pc-i440fx-2.0'), create('pc-q35-7.2')]);
    expect(modern).toEqual(expect.objectContaining({ resolvedModel: 'qemu64-v1', qemuCpuArg: 'qemu64-v1,enforce', concreteModels: { 'kvm-a': 'qemu64-v1' } }));
    expect(legacy).toEqual(expect.objectContaining({ resolvedModel: 'qemu64', qemuCpuArg: 'qemu64,enforce', concreteModels: { 'kvm-a': 'qemu64' } }));
    expect(legacy.libvirtCpuXml).toContain("<model fallback='forbid'>qemu64</model>");
    expect(legacy.effectiveFeatures).not.toEqual(modern.effectiveFeatures);
  });
});

describe('secrets', () => {
  it('the program marks every host secret, even those it passed as plain strings', async () => {
    const inputs = await declare({ hosts: [kvmB(), dead()], model: 'pentium3' });
    // The engine receives hosts as a secret value with each secret field a secret of its own.
    const hosts = JSON.stringify(outsideSecrets(inputs.hosts));
    for (const s of secrets) expect(hosts).not.toContain(s);
    const unwrapped = toProviderWire(inputs.hosts) as Props[];
    expect(unwrapped[0].privateKeyPassword).toBe(sshd.privateKeyPassphrase);
    expect(unwrapped[1].password).toBe(PASSWORD);
  });

  it('an unreachable host with a password: the failure, the error and the host log name the host, never the password', async () => {
    const check = await engineCheck(host, await declare({ hosts: [dead()], model: 'pentium3' }));
    expect(check.failures[0].reason).toMatch(/^host=dead .*error=connect: /);
    const err = await host.create(toProviderWire(check.inputs)).then(() => undefined, (e: Error) => e);
    recordFailure('provider/dynamic create error', err, host);
    expect(err?.message).toMatch(/host=dead /);
    for (const s of secrets) expect(`${err?.message}${check.failures[0].reason}${host.stderr()}`).not.toContain(s);
  });
});

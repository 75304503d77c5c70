/**
 * The native plugin as the engine runs it: spawned with the engine's address,
 * driven over gRPC, against a real loopback sshd and real QEMU.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../harness/paths';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { replayQemuBinary } from '../../../test/support/replayHost';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import {
  outsideSecrets,
  isSecretEnvelope,
  startDynamicProviderHost,
  startFakeEngine,
  startProviderProcess,
  toPersistedState,
  useMocks,
  toProviderWire,
  type DynamicProviderHost,
  type FakeEngine,
  type ProviderProcess,
} from '../../../test/support/pulumiEngine';
import { FUNCTION_TOKEN } from './packageSchema';
import { realAccel, unenforceableHere } from '../../../harness/accel';

const rpc = require('@pulumi/pulumi/runtime/rpc') as { specialSigKey: string; specialSecretSig: string };
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
const URN = 'urn:pulumi:test::qemu-cpu::qemu-cpu:index:CpuModelSelection::guest';
const PLUGIN = path.join(repoRoot, 'bin/pulumi-resource-qemu-cpu');

describe('pulumi-resource-qemu-cpu over gRPC', () => {
  let sshd: Sshd;
  let engine: FakeEngine;
  let plugin: ProviderProcess;
  let dynamicHost: DynamicProviderHost;
  /** The dynamic flavour's serialized provider, as a program registers it. */
  let serializedProvider: string;

  beforeAll(async () => {
    [sshd, engine] = await Promise.all([startSshd(), startFakeEngine()]);
    registerSecret(sshd.privateKey);
    registerSecret(sshd.privateKeyEncrypted);
    registerSecret(sshd.privateKeyPassphrase);
    const registrations = await useMocks({ project: 'qemu-cpu-plugin-test', newResource: async (r) => ({ id: 'id', state: r.inputs }) });
    const { CpuModelSelection } = await import('../dynamic');
    new CpuModelSelection('probe', { model: 'pentium3', hosts: [{ host: '127.0.0.1' }] });
    for (let i = 0; i < 50 && registrations.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    serializedProvider = registrations[0].inputs.__provider as string;
    [plugin, dynamicHost] = await Promise.all([
      startProviderProcess({ command: PLUGIN, args: [engine.address], urn: URN }),
      startDynamicProviderHost(),
    ]);
  });
  afterAll(async () => {
    recordOutput('plugin stderr', plugin?.stderr() ?? '');
    recordOutput('plugin engine log', engine?.logs ?? []);
    await Promise.all([plugin?.stop(), dynamicHost?.stop(), engine?.stop()]);
    await sshd?.stop();
  });

  /** A host whose key travels as a secret, as a program's pulumi.secret() makes it. */
  const host = (name: string, extra: Record<string, unknown> = {}) => {
    const { privateKeyPath: _path, knownHostsPath, ...c } = sshd.connection({ name });
    return { ...c, knownHostsPath, privateKey: secret(sshd.privateKeyEncrypted), privateKeyPassword: secret(sshd.privateKeyPassphrase), ...extra };
  };
  const record = (what: string, value: unknown) => {
    recordOutput(`plugin ${what}`, outsideSecrets(value));
    recordOutput(`plugin ${what} (state)`, toPersistedState(value));
  };

  it('GetSchema returns schema.json', async () => {
    expect(await plugin.getSchema()).toBe(fs.readFileSync(path.join(repoRoot, 'schema.json'), 'utf8'));
  });

  it('Check fails on a requirement no host can enforce, with the same per-host report as the dynamic flavour', async () => {
    const news = { model: 'pentium3', requiredFeatures: [unenforceableHere], machineType: 'pc-q35-7.2', accelerator: realAccel, hosts: [host('kvm-a'), host('kvm-b')] };
    const [native, dynamic] = await Promise.all([plugin.check({}, news), dynamicHost.check({}, { ...toProviderWire(news), __provider: serializedProvider })]);
    record('check', native);
    expect(native.failures).toHaveLength(2);
    expect(native.failures[0].reason).toMatch(new RegExp(`^host=kvm-a model=pentium3-v1 machine=pc-q35-7\\.2 missing=${unenforceableHere}\\b`));
    expect(native.failures).toEqual(dynamic.failures);
    expect(engine.logs.some((l) => l.severity === 'warning' && l.urn === URN && /host=kvm-a/.test(l.message))).toBe(true);
  });

  it('Check succeeds on a satisfiable requirement, and Create returns the outputs with secrets wrapped again', async () => {
    const news = { model: 'pentium3', machineType: 'q35', accelerator: 'tcg', hosts: [host('kvm-a')] };
    const checked = await plugin.check({}, news);
    record('check', checked);
    expect(checked.failures).toEqual([]);
    const hostIn = (checked.inputs.hosts as Record<string, unknown>[])[0];
    expect(isSecretEnvelope(hostIn.privateKey)).toBe(true);

    const created = await plugin.create(checked.inputs);
    record('create', created);
    const outs = created.properties;
    expect(outs.qemuCpuArg).toBe('pentium3-v1,enforce');
    expect(outs.libvirtCpuXml).toContain("<model fallback='forbid'>pentium3</model>");
    expect(outs.enforceable).toBe(true);
    expect(isSecretEnvelope(outs.hostCredentials)).toBe(true);
    // Secret inputs come back only as secrets: nothing outside an envelope holds them.
    const visible = JSON.stringify(outsideSecrets(outs));
    expect(visible).not.toContain(sshd.privateKeyPassphrase);
    expect(visible).not.toContain(sshd.privateKeyEncrypted.split('\n')[1]);
  });

  it('Read after a host change reports the change', async () => {
    const news = { model: 'Skylake-Client', machineType: 'pc-q35-4.2', accelerator: 'kvm', hosts: [host('kvm-a', { qemuBinary: replayQemuBinary('4.2.0.x86_64.qmp.json') })] };
    const created = await plugin.create((await plugin.check({}, news)).inputs);
    expect(created.properties.enforceable).toBe(true);
    // The host's QEMU is replaced: a QEMU 7.2 on a CPU without sse3 cannot give Skylake-Client any more.
    const state = created.properties as Record<string, unknown>;
    const changed = {
      ...state,
      hostConnections: (state.hostConnections as Record<string, unknown>[]).map((h) => ({ ...h, qemuBinary: replayQemuBinary('7.2.0.x86_64.qmp.json') })),
    };
    const read = await plugin.read(created.id, changed);
    record('read', read);
    expect(read.properties.enforceable).toBe(false);
    expect((read.properties.failures as string[])[0]).toMatch(/^host=kvm-a .*missing=/);
    expect(engine.logs.some((l) => l.severity === 'warning' && /refresh: host=kvm-a/.test(l.message))).toBe(true);
  });

  it('Invoke returns the capabilities of a loopback host', async () => {
    const { outputs, failures } = await plugin.invoke(FUNCTION_TOKEN, { connection: host('kvm-a'), accelerator: realAccel });
    record('invoke', outputs);
    expect(failures).toEqual([]);
    expect(outputs).toEqual(expect.objectContaining({ host: 'kvm-a', accelerator: realAccel, arch: 'x86_64' }));
    expect((outputs!.models as Array<{ name: string }>).some((m) => m.name === 'Skylake-Client-v4')).toBe(true);
  });

  it('Invoke with invalid arguments fails with every problem', async () => {
    const { failures } = await plugin.invoke(FUNCTION_TOKEN, { connection: { host: 'bad host' }, accelerator: 'xen' });
    expect(failures.map((f) => f.property).sort()).toEqual(['accelerator', 'connection']);
  });
});

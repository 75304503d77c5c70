/**
 * CpuModelSelection with model 'auto', through Pulumi's own dynamic-provider
 * host (started with a fake engine's address, as the engine starts it, so
 * its log reaches the engine) and through the native plugin. The fleet is
 * one loopback sshd whose hosts replay recorded QEMUs: an AMD EPYC 9654
 * (QEMU 9.2), an AMD Ryzen 3900X (QEMU 7.2), an Intel Skylake Xeon (QEMU
 * 4.2). "The fleet changed" is the same qemuBinary path answered by another
 * recording, so the program's inputs stay exactly the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { CpuModelSelection, type CpuModelSelectionArgs } from '../../../sdk';
import { fleetQemuBinary } from '../../../test/support/modelExpansions';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import {
  DYNAMIC_PROVIDER_HOST,
  engineCheck,
  isSecretEnvelope,
  outsideSecrets,
  recordAnswer,
  recordFailure,
  settle,
  startFakeEngine,
  startProviderProcess,
  toPersistedState,
  toProviderWire,
  useMocks,
  type FakeEngine,
  type ProviderProcess,
  type Registration,
} from '../../../test/support/pulumiEngine';
import { parseHostFailure } from '../resource';

type Props = Record<string, unknown>;
type Cpu = { model: string; requiredFeatures: string[]; disabledFeatures: string[]; machineType: string; accelerator: string };

const GENOA = '10.0.0+amdsev.x86_64.qmp.json';
const ZEN2 = '7.2.0.x86_64.qmp.json';
const SKYLAKE = '4.2.0.x86_64.qmp.json';
const MACHINE = 'pc-q35-4.2';

let sshd: Sshd;
let engine: FakeEngine;
let host: ProviderProcess;
let registrations: Registration[];
let secrets: string[];
const binaries: Record<string, string> = {};

/** One qemuBinary path per swappable host; what answers behind it is chosen with pointAt. */
const swapDir = path.join(scratchDir, `auto-swap-${process.pid}`);
function swappable(name: string, fixture: string): string {
  const file = path.join(swapDir, name, 'qemu-system-x86_64');
  pointAt(file, fixture);
  return file;
}
function pointAt(file: string, fixture: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The fixture's name, padded differently per fixture, keeps the wrapper's size distinct: the probe cache's fingerprint sees the change.
  fs.writeFileSync(`${file}.tmp`, `#!/bin/sh\n# ${fixture.padEnd(fixture.length * 2, '.')}\nexec '${binaries[fixture]}' "$@"\n`, { mode: 0o755 });
  fs.renameSync(`${file}.tmp`, file);
}

beforeAll(async () => {
  [sshd, engine] = await Promise.all([startSshd(), startFakeEngine()]);
  host = await startProviderProcess({
    command: process.execPath,
    args: [DYNAMIC_PROVIDER_HOST, engine.address],
    urn: 'urn:pulumi:test::qemu-cpu::pulumi-nodejs:dynamic/qemu-cpu:CpuModelSelection::fleet',
  });
  secrets = [sshd.privateKey, sshd.privateKeyEncrypted, sshd.privateKeyPassphrase];
  secrets.forEach(registerSecret);
  for (const f of [GENOA, ZEN2, SKYLAKE]) binaries[f] = await fleetQemuBinary(f, 'auto-pin');
  registrations = await useMocks({ project: 'qemu-cpu-auto', newResource: async () => ({ id: '', state: {} }) });
});

afterAll(async () => {
  if (host) recordOutput('provider/dynamic auto host stderr', host.stderr());
  if (engine) recordOutput('provider/dynamic auto engine log', engine.logs);
  await Promise.all([host?.stop(), engine?.stop()]);
  await sshd?.stop();
  fs.rmSync(swapDir, { recursive: true, force: true });
});

const fleetHost = (name: string, qemuBinary: string) => ({ ...sshd.connection({ name }), privateKey: pulumi.secret(sshd.privateKey), qemuBinary });

let serial = 0;
async function declare(args: CpuModelSelectionArgs): Promise<Props> {
  const name = `auto-${++serial}`;
  const resource = new CpuModelSelection(name, args);
  await settle(resource.urn);
  const registration = registrations.find((r) => r.name === name)!;
  recordAnswer('provider/dynamic auto program inputs', registration.inputs);
  return registration.inputs;
}

/** Check as the engine calls it for a resource that exists: olds are the inputs stored by the last deployment. */
async function preview(programInputs: Props, olds: Props): Promise<{ inputs: Props; failures: Array<{ property: string; reason: string }> }> {
  const result = await host.check(toProviderWire(olds), toProviderWire(programInputs));
  recordAnswer('provider/dynamic auto check', result);
  return result;
}

function expectSealed(value: unknown): void {
  const visible = JSON.stringify(outsideSecrets(value)) + JSON.stringify(toPersistedState(value));
  for (const s of secrets) expect(visible).not.toContain(s);
}

const argOf = (cpu: Cpu) => [cpu.model, ...cpu.requiredFeatures.map((f) => `+${f}`), ...cpu.disabledFeatures.map((f) => `-${f}`), 'enforce'].join(',');
const logsSince = (n: number) => engine.logs.slice(n);

describe("model 'auto' through the dynamic-provider host", () => {
  it("is pinned, and a change in the fleet's best model shows up in a later preview without changing the pinned CPU", async () => {
    const genoa = fleetHost('amd-genoa', binaries[GENOA]);
    const changing = fleetHost('amd-b', swappable('amd-b', ZEN2));
    const program = await declare({ hosts: [genoa, changing], model: 'auto', machineType: MACHINE });

    // First preview/up: Check finds the baseline and returns it as the CPU to pin.
    let logged = engine.logs.length;
    const first = await engineCheck(host, program);
    expect(first.failures).toEqual([]);
    const pin = first.inputs.pinnedSelection as Cpu;
    expect(pin).toEqual(expect.objectContaining({ model: 'EPYC-Rome-v1', disabledFeatures: [], machineType: MACHINE, accelerator: 'kvm' }));
    expect(pin.requiredFeatures.length).toBeGreaterThan(5);
    expect(first.inputs.latestBaseline).toEqual(pin);
    expect(logsSince(logged)).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining(`the fleet baseline is EPYC-Rome-v1,+`) })]);

    const created = await host.create(toProviderWire(first.inputs));
    recordAnswer('provider/dynamic auto create', created);
    const { id } = created;
    const outputs = created.properties;
    expect(outputs).toEqual(
      expect.objectContaining({
        model: 'auto',
        requiredFeatures: [],
        enforceable: true,
        pinnedSelection: pin,
        latestBaseline: pin,
        baselineDrift: { changed: false, modelChanged: false, pinnedModel: 'EPYC-Rome-v1', bestModel: 'EPYC-Rome-v1', addedFeatures: [], removedFeatures: [] },
        resolvedModel: 'EPYC-Rome-v1',
        concreteModels: { 'amd-genoa': 'EPYC-Rome-v1', 'amd-b': 'EPYC-Rome-v1' },
        qemuCpuArg: argOf(pin),
        failures: [],
      }),
    );
    expect(outputs.libvirtCpuXml).toContain("<model fallback='forbid'>EPYC-Rome</model>");
    expect(isSecretEnvelope(outputs.hostCredentials)).toBe(true);
    expectSealed(created);

    // Nothing changed: the next preview keeps the pin and shows no change.
    const same = await preview(program, first.inputs);
    expect(same.failures).toEqual([]);
    expect(same.inputs).toEqual(expect.objectContaining({ pinnedSelection: pin, latestBaseline: pin }));
    expect(await host.diff(id, toProviderWire(outputs), toProviderWire(same.inputs))).toEqual({ changes: 'none', replaces: [], deleteBeforeReplace: false });

    // amd-b is upgraded to an EPYC 9654 on QEMU 9.2: the same program, the same inputs, a newer best model.
    pointAt(changing.qemuBinary, GENOA);
    logged = engine.logs.length;
    const later = await preview(program, same.inputs);
    expect(later.failures).toEqual([]);
    expect(later.inputs.pinnedSelection).toEqual(pin);
    const best = later.inputs.latestBaseline as Cpu;
    expect(best.model).toBe('EPYC-Genoa-v1');
    const warnings = logsSince(logged).filter((l) => l.severity === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/hosts amd-genoa, amd-b\): the fleet's best CPU changed since it was pinned \(model EPYC-Rome-v1 -> EPYC-Genoa-v1/) }),
    ]);
    expect(warnings[0].message).toContain(`The pinned CPU ${argOf(pin).replace(/,enforce$/, '')} is kept`);
    // The preview shows a change (of latestBaseline), never a replacement.
    expect(await host.diff(id, toProviderWire(outputs), toProviderWire(later.inputs))).toEqual({ changes: 'some', replaces: [], deleteBeforeReplace: false });

    // pulumi up: the update records the new best beside the pin; the CPU a VM gets is unchanged.
    const updated = await host.update(id, toProviderWire(outputs), toProviderWire(later.inputs));
    recordAnswer('provider/dynamic auto update', updated);
    expect(updated.properties).toEqual(
      expect.objectContaining({
        enforceable: true,
        pinnedSelection: pin,
        qemuCpuArg: outputs.qemuCpuArg,
        libvirtCpuXml: outputs.libvirtCpuXml,
        resolvedModel: 'EPYC-Rome-v1',
        latestBaseline: best,
        baselineDrift: expect.objectContaining({ changed: true, modelChanged: true, pinnedModel: 'EPYC-Rome-v1', bestModel: 'EPYC-Genoa-v1' }),
      }),
    );
    expectSealed(updated);
    // Recorded: the next preview shows no change, and still warns.
    logged = engine.logs.length;
    const after = await preview(program, later.inputs);
    expect(await host.diff(id, toProviderWire(updated.properties), toProviderWire(after.inputs))).toEqual({ changes: 'none', replaces: [], deleteBeforeReplace: false });
    expect(logsSince(logged).some((l) => l.severity === 'warning' && /EPYC-Rome-v1 -> EPYC-Genoa-v1/.test(l.message))).toBe(true);

    // pulumi refresh: the pinned CPU is asked about again, and still kept.
    const read = await host.read(id, toProviderWire(updated.properties));
    recordAnswer('provider/dynamic auto read', read);
    expect(read.properties).toEqual(expect.objectContaining({ enforceable: true, pinnedSelection: pin, qemuCpuArg: outputs.qemuCpuArg, latestBaseline: best }));
    expect(read.properties.reports).toEqual([
      expect.objectContaining({ name: 'amd-genoa', enforceable: true, qemuVersion: '9.2.50' }),
      expect.objectContaining({ name: 'amd-b', enforceable: true, qemuVersion: '9.2.50' }),
    ]);

    // Re-pinning is explicit: `pulumi up --replace` checks without olds, and the new resource pins the new best.
    const repinned = await engineCheck(host, program);
    expect(repinned.inputs.pinnedSelection).toEqual(best);
    const recreated = await host.create(toProviderWire(repinned.inputs));
    expect(recreated.properties).toEqual(expect.objectContaining({ resolvedModel: 'EPYC-Genoa-v1', qemuCpuArg: argOf(best), pinnedSelection: best }));
  });

  it('a host added that cannot run the pinned CPU fails the preview and the update, naming it; the pin is not changed', async () => {
    const amd = [fleetHost('amd-genoa', binaries[GENOA]), fleetHost('amd-zen2', binaries[ZEN2])];
    const first = await engineCheck(host, await declare({ hosts: amd, model: 'auto', machineType: MACHINE }));
    const created = await host.create(toProviderWire(first.inputs));
    const pin = created.properties.pinnedSelection as Cpu;
    expect(pin.model).toBe('EPYC-Rome-v1');

    const grown = await declare({ hosts: [...amd, fleetHost('intel-a', binaries[SKYLAKE])], model: 'auto', machineType: MACHINE });
    const check = await preview(grown, first.inputs);
    // QEMU 4.2 predates EPYC-Rome: the host cannot even name the pinned model.
    expect(check.failures).toEqual([{ property: 'model', reason: expect.stringMatching(/^host=intel-a model=EPYC-Rome-v1 machine=pc-q35-4\.2 error=unknown-model: .*does not know CPU model EPYC-Rome-v1/) }]);
    expect(parseHostFailure(check.failures[0].reason)).toEqual(expect.objectContaining({ host: 'intel-a', model: 'EPYC-Rome-v1', error: expect.objectContaining({ kind: 'unknown-model' }) }));
    expect(check.inputs.pinnedSelection).toEqual(pin);
    // The fleet's best with the Intel host is an Intel model.
    expect((check.inputs.latestBaseline as Cpu).model).toBe('SandyBridge-v1');

    const err = await host.update(created.id, toProviderWire(created.properties), toProviderWire(check.inputs)).then(() => undefined, (e: Error) => e);
    recordFailure('provider/dynamic auto update error', err, host);
    expect(err?.message).toContain(`the CPU ${argOf(pin)} cannot be enforced on 1 of 3 host(s)`);
    expect(err!.message.split('\n').filter((l) => l.startsWith('host=')).map((l) => parseHostFailure(l)?.host)).toEqual(['intel-a']);
    expectSealed([check, err?.message]);
  });

  it('no CPU to pin fails the preview and the create: the reason, then each host', async () => {
    const fleet = [fleetHost('amd-zen2', binaries[ZEN2]), fleetHost('intel-a', binaries[SKYLAKE])];
    const check = await engineCheck(host, await declare({ hosts: fleet, model: 'auto', requiredFeatures: ['sse4a'], machineType: MACHINE }));
    expect(check.failures).toEqual([
      { property: 'model', reason: "model 'auto': no CPU every host can enforce: a required feature is missing: intel-a lacks sse4a" },
      { property: '', reason: expect.stringMatching(new RegExp(`^host=intel-a model=\\S+ machine=${MACHINE} missing=sse4a$`)) },
    ]);
    expect(check.inputs).not.toHaveProperty('pinnedSelection');
    const err = await host.create(toProviderWire(check.inputs)).then(() => undefined, (e: Error) => e);
    recordFailure('provider/dynamic auto create error', err, host);
    expect(err?.message).toMatch(/model 'auto' found no CPU every host can enforce \(evaluate\):\nmodel 'auto': no CPU every host can enforce: .*\nhost=intel-a .*missing=sse4a\n/);

    const dead = { name: 'dead', host: '127.0.0.1', port: 1, dialErrorLimit: 1 };
    const undecided = await engineCheck(host, await declare({ hosts: [fleet[0], dead], model: 'auto', machineType: MACHINE }));
    expect(undecided.failures).toEqual([
      { property: 'model', reason: "model 'auto': could not ask every host: 1 host could not be asked" },
      { property: '', reason: expect.stringMatching(new RegExp(`^host=dead model=auto machine=${MACHINE} error=connect: dead: could not connect`)) },
    ]);
    expectSealed([check, undecided, err?.message]);
  });
});

describe("model 'auto' through the native plugin", () => {
  const rpc = require('@pulumi/pulumi/runtime/rpc') as { specialSigKey: string; specialSecretSig: string };
  const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
  const URN = 'urn:pulumi:test::qemu-cpu::qemu-cpu:index:CpuModelSelection::fleet';
  let plugin: ProviderProcess;
  beforeAll(async () => {
    plugin = await startProviderProcess({ command: path.join(repoRoot, 'bin/pulumi-resource-qemu-cpu'), args: [engine.address], urn: URN });
  });
  afterAll(async () => {
    if (plugin) recordOutput('plugin auto stderr', plugin.stderr());
    await plugin?.stop();
  });

  it('pins the same CPU, keeps it when the fleet changes, and warns next to the resource', async () => {
    const { privateKeyPath: _path, ...conn } = sshd.connection({ name: 'amd-b' });
    const changing = { ...conn, privateKey: secret(sshd.privateKey), qemuBinary: swappable('plugin-amd-b', ZEN2) };
    const news = { model: 'auto', machineType: MACHINE, hosts: [{ ...changing, name: 'amd-genoa', qemuBinary: binaries[GENOA] }, changing] };
    const first = await plugin.check({}, news);
    recordAnswer('plugin auto check', first);
    expect(first.failures).toEqual([]);
    const pin = first.inputs.pinnedSelection as Cpu;
    expect(pin.model).toBe('EPYC-Rome-v1');
    const created = await plugin.create(first.inputs);
    recordAnswer('plugin auto create', created);
    expect(created.properties).toEqual(expect.objectContaining({ pinnedSelection: pin, qemuCpuArg: argOf(pin), enforceable: true }));
    expect(isSecretEnvelope(created.properties.hostCredentials)).toBe(true);

    pointAt(changing.qemuBinary, GENOA);
    const logged = engine.logs.length;
    const later = await plugin.check(first.inputs, news);
    recordAnswer('plugin auto check', later);
    expect(later.failures).toEqual([]);
    expect(later.inputs.pinnedSelection).toEqual(pin);
    expect((later.inputs.latestBaseline as Cpu).model).toBe('EPYC-Genoa-v1');
    expect(logsSince(logged)).toContainEqual(expect.objectContaining({ severity: 'warning', urn: URN, message: expect.stringContaining('EPYC-Rome-v1 -> EPYC-Genoa-v1') }));
    expect((await plugin.diff(created.id, created.properties, later.inputs)).changes).toBe('some');
    const updated = await plugin.update(created.id, created.properties, later.inputs);
    recordAnswer('plugin auto update', updated);
    expect(updated.properties).toEqual(expect.objectContaining({ pinnedSelection: pin, qemuCpuArg: argOf(pin), baselineDrift: expect.objectContaining({ changed: true, bestModel: 'EPYC-Genoa-v1' }) }));
    expectSealed([later, updated]);
  });
});

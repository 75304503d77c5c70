/**
 * The libvirt XML the project emits, given to the real libvirt (Debian 12's
 * 9.0, installed by scripts/ensure-host-packages.sh): `virsh domxml-to-native
 * qemu-argv` must accept a domain that embeds it, and the -cpu libvirt
 * writes must be the CPU of qemuCpuArg: its model resolves (QEMU's own
 * query-cpu-definitions under the machine type libvirt chose) to the same
 * concrete model, and it turns on and off the same features, after
 * normalising spellings. KVM paravirtual features the XML leaves out (with
 * a stated reason) are the only difference allowed.
 */
import { canonicalFeatureName, LIBVIRT_X86_FEATURES, renderLibvirtCpu, renderQemuCpuArg, type LibvirtCpu } from '../../provider/model';
import { renderNovaConf } from '../../provider/model/render/nova';
import { findBaseline } from '../../provider/probe/baseline';
import { SelectionInputsSchema, type SelectionInputsInput } from '../../provider/inventory';
import { TransportPool } from '../../provider/probe/transportPool';
import { verifySelection } from '../../provider/probe/verifySelection';
import { kvmSkipNote, kvmUsable, realAccel } from '../../harness/accel';
import { domainXml, domxmlToNative, itWithLibvirt, type Libvirt } from '../support/libvirt';
import { fleetQemuBinary } from '../support/modelExpansions';
import { rawQmp } from '../../harness/rawQmp';
import { startSshd, type Sshd } from '../../harness/sshd';

/** A -cpu argument as a model and the features it turns on and off, in QEMU's canonical spelling. */
function parseCpuArg(arg: string): { model: string; on: string[]; off: string[] } {
  const [model, ...parts] = arg.split(',');
  const on: string[] = [];
  const off: string[] = [];
  for (const p of parts) {
    // Not features: QEMU's check mode, and -cpu host's default migratable=on that libvirt writes out.
    if (p === 'enforce' || p === 'check' || p.startsWith('migratable=')) continue;
    const m = /^([+-])(.+)$/.exec(p) ?? /^(.+)=(on|off)$/.exec(p);
    if (!m) throw new Error(`not a feature setting in -cpu ${arg}: ${p}`);
    const [name, state] = m[1] === '+' || m[1] === '-' ? [m[2], m[1] === '+'] : [m[1], m[2] === 'on'];
    const canonical = canonicalFeatureName(name) ?? name;
    (state ? on : off).push(canonical);
  }
  return { model, on: on.sort(), off: off.sort() };
}

/** QEMU's model definitions under one machine type: name -> the concrete model it resolves to. */
async function resolution(machineType: string): Promise<Map<string, string>> {
  const [defs] = (await rawQmp(['-machine', machineType, '-accel', realAccel], [{ execute: 'query-cpu-definitions' }])) as Array<Array<{ name: string; 'alias-of'?: string }>>;
  return new Map(defs.map((d) => [d.name, d['alias-of'] ?? d.name]));
}

/** QEMU's full expansion of a model under a machine type and this machine's accelerator: feature -> on. */
async function expansion(machineType: string, model: string): Promise<Record<string, unknown>> {
  const [r] = (await rawQmp(['-machine', machineType, '-accel', realAccel], [{ execute: 'query-cpu-model-expansion', arguments: { type: 'full', model: { name: model } } }])) as Array<{ model: { props: Record<string, unknown> } }>;
  return r.model.props;
}

/** Everything checked, for the summary line. */
const tally = { rendered: 0, accepted: 0, nulls: 0, ms: [] as number[] };

/**
 * libvirt must accept the rendering and produce the same CPU as
 * qemuCpuArg; a null rendering must name its gaps. Returns libvirt's -cpu.
 */
async function expectSameCpu(lv: Libvirt, resolve: Map<string, string>, model: string, required: readonly string[], disabled: readonly string[], rendered: LibvirtCpu = renderLibvirtCpu(model, required, disabled)): Promise<string | null> {
  tally.rendered++;
  if (rendered.xml === null) {
    tally.nulls++;
    expect(rendered.unexpressible.length).toBeGreaterThan(0);
    for (const g of rendered.unexpressible) expect(rendered.reason).toContain(g.name);
    return null;
  }
  const t0 = Date.now();
  const answer = await domxmlToNative(lv, domainXml(rendered.xml));
  tally.ms.push(Date.now() - t0);
  if (!answer.ok) throw new Error(`libvirt refused the XML for ${model} +${required.join(',+')} -${disabled.join(',-')}: ${answer.error}\n${rendered.xml}`);
  tally.accepted++;
  const machine = /-machine (pc-[a-z0-9]+-\d+\.\d+)/.exec(answer.argv)?.[1];
  expect(machine).toBeDefined();
  const theirs = parseCpuArg(answer.cpuArg);
  const ours = parseCpuArg(renderQemuCpuArg(model, required, disabled));
  // libvirt 9.0 adds settings of its own to some models: monitor=off (Opteron_G3), and intel-pt=off where its map marks a feature removed (Icelake-Server).
  // They are the same CPU only where QEMU's own expansion of the model already has that state.
  const asked = new Set([...ours.on, ...ours.off]);
  const extra = [...theirs.on.map((f): [string, boolean] => [f, true]), ...theirs.off.map((f): [string, boolean] => [f, false])].filter(([f]) => !asked.has(f));
  if (extra.length > 0) {
    const props = await expansion(machine!, ours.model);
    for (const [f, on] of extra) expect({ model, feature: f, qemuDefault: props[f] }).toEqual({ model, feature: f, qemuDefault: on });
    theirs.on = theirs.on.filter((f) => asked.has(f));
    theirs.off = theirs.off.filter((f) => asked.has(f));
  }
  const left = new Set(rendered.omitted.map((g) => g.name));
  expect(resolve.get(theirs.model) ?? theirs.model).toBe(resolve.get(ours.model) ?? ours.model);
  expect({ model, on: theirs.on, off: theirs.off }).toEqual({ model, on: ours.on.filter((f) => !left.has(f)), off: ours.off.filter((f) => !left.has(f)) });
  return answer.cpuArg;
}

/** Up to `width` at a time: virsh calls are independent. */
async function eachBounded<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

describe('libvirt accepts the XML and reads it as the same CPU', () => {
  let resolve: Map<string, string>;
  let sshd: Sshd;
  const pool = new TransportPool();
  beforeAll(async () => {
    // libvirt's domain picks q35's newest type; QEMU 7.2 resolves it to pc-q35-7.2.
    resolve = await resolution('pc-q35-7.2');
    sshd = await startSshd();
  });
  afterAll(async () => {
    await pool.closeAll();
    await sshd?.stop();
    const ms = [...tally.ms].sort((a, b) => a - b);
    process.stdout.write(
      `\nlibvirt XML: ${tally.rendered} rendered, ${tally.accepted} accepted by virsh domxml-to-native as the same CPU, ${tally.nulls} null with a reason; ` +
        `virsh median ${ms[Math.floor(ms.length / 2)] ?? '-'} ms, max ${ms[ms.length - 1] ?? '-'} ms\n`,
    );
  });

  itWithLibvirt('every model this QEMU lists (named models, aliases, -vN): accepted as the same model, or null naming the model', async (lv) => {
    const names = [...resolve.keys()].filter((n) => n !== 'base');
    const nulls: string[] = [];
    await eachBounded(names, 4, async (name) => {
      if ((await expectSameCpu(lv, resolve, name, [], [])) === null) nulls.push(name);
    });
    // Every version libvirt 9.0 has a name for is expressed; among those it has none for: Skylake-Client-v4 and the models newer than libvirt 9.0.
    expect(nulls).toContain('Skylake-Client-v4');
    expect(nulls).not.toContain('Skylake-Client-v2');
    expect(nulls.length).toBeLessThan(names.length);
  }, 300_000);

  itWithLibvirt('every feature libvirt 9.0 has a name for, on and off, in its spelling', async (lv) => {
    const features = [...LIBVIRT_X86_FEATURES.keys()];
    await expectSameCpu(lv, resolve, 'qemu64-v1', features, []);
    await expectSameCpu(lv, resolve, 'Skylake-Client-v2', [], features);
    // The spellings libvirt's map writes differently, split across on and off.
    await expectSameCpu(lv, resolve, 'Skylake-Client-v1', ['pclmulqdq', 'lahf-lm', 'tsc-adjust', 'ds-cpl'], ['fxsr-opt', 'cmp-legacy', 'nodeid-msr', 'perfctr-core', 'pni']);
  }, 120_000);

  itWithLibvirt('KVM paravirtual features: set in <features> and <clock>, the rest left out with a reason', async (lv) => {
    const placed = ['kvm-pv-unhalt', 'kvm-hint-dedicated', 'kvm-poll-control', 'kvm-pv-ipi'];
    const cpu = await expectSameCpu(lv, resolve, 'EPYC-Rome-v1', [...placed, 'kvm-asyncpf', 'kvm-asyncpf-int'], ['kvmclock']);
    expect(cpu).toContain('kvm-pv-unhalt=on');
    expect(cpu).toContain('kvmclock=off');
    await expectSameCpu(lv, resolve, 'EPYC-Rome-v1', ['kvmclock'], placed);
  });

  itWithLibvirt('host and max: libvirt modes host-passthrough and maximum', async (lv) => {
    expect(await expectSameCpu(lv, resolve, 'host', ['pclmulqdq'], ['hle'])).toMatch(/^host,/);
    expect(await expectSameCpu(lv, resolve, 'max', [], ['lahf-lm'])).toMatch(/^max,/);
  });

  itWithLibvirt('a feature or version libvirt 9.0 cannot express is a null XML naming it, never dropped', async (lv) => {
    expect(await expectSameCpu(lv, resolve, 'EPYC-Rome-v1', ['succor'], ['gds-no'])).toBeNull();
    // The name QEMU reports for what the null stands for is not something libvirt would have accepted either.
    const refused = await domxmlToNative(lv, domainXml(`<cpu mode='custom' match='exact'><model>Skylake-Client-v4</model></cpu>`));
    expect(refused).toEqual({ ok: false, error: expect.stringContaining('Unknown CPU model Skylake-Client-v4') });
  });

  const hostsInputs = (hosts: SelectionInputsInput['hosts'], extra: Partial<SelectionInputsInput>) => SelectionInputsSchema.parse({ hosts, accelerator: realAccel, ...extra });

  itWithLibvirt("Nova's [libvirt] options, as Nova hands them to libvirt (<model> and a <feature> per extra flag), are the same CPU", async (lv) => {
    // Without check='full' libvirt compares a custom CPU with its view of the host CPU, as Nova says nova-compute does at start (measured here: it refused
    // Skylake-Client-IBRS, "Host CPU does not provide required features: mpx, spec-ctrl", and qemu64, "...: svm", which QEMU itself gives this nested guest): so CPUs libvirt thinks this machine can run.
    const cpus = [
      { model: 'kvm64-v1', requiredFeatures: ['lahf-lm', 'sse4.1'], disabledFeatures: ['pni'] },
      { model: 'pentium3-v1', requiredFeatures: ['sse2'], disabledFeatures: [] },
    ];
    for (const cpu of cpus) {
      const conf = renderNovaConf(cpu).conf!;
      const option = (key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(conf)?.[1] ?? '';
      // nova/virt/libvirt: cpu_mode custom, the first of cpu_models, each extra flag lower-cased, '-name' disabled; no fallback or check attribute.
      const flags = option('cpu_model_extra_flags').split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
      const xml = [
        "<cpu mode='custom' match='exact'>",
        `  <model>${option('cpu_models').split(',')[0].trim()}</model>`,
        ...flags.map((f) => (f.startsWith('-') ? `  <feature policy='disable' name='${f.slice(1)}'/>` : `  <feature policy='require' name='${f.replace(/^\+/, '')}'/>`)),
        '</cpu>',
      ].join('\n');
      expect(await expectSameCpu(lv, resolve, cpu.model, cpu.requiredFeatures, cpu.disabledFeatures, { xml, unexpressible: [], omitted: [], reason: null })).not.toBeNull();
    }
  });

  itWithLibvirt('what the probe emits: a checked selection with features on and off, an alias, and model auto', async (lv) => {
    const local = [sshd.connection({ name: 'local' })];
    const checked = await verifySelection(hostsInputs(local, { model: 'pentium3', requiredFeatures: ['sse4_1', 'lahf_lm'], disabledFeatures: ['sse2'], machineType: 'q35' }) as never, { pool, cache: 'off' });
    expect(checked.libvirtCpuXml).toContain("<model fallback='forbid'>pentium3</model>");
    await expectSameCpu(lv, resolve, checked.resolvedModel, checked.requiredFeatures, checked.disabledFeatures, { xml: checked.libvirtCpuXml, reason: checked.libvirtCpuXmlReason, unexpressible: [], omitted: [] });
    const alias = await verifySelection(hostsInputs(local, { model: 'Skylake-Client-IBRS', machineType: 'q35' }) as never, { pool, cache: 'off' });
    expect(alias.resolvedModel).toBe('Skylake-Client-v2');
    expect(await expectSameCpu(lv, resolve, alias.resolvedModel, [], [])).toMatch(/^Skylake-Client-IBRS/);

    // Nested KVM here withholds pni from every 64-bit model, and a baseline is never a 32-bit one: without pni it is 64-bit.
    const auto = await findBaseline(hostsInputs(local, { model: 'auto', machineType: 'q35', disabledFeatures: ['pni'] }) as never, { pool, probe: { cache: 'off' } });
    expect(auto.ok).toBe(true);
    const sel = auto.selection!;
    const rendered = renderLibvirtCpu(sel.model, sel.requiredFeatures, sel.disabledFeatures);
    expect(auto.libvirtCpuXml).toBe(rendered.xml);
    expect(auto.libvirtCpuXmlReason).toBe(rendered.reason);
    await expectSameCpu(lv, resolve, sel.model, sel.requiredFeatures, sel.disabledFeatures, rendered);
  }, 300_000);

  // The recorded fleet of the baseline tests (QEMU 9.2, 7.2 and two 4.2 hosts), under KVM as they were recorded.
  const itWithLibvirtAndKvm = kvmUsable ? itWithLibvirt : (name: string) => it.skip(`${name}${kvmSkipNote}`, () => undefined);
  itWithLibvirtAndKvm('the baseline of a recorded mixed fleet', async (lv) => {
    const host = async (name: string, fixture: string) => ({ ...sshd.connection({ name }), qemuBinary: await fleetQemuBinary(fixture, 'libvirt') });
    const hosts = await Promise.all([host('amd-genoa', '10.0.0+amdsev.x86_64.qmp.json'), host('amd-zen2', '7.2.0.x86_64.qmp.json'), host('intel-a', '4.2.0.x86_64.qmp.json')]);
    const auto = await findBaseline(SelectionInputsSchema.parse({ model: 'auto', machineType: 'pc-q35-4.2', hosts }), { pool, probe: { cache: 'off' } });
    expect(auto.ok).toBe(true);
    const sel = auto.selection!;
    await expectSameCpu(lv, resolve, sel.model, sel.requiredFeatures, sel.disabledFeatures);
  }, 300_000);
});

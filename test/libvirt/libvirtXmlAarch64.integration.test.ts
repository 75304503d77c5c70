/**
 * The aarch64 libvirt XML the project emits, given to the real libvirt
 * (Debian 12's 9.0) with the real qemu-system-aarch64 (7.2) under TCG:
 * `virsh domxml-to-native` must accept an aarch64 domain that embeds it and
 * write a -cpu with exactly qemuCpuArg's properties (as sets: libvirt keeps
 * <cpu>'s order, and adds sve=on beside lengths only where QEMU's own
 * expansion has it on), and `virsh create --paused` must start QEMU with it.
 * What the renderer says libvirt cannot express, libvirt refuses; what QEMU
 * cannot give, QEMU refuses at start. host-passthrough needs arm KVM, which
 * this machine lacks: its checks are against libvirt's recorded verdicts
 * (provider/model/libvirtCpuArm.test.ts).
 */
import { spawn } from 'node:child_process';
import { renderLibvirtArmCpu } from '../../provider/model/libvirtCpuArm';
import { renderQemuCpuArg } from '../../provider/model/render/qemu';
import { renderKubevirtCpu } from '../../provider/model/render/kubevirt';
import { renderNovaConf } from '../../provider/model/render/nova';
import { renderCpu } from '../../provider/model/render/registry';
import { aarch64DomainXml, domxmlToNative, itWithLibvirtAarch64, startPaused, type Libvirt } from '../support/libvirt';

type Cpu = { model: string; requiredFeatures: string[]; disabledFeatures: string[] };

/** A -cpu as its model and its set of `name=on|off` properties. */
function props(arg: string): { model: string; props: string[] } {
  const [model, ...rest] = arg.split(',');
  for (const p of rest) expect([arg, p]).toEqual([arg, expect.stringMatching(/^[a-z0-9-]+=(on|off)$/)]);
  return { model, props: [...rest].sort() };
}

/** QEMU's full expansion of an aarch64 model under TCG: property -> value (arm has no static expansion). */
async function expansion(emulator: string, model: string): Promise<Record<string, unknown>> {
  const child = spawn(emulator, ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'virt', '-accel', 'tcg', '-qmp', 'stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const commands = [{ execute: 'qmp_capabilities' }, { execute: 'query-cpu-model-expansion', arguments: { type: 'full', model: { name: model } } }, { execute: 'quit' }];
  child.stdin.end(commands.map((c) => JSON.stringify(c)).join('\n') + '\n');
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((r) => child.on('close', r));
  const reply = out
    .split('\n')
    .filter((l) => l.includes('"model"'))
    .map((l) => JSON.parse(l) as { return: { model: { props: Record<string, unknown> } } })[0];
  return reply.return.model.props;
}

/** Everything checked, for the summary line. */
const tally = { accepted: 0, started: 0, refusedByLibvirt: 0, refusedByQemu: 0 };
let domains = 0;

/** libvirt accepts the rendering (the registry's, by default), writes qemuCpuArg's CPU, and QEMU starts it. Returns libvirt's -cpu. */
async function expectSameCpu(lv: Libvirt, emulator: string, cpu: Cpu, xml: string | null = renderCpu({ ...cpu, arch: 'aarch64' }).libvirtCpuXml): Promise<string> {
  if (xml === null) throw new Error(`no XML for ${JSON.stringify(cpu)}`);
  const domain = aarch64DomainXml(xml, emulator, `qemu-cpu-arm-${process.pid}-${domains++}`);
  const answer = await domxmlToNative(lv, domain);
  if (!answer.ok) throw new Error(`libvirt refused the XML for ${JSON.stringify(cpu)}: ${answer.error}\n${xml}`);
  tally.accepted++;
  const theirs = props(answer.cpuArg);
  const ours = props(renderQemuCpuArg(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures, 'aarch64'));
  const extra = theirs.props.filter((p) => !ours.props.includes(p));
  if (extra.length > 0) {
    const qemu = await expansion(emulator, cpu.model);
    for (const p of extra) {
      const [name, state] = p.split('=');
      expect({ cpu, extra: p, qemuDefault: qemu[name] }).toEqual({ cpu, extra: p, qemuDefault: state === 'on' });
    }
  }
  expect({ cpu, model: theirs.model, props: theirs.props.filter((p) => !extra.includes(p)) }).toEqual({ cpu, model: ours.model, props: ours.props });
  const started = await startPaused(lv, domain);
  expect({ cpu, started }).toEqual({ cpu, started: { ok: true } });
  tally.started++;
  return answer.cpuArg;
}

describe('libvirt accepts the aarch64 XML and reads it as the same CPU (TCG, qemu-system-aarch64)', () => {
  afterAll(() => {
    process.stdout.write(
      `\nlibvirt aarch64 XML: ${tally.accepted} accepted by virsh domxml-to-native as qemuCpuArg's CPU, ${tally.started} started paused; ` +
        `${tally.refusedByLibvirt} refused by libvirt and ${tally.refusedByQemu} by QEMU, as the renderer says\n`,
    );
  });

  itWithLibvirtAarch64('max with SVE vector lengths on and off: mode maximum, -cpu max with the same properties, and QEMU starts it', async (lv, emulator) => {
    const cpus: Cpu[] = [
      { model: 'max', requiredFeatures: [], disabledFeatures: [] },
      { model: 'max', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'] },
      { model: 'max', requiredFeatures: ['sve', 'sve128', 'sve256', 'sve512'], disabledFeatures: ['sve384', 'sve640', 'sve1024', 'sve2048'] },
      { model: 'max', requiredFeatures: ['sve2048'], disabledFeatures: [] },
      { model: 'max', requiredFeatures: [], disabledFeatures: ['sve'] },
    ];
    for (const cpu of cpus) expect(await expectSameCpu(lv, emulator, cpu)).toMatch(/^max(,|$)/);
    // Lengths without sve: libvirt adds sve=on after them, which QEMU's max has on anyway.
    expect(await expectSameCpu(lv, emulator, cpus[3])).toBe('max,sve2048=on,sve=on');
  }, 180_000);

  itWithLibvirtAarch64('pmu on and off: <features><pmu>, which libvirt writes into -cpu', async (lv, emulator) => {
    expect(await expectSameCpu(lv, emulator, { model: 'max', requiredFeatures: ['sve'], disabledFeatures: ['pmu'] })).toBe('max,sve=on,pmu=off');
    expect(await expectSameCpu(lv, emulator, { model: 'max', requiredFeatures: ['pmu'], disabledFeatures: [] })).toBe('max,pmu=on');
  }, 120_000);

  itWithLibvirtAarch64("named models: custom, in QEMU's spelling, which libvirt checks against QEMU's list", async (lv, emulator) => {
    expect(await expectSameCpu(lv, emulator, { model: 'cortex-a57', requiredFeatures: [], disabledFeatures: [] })).toBe('cortex-a57');
    expect(await expectSameCpu(lv, emulator, { model: 'neoverse-n1', requiredFeatures: [], disabledFeatures: [] })).toBe('neoverse-n1');
    expect(await expectSameCpu(lv, emulator, { model: 'a64fx', requiredFeatures: ['sve', 'sve512'], disabledFeatures: [] })).toBe('a64fx,sve=on,sve512=on');
  }, 120_000);

  itWithLibvirtAarch64('what QEMU cannot give is refused at start by QEMU, as qemuCpuArg would be', async (lv, emulator) => {
    // A length below the largest power of two asked cannot be off (docs/system/arm/cpu-features.rst): libvirt writes it, QEMU refuses.
    const cpu = { model: 'max', requiredFeatures: ['sve', 'sve256'], disabledFeatures: ['sve128'] };
    const xml = renderLibvirtArmCpu(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures).xml!;
    const domain = aarch64DomainXml(xml, emulator, `qemu-cpu-arm-${process.pid}-${domains++}`);
    expect(await domxmlToNative(lv, domain)).toMatchObject({ ok: true, cpuArg: renderQemuCpuArg(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures, 'aarch64') });
    expect(await startPaused(lv, domain)).toEqual({ ok: false, error: expect.stringContaining('cannot disable sve128') });
    tally.refusedByQemu++;
  }, 60_000);

  itWithLibvirtAarch64('what the renderer says libvirt 9.0 cannot express, libvirt refuses', async (lv, emulator) => {
    const refusal = async (cpuXml: string) => {
      const answer = await domxmlToNative(lv, aarch64DomainXml(cpuXml, emulator));
      tally.refusedByLibvirt++;
      return answer.ok ? answer.cpuArg : answer.error;
    };
    expect(renderLibvirtArmCpu('max', ['pauth'], []).xml).toBeNull();
    expect(await refusal("<cpu mode='maximum'><feature policy='require' name='pauth'/></cpu>")).toContain('unknown CPU feature: pauth');
    expect(await refusal("<cpu mode='maximum'><feature policy='disable' name='aarch64'/></cpu>")).toContain('unknown CPU feature: aarch64');
    // Why a disabled sve leaves its disabled lengths out of the XML.
    expect(await refusal("<cpu mode='maximum'><feature policy='disable' name='sve'/><feature policy='disable' name='sve256'/></cpu>")).toContain('SVE disabled, but SVE vector lengths provided');
    // Why named models keep QEMU's spelling: libvirt's arm cpu_map spells it Neoverse-N1.
    expect(await refusal("<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Neoverse-N1</model></cpu>")).toContain('CPU model Neoverse-N1 is not supported by hypervisor');
    // Why host is KVM only: a TCG domain cannot have host-passthrough.
    expect(await refusal("<cpu mode='host-passthrough'/>")).toContain("CPU mode 'host-passthrough' for aarch64 qemu domain");
  }, 120_000);

  itWithLibvirtAarch64("Nova's options and KubeVirt's policies, as they hand them to libvirt, are the same CPU", async (lv, emulator) => {
    // nova/virt/libvirt/driver.py: cpu_mode custom, the first of cpu_models, a <feature> per extra flag ('-' disables; Nova keeps them as a set, so in any order).
    const cpu = { model: 'max', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'] };
    const conf = renderNovaConf({ ...cpu, arch: 'aarch64' }).conf!;
    const option = (key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(conf)?.[1] ?? '';
    const flags = option('cpu_model_extra_flags').split(',').map((f) => f.trim().toLowerCase()).filter(Boolean).reverse();
    const novaXml = [
      "<cpu mode='custom' match='exact'>",
      `  <model>${option('cpu_models')}</model>`,
      ...flags.map((f) => (f.startsWith('-') ? `  <feature policy='disable' name='${f.slice(1)}'/>` : `  <feature policy='require' name='${f}'/>`)),
      '</cpu>',
    ].join('\n');
    await expectSameCpu(lv, emulator, cpu, novaXml);
    // KubeVirt writes required features with policy force on Arm64; libvirt writes force as name=on, as it writes require.
    // Its model is host-passthrough, which TCG cannot run: the same features under mode maximum stand in for it.
    const kv = renderKubevirtCpu({ model: 'host', requiredFeatures: cpu.requiredFeatures, disabledFeatures: cpu.disabledFeatures, arch: 'aarch64' }).yaml!;
    const policies = [...kv.matchAll(/- name: (\S+)\n\s+policy: (\S+)/g)].map((m) => `  <feature policy='${m[2]}' name='${m[1]}'/>`);
    expect(policies.join('\n')).toContain("policy='force'");
    await expectSameCpu(lv, emulator, cpu, ["<cpu mode='maximum'>", ...policies, '</cpu>'].join('\n'));
  }, 120_000);
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { qmpFixturesDir } from '../../harness/paths';
import { LIBVIRT_ARM_FEATURES, libvirtArmFeatures, renderLibvirtArmCpu } from './libvirtCpuArm';
import { renderQemuCpuArg } from './render/qemu';

/**
 * libvirt's own rules for an aarch64 <cpu>, restated from libvirt/libvirt:
 * src/cpu_map/arm_features.xml of 9.0 (sve, sve128 … sve2048: the only
 * feature names virCPUarmValidateFeatures in src/cpu/cpu_arm.c accepts);
 * src/qemu/qemu_domain.c qemuDomainDefCPUPostParse (sve=on added after a
 * vector length, a length beside a disabled sve refused); and what libvirt's
 * command-line builder writes for such a <cpu>, from its test data
 * tests/qemuxmlconfdata/aarch64-features-sve (.xml and .aarch64-latest.args).
 */
const ARM_FEATURE_NAMES = ['sve', ...[128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536, 1664, 1792, 1920, 2048].map((n) => `sve${n}`)];

/** The -cpu libvirt writes for a <cpu> of host-passthrough or maximum: each <feature> as name=on|off in order, then sve=on when only lengths were given. */
function libvirtCpuArg(xml: string): string {
  const mode = /<cpu mode='([a-z-]+)'/.exec(xml)![1];
  const custom = /<model[^>]*>([^<]+)<\/model>/.exec(xml)?.[1];
  const base = mode === 'host-passthrough' ? 'host' : mode === 'maximum' ? 'max' : custom!;
  const features = [...xml.matchAll(/<feature policy='(require|disable)' name='([^']+)'\/>/g)].map((m) => [m[2], m[1] === 'require'] as const);
  for (const [name] of features) expect(LIBVIRT_ARM_FEATURES.has(name)).toBe(true);
  const sve = features.find(([n]) => n === 'sve');
  const lengths = features.some(([n]) => n !== 'sve');
  if (lengths && sve && !sve[1]) throw new Error('SVE disabled, but SVE vector lengths provided');
  const props = features.map(([n, on]) => `${n}=${on ? 'on' : 'off'}`);
  if (lengths && !sve) props.push('sve=on');
  const pmu = /<pmu state='(on|off)'\/>/.exec(xml)?.[1];
  return [base, ...props, ...(pmu ? [`pmu=${pmu}`] : [])].join(',');
}

const asSet = (arg: string) => new Set(arg.split(','));

describe("libvirt's aarch64 <cpu>", () => {
  it('its feature names are arm_features.xml of libvirt 9.0', () => {
    expect([...LIBVIRT_ARM_FEATURES]).toEqual(ARM_FEATURE_NAMES);
  });

  it("libvirt's own test case aarch64-features-sve: host-passthrough with vector lengths is -cpu host,sve512=on,sve384=off,sve256=on,sve128=on,sve=on", () => {
    const r = renderLibvirtArmCpu('host', ['sve512', 'sve256', 'sve128'], ['sve384']);
    expect(r.xml).toBe(
      ["<cpu mode='host-passthrough'>", "  <feature policy='require' name='sve512'/>", "  <feature policy='require' name='sve256'/>", "  <feature policy='require' name='sve128'/>", "  <feature policy='disable' name='sve384'/>", '</cpu>'].join('\n'),
    );
    expect(asSet(libvirtCpuArg(r.xml!))).toEqual(asSet('host,sve512=on,sve384=off,sve256=on,sve128=on,sve=on'));
  });

  it('host and max are the modes host-passthrough and maximum; a named model is custom in QEMU spelling, left to QEMU (check none)', () => {
    expect(renderLibvirtArmCpu('host', [], []).xml).toBe("<cpu mode='host-passthrough'>\n</cpu>");
    expect(renderLibvirtArmCpu('max', ['sve'], []).xml).toBe("<cpu mode='maximum'>\n  <feature policy='require' name='sve'/>\n</cpu>");
    expect(renderLibvirtArmCpu('neoverse-n1', [], []).xml).toBe("<cpu mode='custom' match='exact' check='none'>\n  <model fallback='forbid'>neoverse-n1</model>\n</cpu>");
    expect(renderLibvirtArmCpu('auto', [], [])).toMatchObject({ xml: null, unexpressible: [{ name: 'auto' }] });
  });

  it('sve comes first, so libvirt writes it before the lengths, as qemuCpuArg does', () => {
    const r = renderLibvirtArmCpu('max', ['sve128', 'sve'], ['sve256']);
    expect(libvirtCpuArg(r.xml!)).toBe('max,sve=on,sve128=on,sve256=off');
    expect(libvirtCpuArg(r.xml!)).toBe(renderQemuCpuArg('max', ['sve128', 'sve'], ['sve256'], 'aarch64'));
  });

  it('pmu is the domain feature <pmu>, outside <cpu>', () => {
    const r = renderLibvirtArmCpu('max', ['sve'], ['pmu']);
    expect(r.xml).toBe("<cpu mode='maximum'>\n  <feature policy='require' name='sve'/>\n</cpu>\n<features>\n  <pmu state='off'/>\n</features>");
    expect(libvirtCpuArg(r.xml!)).toBe('max,sve=on,pmu=off');
  });

  it('pauth and every other property libvirt 9.0 has no name for make the XML null, each named; never a weaker CPU', () => {
    const r = renderLibvirtArmCpu('host', ['sve', 'pauth', 'pauth-impdef'], []);
    expect(r.xml).toBeNull();
    expect(r.unexpressible.map((g) => g.name)).toEqual(['pauth', 'pauth-impdef']);
    expect(r.reason).toMatch(/^libvirt 9\.0\.0 cannot express this CPU: pauth .*arm_features\.xml.*pauth-impdef/);
  });

  it('properties in the state QEMU gives them anyway are left out, saying so; the other state is a gap', () => {
    const same = renderLibvirtArmCpu('host', ['aarch64', 'kvm-steal-time'], ['kvm-no-adjvtime']);
    expect(same.xml).toBe("<cpu mode='host-passthrough'>\n</cpu>");
    expect(same.omitted.map((g) => g.name)).toEqual(['aarch64', 'kvm-steal-time', 'kvm-no-adjvtime']);
    expect(same.reason).toMatch(/^Left out of the XML: aarch64 .*so the guest is the same/);
    const other = renderLibvirtArmCpu('host', ['kvm-no-adjvtime'], ['aarch64', 'kvm-steal-time']);
    expect(other.xml).toBeNull();
    expect(other.unexpressible.map((g) => g.name)).toEqual(['kvm-no-adjvtime', 'aarch64', 'kvm-steal-time']);
    expect(other.unexpressible[1].reason).toContain("<type arch='armv7l'>");
  });

  it('sve off: lengths that are off are left out (libvirt refuses them beside it), a length on is a gap (QEMU refuses it)', () => {
    const off = renderLibvirtArmCpu('max', [], ['sve', 'sve256']);
    expect(off.xml).toBe("<cpu mode='maximum'>\n  <feature policy='disable' name='sve'/>\n</cpu>");
    expect(off.omitted).toEqual([{ name: 'sve256', reason: expect.stringContaining('qemuDomainDefCPUPostParse') }]);
    expect(renderLibvirtArmCpu('max', ['sve128'], ['sve'])).toMatchObject({ xml: null, unexpressible: [{ name: 'sve128' }] });
  });

  it('every feature is in the XML, left out or unexpressible; an XML is always one libvirt accepts and writes as qemuCpuArg, less what it leaves out', () => {
    const names = [...ARM_FEATURE_NAMES, 'pmu', 'pauth', 'pauth-impdef', 'aarch64', 'kvm-steal-time', 'kvm-no-adjvtime'];
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...names), { maxLength: 10 }), fc.nat(10), fc.constantFrom('host', 'max', 'a64fx'), (features, split, model) => {
        const required = features.slice(0, split);
        const disabled = features.slice(split);
        const r = renderLibvirtArmCpu(model, required, disabled);
        const accounted = new Set([...r.unexpressible, ...r.omitted].map((g) => g.name));
        for (const f of features) if (!accounted.has(f) && r.xml !== null) expect(r.xml).toMatch(f === 'pmu' ? /<pmu state=/ : new RegExp(`name='${f}'`));
        expect(r.xml === null).toBe(r.unexpressible.length > 0);
        if (r.xml === null) return;
        const left = new Set(r.omitted.map((g) => g.name));
        const ours = renderQemuCpuArg(model, required.filter((f) => !left.has(f)), disabled.filter((f) => !left.has(f)), 'aarch64');
        // libvirt adds sve=on beside lengths without sve; QEMU's expansions of these models have sve on wherever they have lengths.
        const theirs = asSet(libvirtCpuArg(r.xml));
        if (!features.includes('sve') && features.some((f) => /^sve\d/.test(f))) theirs.delete('sve=on');
        expect(theirs).toEqual(asSet(ours));
      }),
    );
  });

  it('libvirtArmFeatures puts sve first, then the lengths in the order asked', () => {
    expect(libvirtArmFeatures(['sve2048', 'sve'], ['sve1920']).cpu).toEqual([
      { name: 'sve', policy: 'require' },
      { name: 'sve2048', policy: 'require' },
      { name: 'sve1920', policy: 'disable' },
    ]);
  });
});

describe("the recorded libvirt verdicts for an aarch64 KVM host (libvirt's domaincaps of QEMU 10.0, virt)", () => {
  const caps = fs.readFileSync(path.join(qmpFixturesDir, 'domaincaps/qemu_10.0.0-virt.aarch64.xml'), 'utf8');
  const mode = (name: string) => new RegExp(`<mode name='${name}' supported='(yes|no)'`).exec(caps)?.[1];

  it('the recording: host-passthrough and maximum are supported, host-model is not; host-passthrough is migratable=off only', () => {
    expect({ 'host-passthrough': mode('host-passthrough'), maximum: mode('maximum'), 'host-model': mode('host-model') }).toEqual({ 'host-passthrough': 'yes', maximum: 'yes', 'host-model': 'no' });
    expect(/<enum name='hostPassthroughMigratable'>\s*<value>off<\/value>\s*<\/enum>/.test(caps)).toBe(true);
  });

  it("the recording: host's XML asks a mode libvirt supports there and no migratable='on' (libvirt leaves it unset on aarch64, qemuDomainDefCPUPostParse)", () => {
    for (const model of ['host', 'max']) {
      const xml = renderLibvirtArmCpu(model, ['sve', 'sve128'], ['sve256']).xml!;
      const asked = /<cpu mode='([a-z-]+)'/.exec(xml)![1];
      expect([model, mode(asked)]).toEqual([model, 'yes']);
      expect(xml).not.toContain('migratable');
      expect(xml).not.toContain('host-model');
    }
  });

  it('the recording: every custom model it lists is written as libvirt lists it', () => {
    const models = [...caps.matchAll(/<model usable='[a-z]+' vendor='[^']*'>([^<]+)<\/model>/g)].map((m) => m[1]);
    expect(models).toEqual(expect.arrayContaining(['a64fx', 'cortex-a57', 'neoverse-n1', 'max']));
    for (const model of models.filter((m) => m !== 'max')) expect(renderLibvirtArmCpu(model, [], []).xml).toContain(`<model fallback='forbid'>${model}</model>`);
  });
});

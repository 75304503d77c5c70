import { renderLibvirtCpu } from '../libvirtCpu';
import { LIBVIRT_ARM_FEATURES, renderLibvirtArmCpu } from '../libvirtCpuArm';
import { LIBVIRT_X86_FEATURES, LIBVIRT_X86_MODELS } from '../libvirtCpuMap';
import { novaRenderer, renderNovaConf } from './nova';

/**
 * Nova's own reading of the section, restated from openstack/nova
 * (nova/conf/libvirt.py, doc/source/admin/cpu-models.rst): an ini section of
 * `key = value` lines; cpu_mode one of its choices; cpu_models a list of
 * libvirt model names; cpu_model_extra_flags a case-insensitive list whose
 * '-name' entries are disabled and other entries ('+name' or 'name')
 * required. Nova hands these to libvirt as <model> and <feature> elements,
 * which must then be those of the libvirt XML the libvirt tests check
 * against the real libvirt.
 */
const CPU_MODES = ['host-model', 'host-passthrough', 'custom', 'none'];
const LIBVIRT_FEATURE_NAMES = new Set(LIBVIRT_X86_FEATURES.values());

function readSection(conf: string): Record<string, string> {
  const [header, ...lines] = conf.split('\n');
  expect(header).toBe('[libvirt]');
  return Object.fromEntries(
    lines.map((l) => {
      const m = /^([a-z_]+) = (.+)$/.exec(l);
      if (!m) throw new Error(`not an option line: ${l}`);
      return [m[1], m[2]];
    }),
  );
}

/** The <cpu> children Nova writes for the options: a model, then a feature per flag. */
function novaCpuLines(options: Record<string, string>): string[] {
  expect(CPU_MODES).toContain(options.cpu_mode);
  const models = options.cpu_models ? options.cpu_models.split(',').map((m) => m.trim()) : [];
  for (const m of models) expect(LIBVIRT_X86_MODELS.has(m)).toBe(true);
  const flags = options.cpu_model_extra_flags ? options.cpu_model_extra_flags.split(',').map((f) => f.trim().toLowerCase()) : [];
  const features = flags.map((f) => (f.startsWith('-') ? { name: f.slice(1), policy: 'disable' } : { name: f.replace(/^\+/, ''), policy: 'require' }));
  for (const f of features) expect(LIBVIRT_FEATURE_NAMES.has(f.name)).toBe(true);
  return [...models.slice(0, 1).map((m) => `<model>${m}</model>`), ...features.map((f) => `<feature policy='${f.policy}' name='${f.name}'/>`)];
}

describe('Nova rendering', () => {
  it.each([
    { model: 'Skylake-Client-v2', requiredFeatures: ['avx2', 'pcid'], disabledFeatures: ['hle'] },
    { model: 'EPYC-Rome-v1', requiredFeatures: ['sse4.1'], disabledFeatures: [] },
    { model: 'pentium3-v1', requiredFeatures: [], disabledFeatures: [] },
  ])('the [libvirt] options Nova reads as the same <cpu> as the libvirt XML: %j', (cpu) => {
    const nova = renderNovaConf(cpu);
    const options = readSection(nova.conf!);
    expect(options.cpu_mode).toBe('custom');
    const libvirt = renderLibvirtCpu(cpu.model, cpu.requiredFeatures, cpu.disabledFeatures).xml!;
    // The model and features must match; fallback and check are Nova's own settings, not the options'.
    const inner = libvirt.split('\n').slice(1, -1).map((l) => l.trim().replace(" fallback='forbid'", ''));
    expect(novaCpuLines(options)).toEqual(inner);
    expect(nova.reason).toBeNull();
  });

  it('writes the section in the documented form', () => {
    expect(renderNovaConf({ model: 'Skylake-Client-v2', requiredFeatures: ['avx2'], disabledFeatures: ['hle'] }).conf).toBe(
      ['[libvirt]', 'cpu_mode = custom', 'cpu_models = Skylake-Client-IBRS', 'cpu_model_extra_flags = avx2, -hle'].join('\n'),
    );
  });

  it('host is cpu_mode = host-passthrough, with no model', () => {
    expect(readSection(renderNovaConf({ model: 'host', requiredFeatures: [], disabledFeatures: [] }).conf!)).toEqual({ cpu_mode: 'host-passthrough' });
  });

  it.each([
    [{ model: 'Skylake-Client-v4', requiredFeatures: [], disabledFeatures: [] }, 'Skylake-Client-v4'],
    [{ model: 'max', requiredFeatures: [], disabledFeatures: [] }, 'max'],
    [{ model: 'qemu64-v1', requiredFeatures: ['kvm-pv-unhalt'], disabledFeatures: [] }, 'kvm-pv-unhalt'],
    [{ model: 'auto', requiredFeatures: [], disabledFeatures: [] }, 'auto'],
  ])('what Nova cannot express is null with the reason naming it: %j', (cpu, name) => {
    const nova = renderNovaConf(cpu);
    expect(nova).toEqual({ conf: null, reason: expect.stringContaining(name) });
    expect(novaRenderer.print(novaRenderer.render(cpu))).toEqual({ text: null, reason: nova.reason });
  });
});

/**
 * Nova on AArch64, restated from openstack/nova nova/virt/libvirt/driver.py
 * (_get_guest_cpu_model_config: cpu_mode host-passthrough by default, custom
 * with the models as written, max when none; the extra flags in every mode,
 * lower-cased; _get_cpu_model_mapping checking names on x86 and POWER only;
 * pmu from hw:pmu / hw_pmu) and nova/conf/libvirt.py.
 */

/** The <cpu> Nova writes on AArch64 for the options: the mode, the model, a feature per flag. */
function novaArmCpu(options: Record<string, string>): { mode: string; model?: string; features: Array<{ name: string; policy: string }> } {
  expect(CPU_MODES).toContain(options.cpu_mode);
  const flags = options.cpu_model_extra_flags ? options.cpu_model_extra_flags.split(',').map((f) => f.trim().toLowerCase()) : [];
  const features = flags.map((f) => (f.startsWith('-') ? { name: f.slice(1), policy: 'disable' } : { name: f.replace(/^\+/, ''), policy: 'require' }));
  for (const f of features) expect(LIBVIRT_ARM_FEATURES.has(f.name)).toBe(true);
  return { mode: options.cpu_mode, ...(options.cpu_mode === 'custom' ? { model: options.cpu_models.split(',')[0].trim() } : {}), features };
}

describe('Nova rendering for AArch64', () => {
  it.each([
    { model: 'host', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'] },
    { model: 'max', requiredFeatures: ['sve'], disabledFeatures: [] },
    { model: 'neoverse-n1', requiredFeatures: [], disabledFeatures: [] },
  ])('the options Nova reads as the <cpu> of the libvirt XML: %j', (cpu) => {
    const arm = { ...cpu, arch: 'aarch64' as const };
    const nova = novaArmCpu(readSection(renderNovaConf(arm).conf!));
    const libvirt = renderLibvirtArmCpu(arm.model, arm.requiredFeatures, arm.disabledFeatures).xml!;
    const mode = /<cpu mode='([a-z-]+)'/.exec(libvirt)![1];
    // Nova's custom max is libvirt's <model>max</model>, the same -cpu max as mode maximum (measured with libvirt 9.0).
    expect(nova.mode).toBe(mode === 'maximum' ? 'custom' : mode);
    expect(nova.model).toBe(mode === 'host-passthrough' ? undefined : mode === 'maximum' ? 'max' : arm.model);
    expect(nova.features).toEqual([...libvirt.matchAll(/<feature policy='(\w+)' name='([^']+)'\/>/g)].map((m) => ({ name: m[2], policy: m[1] })));
    expect(renderNovaConf(arm).reason).toBeNull();
  });

  it('host is cpu_mode = host-passthrough with its flags', () => {
    expect(renderNovaConf({ model: 'host', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'], arch: 'aarch64' }).conf).toBe(
      ['[libvirt]', 'cpu_mode = host-passthrough', 'cpu_model_extra_flags = sve, sve128, -sve256'].join('\n'),
    );
  });

  it('pmu is no flag: null, pointing to the flavor extra spec hw:pmu', () => {
    const nova = renderNovaConf({ model: 'host', requiredFeatures: ['sve'], disabledFeatures: ['pmu'], arch: 'aarch64' });
    expect(nova).toEqual({ conf: null, reason: expect.stringContaining('hw:pmu') });
  });

  it('pauth is null naming it', () => {
    expect(renderNovaConf({ model: 'host', requiredFeatures: ['pauth'], disabledFeatures: [], arch: 'aarch64' })).toEqual({ conf: null, reason: expect.stringContaining('pauth') });
  });
});

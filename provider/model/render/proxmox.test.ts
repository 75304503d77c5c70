import { PVE_VM_FLAGS, proxmoxCputype, proxmoxRenderer, renderProxmoxCpu } from './proxmox';

/**
 * Proxmox VE's own checks, restated from proxmox/qemu-server
 * src/PVE/QemuServer/CPUConfig.pm and proxmox/pve-common
 * src/PVE/SectionConfig.pm, applied to what the renderer writes.
 */
const FLAG = '[+-][a-zA-Z0-9\\-_.]+';
/** $cpu_flag_any_re(;$cpu_flag_any_re)*: a custom model's flags. */
const ANY_FLAGS = new RegExp(`^${FLAG}(;${FLAG})*$`);
/** validate_vm_cpu_conf: a VM config's flags, each from $supported_cpu_flags. */
const VM_FLAG = `[+-](nested-virt|${[...PVE_VM_FLAGS].join('|')})`;
const VM_FLAGS = new RegExp(`^${VM_FLAG}(;${VM_FLAG})*$`);
/** SectionConfig's header and property lines. */
const SECTION_HEADER = /^(\S+):\s*(\S+)\s*$/;
const PROPERTY_LINE = /^\s+(\S+)(\s+(.*\S))?\s*$/;

/** A `cpu:` property string as parse_property_string reads it: key=value pairs, ',' separated. */
function propertyString(value: string): Record<string, string> {
  return Object.fromEntries(value.split(',').map((kv) => kv.split('=', 2) as [string, string]));
}

/** A cpu-models.conf section as SectionConfig parses it, with CPUConfig's prefix for the cputype. */
function section(text: string): { type: string; id: string; props: Record<string, string> } {
  const [header, ...lines] = text.trimEnd().split('\n');
  const h = SECTION_HEADER.exec(header);
  if (!h) throw new Error(`not a section header: ${header}`);
  const props: Record<string, string> = {};
  for (const line of lines) {
    const m = PROPERTY_LINE.exec(line);
    if (!m) throw new Error(`not a property line: ${line}`);
    props[m[1]] = m[3];
  }
  return { type: h[1], id: h[2], props };
}

describe('Proxmox VE cputype', () => {
  it.each([
    ['EPYC-Rome-v2', 'EPYC-Rome-v2'],
    ['EPYC-Rome-v1', 'EPYC-Rome'],
    ['Skylake-Client-v4', 'Skylake-Client-v4'],
    ['Skylake-Client-v2', 'Skylake-Client-IBRS'],
    ['pentium3-v1', 'pentium3'],
    ['qemu64-v1', 'qemu64'],
    ['host', 'host'],
  ])('%s is cputype %s, a key of $cpu_vendor_list', (model, cputype) => {
    expect(proxmoxCputype(model)).toEqual({ cputype });
  });

  it.each(['EPYC-Rome-v3x', 'Denverton-v1', 'Icelake-Client-v1', 'auto'])('%s has no Proxmox name (Icelake-Client would silently become Icelake-Server)', (model) => {
    expect(proxmoxCputype(model)).toEqual({ reason: expect.any(String) });
  });
});

describe('Proxmox VE rendering', () => {
  it('flags a VM config may set stay in the VM config, in the form validate_vm_cpu_conf accepts', () => {
    const pve = renderProxmoxCpu({ model: 'EPYC-Rome-v1', requiredFeatures: ['aes'], disabledFeatures: ['pcid'] });
    expect(pve.cpu).toBe('cputype=EPYC-Rome,flags=+aes;-pcid');
    expect(pve.modelsConf).toBeNull();
    expect(VM_FLAGS.test(propertyString(pve.cpu!).flags)).toBe(true);
  });

  it('a model alone is cputype alone; Proxmox adding kvm_pv_unhalt is said', () => {
    const pve = renderProxmoxCpu({ model: 'pentium3-v1', requiredFeatures: [], disabledFeatures: [] });
    expect(pve).toEqual({ cpu: 'cputype=pentium3', modelsConf: null, reason: expect.stringContaining('kvm_pv_unhalt') });
    expect(renderProxmoxCpu({ model: 'pentium3-v1', requiredFeatures: [], disabledFeatures: ['kvm-pv-unhalt'] }).reason).not.toContain('kvm_pv_unhalt');
  });

  it('other flags make a custom model: the VM config names custom-NAME, and the section parses as cpu-models.conf with any-flag syntax', () => {
    const cpu = { model: 'Skylake-Client-v4', requiredFeatures: ['avx2', 'aes'], disabledFeatures: ['hle', 'kvm-pv-unhalt'] };
    const pve = renderProxmoxCpu(cpu);
    const conf = section(pve.modelsConf!);
    expect(conf.type).toBe('cpu-model');
    expect(pve.cpu).toBe(`cputype=custom-${conf.id}`);
    expect(conf.props).toEqual({ flags: '+avx2;+aes;-hle;-kvm-pv-unhalt', 'reported-model': 'Skylake-Client-v4' });
    expect(ANY_FLAGS.test(conf.props.flags)).toBe(true);
    expect(VM_FLAGS.test(conf.props.flags)).toBe(false);
    expect(pve.reason).toContain('avx2, hle, kvm-pv-unhalt');
    // One CPU, one name; another CPU, another name.
    expect(renderProxmoxCpu(cpu).modelsConf).toBe(pve.modelsConf);
    expect(section(renderProxmoxCpu({ ...cpu, disabledFeatures: [] }).modelsConf!).id).not.toBe(conf.id);
  });

  it.each([
    [{ model: 'Denverton-v2', requiredFeatures: [], disabledFeatures: [] }, 'no name for Denverton-v2'],
    [{ model: 'Opteron_G3-v1', requiredFeatures: ['rdtscp'], disabledFeatures: [] }, 'rdtscp'],
    [{ model: 'qemu64-v1', requiredFeatures: ['a,b'], disabledFeatures: [] }, 'a,b'],
  ])('what Proxmox cannot express is null with the reason: %j', (cpu, why) => {
    const pve = renderProxmoxCpu(cpu);
    expect(pve).toEqual({ cpu: null, modelsConf: null, reason: expect.stringContaining(why) });
    expect(proxmoxRenderer.print(proxmoxRenderer.render(cpu))).toEqual({ text: null, reason: pve.reason });
  });

  it('--format proxmox prints the cpu: line, and the custom model under its file', () => {
    const printed = proxmoxRenderer.print(proxmoxRenderer.render({ model: 'EPYC-Rome-v1', requiredFeatures: ['avx2'], disabledFeatures: [] }));
    expect(printed.text).toMatch(/^cpu: cputype=custom-qemu-cpu-epyc-rome-[0-9a-f]{8}\n# \/etc\/pve\/virtual-guest\/cpu-models\.conf:\ncpu-model: qemu-cpu-epyc-rome-[0-9a-f]{8}\n\tflags \+avx2\n\treported-model EPYC-Rome$/);
  });
});

/**
 * Proxmox VE for an aarch64 guest, restated from proxmox/qemu-server
 * src/PVE/QemuServer/CPUConfig.pm (the aarch64 $cpu_models_by_arch list,
 * host on an aarch64 node, get_default_cpu_type, get_cpu_options adding
 * enforce, vendor and kvm_pv_unhalt on x86_64 only, print_cpu_flags writing
 * '+name'/'-name') and src/PVE/QemuServer/CPUFlags.pm (no VM-specific flag
 * for aarch64): the -cpu Proxmox would start the guest with.
 */
const PVE_AARCH64 = ['a64fx', 'cortex-a35', 'cortex-a53', 'cortex-a55', 'cortex-a57', 'cortex-a710', 'cortex-a72', 'cortex-a76', 'neoverse-n1', 'neoverse-n2', 'neoverse-v1', 'max', 'host'];

/** get_cpu_options for an aarch64 VM config `cpu:` value: the cputype, then each flag as print_cpu_flags writes it. */
function proxmoxArmCpuArg(value: string): string {
  const props = propertyString(value);
  expect(PVE_AARCH64).toContain(props.cputype);
  const flags = props.flags ? props.flags.split(';') : [];
  return [props.cputype, ...flags].join(',');
}

describe('Proxmox VE for aarch64', () => {
  it.each(['host', 'max', 'neoverse-n1', 'a64fx'])('%s alone is its cputype, and Proxmox adds nothing to the -cpu', (model) => {
    const pve = renderProxmoxCpu({ model, requiredFeatures: [], disabledFeatures: [], arch: 'aarch64' });
    expect(pve).toEqual({ cpu: `cputype=${model}`, modelsConf: null, reason: null });
    expect(proxmoxArmCpuArg(pve.cpu!)).toBe(model);
  });

  it('a CPU with properties is null: Proxmox would write +sve, which the arm -cpu refuses', () => {
    const cpu = { model: 'max', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'], arch: 'aarch64' as const };
    const pve = renderProxmoxCpu(cpu);
    expect(pve).toEqual({ cpu: null, modelsConf: null, reason: expect.stringContaining('sve=on, sve128=on, sve256=off') });
    expect(pve.reason).toContain('print_cpu_flags');
    // What a custom model's flags would give: not key=value, so QEMU's arm parser refuses it.
    expect(proxmoxArmCpuArg('cputype=max,flags=+sve;+sve128;-sve256')).toMatch(/,\+sve,/);
    expect(proxmoxRenderer.print(proxmoxRenderer.render(cpu))).toEqual({ text: null, reason: pve.reason });
  });

  it.each([
    ['cortex-a15', 'cortex-a15'],
    ['auto', 'auto'],
  ])('a model Proxmox has no aarch64 cputype for is null naming it: %s', (model, name) => {
    expect(renderProxmoxCpu({ model, requiredFeatures: [], disabledFeatures: [], arch: 'aarch64' })).toEqual({ cpu: null, modelsConf: null, reason: expect.stringContaining(name) });
  });
});

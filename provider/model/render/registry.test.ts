import { noRenderings, printRendering, RENDER_FORMATS, RENDERERS, RENDERING_KEYS, RENDERING_SHAPE, renderCpu, RenderingsSchema } from './registry';

/** CPUs every format meets: plain, with switches, libvirt-only gaps, KVM paravirtual features, host, and 'auto' (no CPU yet). */
const CPUS = [
  { model: 'Skylake-Client-v4', requiredFeatures: ['avx2'], disabledFeatures: ['hle'] },
  { model: 'EPYC-Rome-v1', requiredFeatures: ['aes', 'pcid'], disabledFeatures: [] },
  { model: 'pentium3', requiredFeatures: [], disabledFeatures: [] },
  { model: 'qemu64-v1', requiredFeatures: ['kvm-pv-unhalt'], disabledFeatures: ['kvmclock'] },
  { model: 'Skylake-Client-v3', requiredFeatures: ['no-such-feature'], disabledFeatures: [] },
  { model: 'host', requiredFeatures: [], disabledFeatures: [] },
  { model: 'auto', requiredFeatures: [], disabledFeatures: [] },
];

/** aarch64 CPUs: max and host with SVE lengths, pmu, pauth (no libvirt 9.0 name), a named model, and 'auto'. */
const ARM_CPUS = [
  { model: 'max', requiredFeatures: ['sve', 'sve128'], disabledFeatures: ['sve256'] },
  { model: 'host', requiredFeatures: ['sve', 'sve128', 'aarch64', 'kvm-steal-time'], disabledFeatures: ['kvm-no-adjvtime'] },
  { model: 'host', requiredFeatures: ['pauth', 'pmu'], disabledFeatures: [] },
  { model: 'host', requiredFeatures: [], disabledFeatures: [] },
  { model: 'neoverse-n1', requiredFeatures: [], disabledFeatures: [] },
  { model: 'auto', requiredFeatures: [], disabledFeatures: [] },
].map((cpu) => ({ ...cpu, arch: 'aarch64' as const }));

describe('the renderer registry', () => {
  it('every format has a distinct --format name and distinct fields, each described for reports and schema.json', () => {
    expect(new Set(RENDER_FORMATS).size).toBe(RENDERERS.length);
    const fields = RENDERERS.flatMap((r) => Object.keys(r.fields));
    expect(new Set(fields).size).toBe(fields.length);
    expect([...RENDERING_KEYS].sort()).toEqual([...fields].sort());
    for (const key of RENDERING_KEYS) expect(RENDERING_SHAPE[key].description).toBeTruthy();
  });

  it.each(CPUS)('renders $model +$requiredFeatures -$disabledFeatures in every format, in the shape of its schema', (cpu) => {
    const renderings = renderCpu(cpu);
    expect(RenderingsSchema.parse(renderings)).toEqual(renderings);
    for (const format of RENDER_FORMATS) {
      const printed = printRendering(format, renderings)!;
      // A format that cannot write the CPU says why; it never prints a weaker CPU.
      if (printed.text === null) expect(printed.reason).toEqual(expect.any(String));
    }
  });

  it.each(ARM_CPUS)('every format handles aarch64 $model +$requiredFeatures -$disabledFeatures: a rendering or the reason there is none', (cpu) => {
    const renderings = renderCpu(cpu);
    expect(RenderingsSchema.parse(renderings)).toEqual(renderings);
    for (const format of RENDER_FORMATS) {
      const printed = printRendering(format, renderings)!;
      if (printed.text === null) expect([format, printed.reason]).toEqual([format, expect.any(String)]);
      // No aarch64 rendering carries x86 spelling: +feature switches or enforce.
      else expect([format, printed.text]).toEqual([format, expect.not.stringMatching(/,\+|enforce/)]);
    }
    expect(renderings.qemuCpuArg).not.toMatch(/enforce|[+]/);
  });

  it('the same CPU renders differently per arch: x86_64 when none is given', () => {
    const cpu = { model: 'max', requiredFeatures: ['sve'], disabledFeatures: [] };
    expect(renderCpu(cpu)).toEqual(renderCpu({ ...cpu, arch: 'x86_64' }));
    expect(renderCpu(cpu).qemuCpuArg).toBe('max,+sve,enforce');
    expect(renderCpu({ ...cpu, arch: 'aarch64' }).qemuCpuArg).toBe('max,sve=on');
  });

  it('without a CPU every rendering is null, and a name that is no format prints nothing', () => {
    expect(Object.values(noRenderings()).every((v) => v === null)).toBe(true);
    expect(Object.keys(noRenderings()).sort()).toEqual([...RENDERING_KEYS].sort());
    expect(printRendering('yaml', renderCpu(CPUS[0]))).toBeUndefined();
  });
});

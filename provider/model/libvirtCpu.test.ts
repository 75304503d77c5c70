import fc from 'fast-check';
import { LIBVIRT_X86_FEATURES, QEMU_X86_FEATURES, isKvmParavirtFeature, libvirtModel, renderLibvirtCpu } from './index';

const modelOf = (qemu: string) => {
  const r = libvirtModel(qemu);
  return 'element' in r ? r.element.model : null;
};

describe('libvirtModel: the names libvirt 9.0 knows, no -vN', () => {
  test.each([
    ['qemu64-v1', 'qemu64'],
    ['Skylake-Client-v1', 'Skylake-Client'],
    ['Skylake-Client-v2', 'Skylake-Client-IBRS'],
    ['Skylake-Client-v3', 'Skylake-Client-noTSX-IBRS'],
    ['Cascadelake-Server-v3', 'Cascadelake-Server-noTSX'],
    ['EPYC-v2', 'EPYC-IBPB'],
    ['EPYC-Rome-v1', 'EPYC-Rome'],
    ['pentium3-v1', 'pentium3'],
    // Names libvirt knows stay as they are (a mixed fleet keeps the name as asked).
    ['Skylake-Client', 'Skylake-Client'],
    ['Haswell-noTSX-IBRS', 'Haswell-noTSX-IBRS'],
  ])('%s is %s', (qemu, lv) => expect(modelOf(qemu)).toBe(lv));

  it('a version no libvirt name stands for is a gap that lists the names there are', () => {
    const r = libvirtModel('Skylake-Client-v4');
    expect(r).toEqual({ gap: { name: 'Skylake-Client-v4', reason: expect.stringContaining('Skylake-Client (-v1), Skylake-Client-IBRS (-v2), Skylake-Client-noTSX-IBRS (-v3)') } });
  });

  it('a model libvirt 9.0 does not know at all, and auto, are gaps', () => {
    expect(libvirtModel('EPYC-Genoa-v1')).toEqual({ gap: { name: 'EPYC-Genoa-v1', reason: expect.stringContaining('no EPYC-Genoa at all') } });
    expect(libvirtModel('EPYC-Genoa')).toEqual({ gap: { name: 'EPYC-Genoa', reason: expect.stringContaining('has no CPU model EPYC-Genoa') } });
    expect('gap' in libvirtModel('auto')).toBe(true);
  });

  it('host and max are libvirt modes, not models', () => {
    expect(renderLibvirtCpu('host', [], ['hle']).xml).toBe("<cpu mode='host-passthrough' check='full'>\n  <feature policy='disable' name='hle'/>\n</cpu>");
    expect(renderLibvirtCpu('max', [], []).xml).toBe("<cpu mode='maximum' check='full'>\n</cpu>");
  });
});

describe('renderLibvirtCpu: features as libvirt spells them', () => {
  it('writes libvirt spellings and policies', () => {
    const r = renderLibvirtCpu('Skylake-Client-v2', ['pclmulqdq', 'lahf-lm', 'tsc-adjust', 'sse4.1'], ['hle']);
    expect(r).toEqual({
      xml: [
        "<cpu mode='custom' match='exact' check='full'>",
        "  <model fallback='forbid'>Skylake-Client-IBRS</model>",
        "  <feature policy='require' name='pclmuldq'/>",
        "  <feature policy='require' name='lahf_lm'/>",
        "  <feature policy='require' name='tsc_adjust'/>",
        "  <feature policy='require' name='sse4.1'/>",
        "  <feature policy='disable' name='hle'/>",
        '</cpu>',
      ].join('\n'),
      unexpressible: [],
      omitted: [],
      reason: null,
    });
  });

  it('a feature libvirt has no name for makes the XML null, with each such feature named', () => {
    const r = renderLibvirtCpu('EPYC-Rome-v1', ['succor', 'avx2'], ['amd-psfd']);
    expect(r.xml).toBeNull();
    expect(r.unexpressible.map((g) => g.name)).toEqual(['succor', 'amd-psfd']);
    expect(r.reason).toMatch(/succor .*amd-psfd/);
  });

  it('KVM paravirtual features go where libvirt sets them, or are left out saying what the guest gets', () => {
    const r = renderLibvirtCpu('qemu64-v1', ['kvm-pv-unhalt', 'kvm-pv-ipi', 'kvm-asyncpf', 'kvm-asyncpf-int'], ['kvmclock', 'kvm-poll-control', 'kvm-pv-ipi']);
    expect(r.xml).toBe(
      [
        "<cpu mode='custom' match='exact' check='full'>",
        "  <model fallback='forbid'>qemu64</model>",
        '</cpu>',
        '<features>',
        "  <pvspinlock state='on'/>",
        '  <kvm>',
        "    <pv-ipi state='off'/>",
        '  </kvm>',
        '</features>',
        '<clock>',
        "  <timer name='kvmclock' present='no'/>",
        '</clock>',
      ].join('\n'),
    );
    // libvirt 9.0 writes pv-ipi only when it is off, poll-control only when on.
    expect(r.omitted).toEqual([
      { name: 'kvm-pv-ipi', reason: expect.stringContaining('no setting that turns it on') },
      { name: 'kvm-asyncpf', reason: expect.stringContaining('so the guest is the same') },
      { name: 'kvm-asyncpf-int', reason: expect.stringContaining('lacks it') },
      { name: 'kvm-poll-control', reason: expect.stringContaining('turns it off by default under KVM, so the guest is the same') },
    ]);
    expect(r.reason).toMatch(/^Left out of the XML: kvm-pv-ipi .*kvm-asyncpf .*kvm-asyncpf-int .*kvm-poll-control/);
  });

  it('about 178 of the known feature names have no libvirt 9.0 name (vmx-*, succor, gds-no, ...)', () => {
    const missing = [...QEMU_X86_FEATURES].filter((f) => !LIBVIRT_X86_FEATURES.has(f) && !isKvmParavirtFeature(f));
    expect(missing).toEqual(expect.arrayContaining(['succor', 'overflow-recov', 'amd-psfd', 'gds-no', 'vmx-ept']));
    expect(missing.length).toBeGreaterThan(150);
  });

  it('never drops a feature silently: each is in the XML, unexpressible or omitted', () => {
    const names = [...QEMU_X86_FEATURES];
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...names), { maxLength: 12 }), fc.nat(12), (features, split) => {
        const required = features.slice(0, split);
        const disabled = features.slice(split);
        const r = renderLibvirtCpu('Haswell-v4', required, disabled);
        const accounted = new Set([...r.unexpressible, ...r.omitted].map((g) => g.name));
        for (const f of features) {
          const spelled = LIBVIRT_X86_FEATURES.get(f);
          if (spelled !== undefined) expect(r.xml === null || r.xml.includes(`name='${spelled}'`)).toBe(true);
          // Only a KVM feature libvirt sets outside <cpu> (pvspinlock, <kvm>, the kvmclock timer) is neither spelled in <cpu> nor named in a gap.
          else if (!accounted.has(f)) expect(isKvmParavirtFeature(f)).toBe(true);
        }
        expect(r.xml === null).toBe(r.unexpressible.length > 0);
        if (r.xml === null || r.omitted.length > 0) expect(r.reason).not.toBeNull();
      }),
    );
  });
});

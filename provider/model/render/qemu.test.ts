import { cpuSwitches, qemuRenderer, renderQemuCpuArg } from './qemu';

describe('the -cpu builder', () => {
  it('writes required features as +name and disabled ones as -name; the switches carry no enforce', () => {
    expect(cpuSwitches('Skylake-Client-v4', ['avx2'], ['hle'])).toBe('Skylake-Client-v4,+avx2,-hle');
    expect(cpuSwitches('Skylake-Client-v4', ['avx2'], ['hle'], 'x86_64')).toBe('Skylake-Client-v4,+avx2,-hle');
  });

  it('qemuCpuArg is the switches with enforce, so QEMU refuses a host that cannot give the CPU', () => {
    expect(renderQemuCpuArg('Skylake-Client-v4', ['avx2'], ['hle'])).toBe('Skylake-Client-v4,+avx2,-hle,enforce');
    expect(renderQemuCpuArg('qemu64-v1', [], [])).toBe('qemu64-v1,enforce');
  });
});

describe('the -cpu builder for aarch64', () => {
  // QEMU 7.2's arm -cpu parser: "Expected key=value format, found +sve", and "found enforce".
  it('writes properties as name=on and name=off, never +name or enforce', () => {
    const arg = renderQemuCpuArg('max', ['sve', 'sve128'], ['sve256', 'pauth'], 'aarch64');
    expect(arg).toBe('max,sve=on,sve128=on,sve256=off,pauth=off');
    expect(arg).not.toMatch(/[+]|enforce/);
    expect(cpuSwitches('max', ['sve', 'sve128'], ['sve256', 'pauth'], 'aarch64')).toBe(arg);
  });

  it('puts sve before the vector lengths, whichever list names it', () => {
    expect(cpuSwitches('max', ['sve128', 'pmu', 'sve'], [], 'aarch64')).toBe('max,sve=on,sve128=on,pmu=on');
    expect(cpuSwitches('max', ['pmu'], ['sve'], 'aarch64')).toBe('max,sve=off,pmu=on');
    expect(cpuSwitches('host', [], [], 'aarch64')).toBe('host');
  });

  it('the renderer writes the arch of the CPU; x86_64 when it has none', () => {
    expect(qemuRenderer.render({ model: 'max', requiredFeatures: ['sve'], disabledFeatures: [], arch: 'aarch64' })).toEqual({ qemuCpuArg: 'max,sve=on' });
    expect(qemuRenderer.render({ model: 'max', requiredFeatures: ['sse2'], disabledFeatures: [] })).toEqual({ qemuCpuArg: 'max,+sse2,enforce' });
  });
});

import { cpuSwitches, renderQemuCpuArg } from './qemu';

describe('the -cpu builder', () => {
  it('writes required features as +name and disabled ones as -name; the switches carry no enforce', () => {
    expect(cpuSwitches('Skylake-Client-v4', ['avx2'], ['hle'])).toBe('Skylake-Client-v4,+avx2,-hle');
  });

  it('qemuCpuArg is the switches with enforce, so QEMU refuses a host that cannot give the CPU', () => {
    expect(renderQemuCpuArg('Skylake-Client-v4', ['avx2'], ['hle'])).toBe('Skylake-Client-v4,+avx2,-hle,enforce');
    expect(renderQemuCpuArg('qemu64-v1', [], [])).toBe('qemu64-v1,enforce');
  });
});

import { QemuCpuError, RemoteCommandError } from '../errors';
import { parseCpuinfo as parseAnyCpuinfo, type X86HostCpu } from './index';

/** x86 text read as x86's (no uname given). */
const parseCpuinfo = (text: string, host?: string): X86HostCpu => parseAnyCpuinfo(text, host) as X86HostCpu;

const AMD = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 17
model name	: AMD EPYC 9654 96-Core Processor
stepping	: 1
microcode	: 0xa101148
cpu MHz		: 2396.400
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid aperfmperf pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 cdp_l3 hw_pstate ssbd mba ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx512_bf16 clzero irperf xsaveerptr rdpru wbnoinvd amd_ppin cppc arat npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold avic v_vmsave_vmload vgif x2avic v_spec_ctrl vnmi avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq la57 rdpid overflow_recov succor smca fsrm flush_l1d
bugs		: sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso
bogomips	: 4792.80

processor	: 1
vendor_id	: AuthenticAMD
cpu family	: 25
`;

const INTEL = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 94
model name	: Intel(R) Xeon(R) CPU E3-1245 v5 @ 3.50GHz
stepping	: 3
microcode	: 0xf0
cpu MHz		: 3500.000
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb invpcid_single pti ssbd ibrs ibpb stibp tpr_shadow vnmi flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx rdseed adx smap clflushopt intel_pt xsaveopt xsavec xgetbv1 xsaves dtherm ida arat pln pts hwp hwp_notify hwp_act_window hwp_epp md_clear flush_l1d arch_capabilities
`;

/** A VM's cpuinfo: no microcode line, as many hypervisors present it. */
const VM_NO_MICROCODE = `processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 85
model name	: Intel Xeon Processor (Cascadelake)
stepping	: 6
flags		: fpu sse2 pni hypervisor
`;

describe('parseCpuinfo', () => {
  test('AMD: first processor only', () => {
    const cpu = parseCpuinfo(AMD);
    expect(cpu).toMatchObject({
      vendor: 'AuthenticAMD',
      family: 25,
      model: 17,
      stepping: 1,
      microcode: '0xa101148',
      modelName: 'AMD EPYC 9654 96-Core Processor',
    });
    expect(cpu.flags[0]).toBe('fpu');
    expect(cpu.flags).toContain('avx512_vbmi2');
    expect(cpu.flags.at(-1)).toBe('flush_l1d');
  });

  test('Intel', () => {
    const cpu = parseCpuinfo(INTEL);
    expect(cpu).toMatchObject({ vendor: 'GenuineIntel', family: 6, model: 94, stepping: 3, microcode: '0xf0' });
    expect(cpu.modelName).toBe('Intel(R) Xeon(R) CPU E3-1245 v5 @ 3.50GHz');
    expect(cpu.flags).toHaveLength(INTEL.split('flags\t\t: ')[1].trim().split(' ').length);
  });

  test('missing microcode is null', () => {
    expect(parseCpuinfo(VM_NO_MICROCODE).microcode).toBeNull();
  });

  test('a malformed cpuinfo reports every problem in one error', () => {
    const bad = `processor	: 0
cpu family	: six
model		: 94
stepping	:
model name	: Some CPU
`;
    let error: unknown;
    try {
      parseCpuinfo(bad, 'hv1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error).toBeInstanceOf(QemuCpuError);
    const err = error as RemoteCommandError;
    expect(err.stage).toBe('host-facts');
    expect(err.host).toBe('hv1');
    expect(err.why).toContain('cpuinfo.vendor_id: missing');
    expect(err.why).toContain('cpuinfo.cpu family: not a decimal number');
    expect(err.why).toContain('cpuinfo.stepping: not a decimal number');
    expect(err.why).toContain('cpuinfo.flags: missing');
    expect(err.message.startsWith('hv1: ')).toBe(true);
  });

  test('empty text is rejected', () => {
    expect(() => parseCpuinfo('')).toThrow(RemoteCommandError);
  });
});

/** A Graviton3 (Neoverse V1) guest's first processor, as arch/arm64/kernel/cpuinfo.c prints it. */
const NEOVERSE_V1 = `processor	: 0
BogoMIPS	: 2100.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x1
CPU part	: 0xd40
CPU revision	: 1

processor	: 1
BogoMIPS	: 2100.00
`;

describe('parseCpuinfo of an arm64 host (uname aarch64)', () => {
  test('reads the MIDR fields and the hwcaps', () => {
    const cpu = parseAnyCpuinfo(NEOVERSE_V1, 'arm1', 'aarch64');
    expect(cpu).toMatchObject({ arch: 'aarch64', implementer: 0x41, architecture: 8, variant: 1, part: 0xd40, revision: 1 });
    expect(cpu.flags).toContain('sve');
    expect(cpu.flags).toContain('paca');
  });

  test("an x86 block on an arm host names every missing field at once", () => {
    let error: unknown;
    try {
      parseAnyCpuinfo('processor\t: 0\nvendor_id\t: GenuineIntel\n', 'arm1', 'aarch64');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RemoteCommandError);
    const why = (error as RemoteCommandError).why ?? '';
    for (const field of ['CPU implementer', 'CPU architecture', 'CPU variant', 'CPU part', 'CPU revision', 'Features']) expect(why).toContain(`cpuinfo.${field}: missing`);
  });

  test('an architecture without a profile is refused with what qemu-cpu reads', () => {
    expect(() => parseAnyCpuinfo(NEOVERSE_V1, 'p1', 'ppc64le')).toThrow(/cannot read \/proc\/cpuinfo of a ppc64le host/);
  });
});

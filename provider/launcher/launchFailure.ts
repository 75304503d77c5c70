import { CpuRefusedError, KvmUnavailableError, QemuLaunchError, type CpuRefusalKind, type QemuCpuError } from '../errors';
import { MARKER } from './hostScripts';

/** The longest stderr line quoted in an error. */
const MAX_LINE_CHARS = 300;

/**
 * QEMU's words when KVM rejects the vCPU it is creating: an MSR KVM will not
 * take ("error: failed to set MSR 0x10a to 0x…", then kvm_buf_set_msrs'
 * assertion and an abort), or the vCPU's set-up (kvm_init_vcpu /
 * kvm_arch_init_vcpu failed, a vPMU QEMU cannot match). QEMU knew the CPU
 * and started; this CPU's vCPU is what this host will not run.
 */
const VCPU_START = /failed to set MSR|kvm_buf_set_msrs|kvm_init_vcpu|kvm_arch_init_vcpu|vPMU: /;

/**
 * QEMU's words when it refuses an aarch64 CPU's properties at start
 * (target/arm/cpu64.c, cpu.c, kvm.c; hw/arm/virt.c): "cannot enable sve256",
 * "SVE must be enabled to enable vector lengths", "sve256 is required as it
 * is a power-of-two length smaller than the maximum", "'aarch64' feature
 * cannot be disabled unless KVM is enabled", "'pmu' feature not supported by
 * KVM on this host", "KVM is not supported for this guest CPU type",
 * "mach-virt: CPU type cortex-m3-arm-cpu not supported". The host, as it is,
 * will not run that CPU.
 */
const CPU_PROPERTIES = /cannot (?:enable|disable) sve|SVE must be enabled|is required as it is a power-of-two length|unsupported SVE vector length|feature cannot be disabled|feature not supported by KVM|not supported by KVM on this host|KVM is not supported for this guest CPU type|CPU type \S+ not supported|cannot be used with KVM/;

/** What the failed start asked for: the -cpu argument and machine type of an exact-CPU check (absent for a probe). */
export interface AskedOf {
  cpu?: string;
  machineType?: string;
}

/**
 * Turn what the launch script or QEMU printed on stderr before dying into an
 * error that says what to do. Returns undefined when stderr explains nothing.
 * Boundary: the regexes here read QEMU's and the launch script's own stderr
 * (external input), never a qemu-cpu message.
 *
 * @param cpu - the -cpu argument QEMU was started with, if any: a vCPU that
 *   fails to start is a refusal of this CPU (kind vcpu-start).
 */
export function classifyLaunchFailure(host: string, stderr: string, cause?: unknown, asked: AskedOf = {}): QemuCpuError | undefined {
  const { cpu, machineType } = asked;
  const lines = stderr.split('\n');
  const ours = lines.find((l) => l.startsWith(`${MARKER}error=`));
  // The launch script's note on /dev/kvm, printed before QEMU ran; QEMU's failure is what makes it the reason.
  const kvmNote = lines.find((l) => l.startsWith(`${MARKER}note=kvm-`));
  // QEMU's last lines explain its exit; a runaway line (a flood without line ends) is clipped so they still fit.
  const qemuLines = stderr
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(MARKER))
    .slice(-5)
    .map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}… (${l.length} characters)` : l));
  const qemuSaid = qemuLines.join(' | ');
  // Every QEMU line (not only the last five), as data on the error: callers read it, never the message.
  const qemuStderr = lines.filter((l) => l.trim() && !l.startsWith(MARKER)).join('\n') || undefined;
  const said = ours ? ours.slice(`${MARKER}error=`.length) : kvmNote && /kvm/i.test(qemuSaid) ? kvmNote.slice(`${MARKER}note=`.length) : undefined;
  if (said) {
    const [kind, ...detail] = said.split(' ');
    switch (kind) {
      case 'no-binary':
        return new QemuLaunchError({
          host, stage: 'launch', cause, qemuStderr,
          what: 'no QEMU binary found',
          why: `${detail.join(' ') || 'qemu-system-<arch>'} is not an executable file`,
          hint: 'Install QEMU (Debian: qemu-system-x86; RHEL: qemu-kvm) or set qemuBinary to its absolute path.',
        });
      case 'no-setpriv':
        return new QemuLaunchError({
          host, stage: 'launch', cause, qemuStderr,
          what: 'setpriv is not installed',
          why: 'qemu-cpu runs QEMU under `setpriv --pdeathsig KILL` so that no QEMU outlives a dropped connection',
          hint: 'Install util-linux (it ships setpriv) on the host.',
        });
      case 'kvm-missing':
        return new KvmUnavailableError({
          host, stage: 'launch', cause, qemuStderr,
          what: 'KVM is not available',
          why: `/dev/kvm does not exist: the kvm module is not loaded, or the host (or its hypervisor) has no hardware virtualization${qemuSaid ? ` (QEMU: ${qemuSaid})` : ''}`,
          hint: "Load the kvm module (x86: kvm_intel or kvm_amd; enable nested virtualization on a VM host), or ask for accelerator 'tcg' explicitly to emulate.",
        });
      case 'kvm-denied': {
        const [user, group] = detail;
        // A /dev/kvm left to group root (no udev rule) must first be given to the kvm group.
        const kvmGroup = group && group !== 'root' ? group : 'kvm';
        const regroup = group && group !== 'root' ? '' : 'Give /dev/kvm to the kvm group (chgrp kvm /dev/kvm && chmod 0660 /dev/kvm, or install your distribution\'s udev rule), then add';
        return new KvmUnavailableError({
          host, stage: 'launch', cause, qemuStderr,
          what: 'KVM is not accessible',
          why: `user ${user ?? '?'} cannot read and write /dev/kvm${group ? ` (owned by group ${group})` : ''}`,
          hint: `${regroup || 'Add'} the user to the ${kvmGroup} group (usermod -aG ${kvmGroup} ${user ?? 'USER'}) and reconnect, or ask for accelerator 'tcg' explicitly.`,
        });
      }
    }
  }
  if (/kvm/i.test(qemuSaid) && /(permission denied|failed to initialize kvm|could not access kvm)/i.test(qemuSaid)) {
    return new KvmUnavailableError({ host, stage: 'launch', cause, qemuStderr, what: 'QEMU could not use KVM', why: qemuSaid, hint: "Check /dev/kvm permissions and the kvm module, or ask for accelerator 'tcg' explicitly." });
  }
  // A refusal of the CPU itself: a definite "cannot", QEMU's words (clipped) as its data; `why` defaults to them.
  const refuse = (kind: CpuRefusalKind, name: string, what: string, hint: string, why?: string) => {
    const refusal = { kind, name, qemuStderr: qemuSaid.slice(0, 500) };
    return new CpuRefusedError({ host, cause, qemuStderr, refusal, what, why: why ?? refusal.qemuStderr, hint });
  };
  const unknownModel = /unable to find CPU model '([^']*)'/.exec(qemuSaid);
  if (unknownModel) {
    return refuse('unknown-model', unknownModel[1], `QEMU on this host does not know CPU model ${unknownModel[1]}`, 'Check the name against `qemu-cpu probe` on this host (models differ between QEMU versions).');
  }
  // Before unknown properties: QEMU says "can't apply global …" for a property it knows and refuses, too.
  const propertiesLine = cpu === undefined ? undefined : qemuLines.find((l) => CPU_PROPERTIES.test(l));
  if (cpu !== undefined && propertiesLine !== undefined) {
    return refuse('cpu-properties', cpu.split(',')[0], `QEMU on this host refused CPU ${cpu} at start`, 'This host cannot give the CPU these properties; drop or change them (`qemu-cpu probe` shows what its host model has).');
  }
  const unknownProperty = /Property '[^']*\.([^'.]+)' not found|can't apply global [^=]*\.([A-Za-z0-9_.-]+)=/.exec(qemuSaid);
  if (unknownProperty) {
    const name = unknownProperty[1] ?? unknownProperty[2];
    return refuse('unknown-feature', name, `QEMU on this host does not know CPU feature ${name}`, 'Older QEMU versions lack newer feature names; drop the feature or upgrade QEMU.');
  }
  // QEMU 7.2 says `unsupported machine type`, 10.0 adds `: "NAME"`. Only an exact-CPU check asks for a CPU under a
  // machine type: there the host, as it is, cannot run it. A probe under an unknown type stays a start-up failure.
  const unknownMachine = /unsupported machine type(?:: "([^"]*)")?/.exec(qemuSaid);
  if (unknownMachine && cpu !== undefined) {
    const name = unknownMachine[1] ?? machineType ?? '?';
    return refuse('unknown-machine-type', name, `QEMU on this host does not know machine type ${name}`, 'Machine types differ between QEMU versions (newer ones drop the oldest); choose one every host lists (`qemu-cpu probe`; `qemu-cpu baseline` suggests one).');
  }
  const vcpuLine = cpu === undefined ? undefined : qemuLines.find((l) => VCPU_START.test(l));
  if (cpu !== undefined && vcpuLine !== undefined) {
    const model = cpu.split(',')[0];
    return refuse(
      'vcpu-start',
      model,
      `QEMU on this host could not start a vCPU with CPU ${model}`,
      'A VM with this CPU does not start on this host (KVM, or QEMU with KVM, rejects its vCPU); choose another model, or drop the features or properties that need what KVM refuses.',
      vcpuLine,
    );
  }
  if (qemuSaid) {
    return new QemuLaunchError({ host, stage: 'launch', cause, qemuStderr, what: 'QEMU exited during start-up', why: qemuSaid.slice(-1000), hint: 'Check the machine type, CPU model and feature names against this QEMU version.' });
  }
  return undefined;
}

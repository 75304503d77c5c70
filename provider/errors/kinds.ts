import type { ErrorKind } from './errorKind';
import { QemuCpuError, type QemuCpuErrorInit } from './qemuCpuError';

type Init = QemuCpuErrorInit;

/** User input (arguments, YAML, resource inputs) failed validation. Never retried. */
export class ConfigError extends QemuCpuError {
  override readonly kind: ErrorKind = 'config';
  /** Every problem found, one line each. */
  readonly issues: readonly string[];
  /** The input each issue is about, index for index, where the code that found it knows (e.g. requiredFeatures). */
  readonly issueFields: readonly (string | undefined)[];
  constructor(init: Omit<Init, 'stage'> & { issues?: readonly string[]; issueFields?: readonly (string | undefined)[] }) {
    super({ ...init, stage: 'config' });
    this.issues = init.issues ?? [];
    this.issueFields = init.issueFields ?? [];
  }
}

/**
 * A private key is encrypted and no passphrase was given for it, or the one
 * given does not decrypt it. `setting` names where the passphrase comes
 * from (privateKeyPassword; the CLI's probe: QEMU_CPU_SSH_KEY_PASSPHRASE).
 */
export class KeyPassphraseError extends ConfigError {
  override readonly kind: ErrorKind = 'key-passphrase';
  readonly problem: 'missing' | 'wrong';
  /** The key's origin: "privateKey" or "privateKeyPath PATH". */
  readonly keySource: string;
  readonly setting: string;
  constructor(init: { host?: string; problem: 'missing' | 'wrong'; keySource: string; setting?: string }) {
    const setting = init.setting ?? 'privateKeyPassword';
    super(
      init.problem === 'missing'
        ? { host: init.host, what: `${init.keySource} is encrypted`, hint: `Set ${setting}.` }
        : { host: init.host, what: `${setting} does not decrypt ${init.keySource}`, why: 'wrong passphrase' },
    );
    this.problem = init.problem;
    this.keySource = init.keySource;
    this.setting = setting;
  }

  /** The same problem, naming the setting as a surface calls it. */
  withSetting(setting: string): KeyPassphraseError {
    return new KeyPassphraseError({ host: this.host, problem: this.problem, keySource: this.keySource, setting });
  }
}

/** The host could not be reached (refused, timed out, DNS, proxy). */
export class ConnectionError extends QemuCpuError {
  override readonly kind: ErrorKind = 'connection';
}

/** The host's SSH key is unknown or differs from the one expected. */
export class HostKeyError extends QemuCpuError {
  override readonly kind: ErrorKind = 'host-key';
  readonly fingerprint: string;
  constructor(init: Omit<Init, 'stage'> & { fingerprint: string }) {
    super({ ...init, stage: 'host-key' });
    this.fingerprint = init.fingerprint;
  }
}

/** The host refused every authentication method offered. */
export class AuthenticationError extends QemuCpuError {
  override readonly kind: ErrorKind = 'authentication';
  constructor(init: Omit<Init, 'stage'>) {
    super({ ...init, stage: 'auth' });
  }
}

/** A command on the host failed to start or exited unexpectedly. */
export class RemoteCommandError extends QemuCpuError {
  override readonly kind: ErrorKind = 'remote-command';
}

/**
 * The SSH account's login shell or sshd's ForceCommand ended the session
 * without running qemu-cpu's command (nologin, /bin/false, a wrapper that
 * refuses): a fault of the account, never of QEMU. Stage `exec`.
 */
export class LoginShellError extends RemoteCommandError {
  override readonly kind: ErrorKind = 'login-shell';
}

/** QEMU could not be found or started, or KVM is not usable. */
export class QemuLaunchError extends QemuCpuError {
  override readonly kind: ErrorKind = 'qemu-launch';
}

/** KVM was asked for but the host (or the SSH user) cannot use it. */
export class KvmUnavailableError extends QemuLaunchError {
  override readonly kind: ErrorKind = 'kvm-unavailable';
}

/** QEMU answered a QMP command with an error reply. */
export class QmpCommandError extends QemuCpuError {
  override readonly kind: ErrorKind = 'qmp-command';
  /** QMP error class, e.g. CommandNotFound, GenericError. */
  readonly errorClass: string;
  readonly desc: string;
  readonly command: string;
  constructor(init: Omit<Init, 'stage' | 'what' | 'why'> & { errorClass: string; desc: string; command: string }) {
    super({
      ...init,
      stage: 'qmp-command',
      what: `QMP command ${init.command} failed with ${init.errorClass}`,
      why: init.desc,
    });
    this.errorClass = init.errorClass;
    this.desc = init.desc;
    this.command = init.command;
  }
}

/** QEMU sent something that is not valid QMP, or a reply of the wrong shape. */
export class QmpProtocolError extends QemuCpuError {
  override readonly kind: ErrorKind = 'qmp-protocol';
}

/** A stage did not finish within its configured time. */
export class TimeoutError extends QemuCpuError {
  override readonly kind: ErrorKind = 'timeout';
  readonly timeoutMs: number;
  constructor(init: Init & { timeoutMs: number }) {
    super(init);
    this.timeoutMs = init.timeoutMs;
  }
}

/** The connection or process went away while calls were pending. */
export class DisconnectedError extends QemuCpuError {
  override readonly kind: ErrorKind = 'disconnected';
}

/**
 * Nothing came from the host over SSH, not even replies to keepalives, while
 * a stage waited: a network partition or a hung host, whatever the stage's
 * own error said. The stage is the one that was waiting.
 */
export class HostUnresponsiveError extends QemuCpuError {
  override readonly kind: ErrorKind = 'host-unresponsive';
  /** How long the host had been silent when the stage gave up. */
  readonly silentMs: number;
  constructor(init: Init & { silentMs: number }) {
    super(init);
    this.silentMs = init.silentMs;
  }
}

/** The ways a host's QEMU refuses a CPU outright. */
export const CPU_REFUSAL_KINDS = ['unknown-model', 'unknown-feature', 'unknown-machine-type', 'vcpu-start', 'cpu-properties'] as const;
export type CpuRefusalKind = (typeof CPU_REFUSAL_KINDS)[number];

/** What this host's QEMU refused about the CPU itself: a definite "cannot", never "undecided". */
export interface CpuRefusal {
  /**
   * unknown-model: this QEMU has no such CPU model; unknown-feature: no such
   * CPU property; unknown-machine-type: no such machine type (newer QEMUs
   * drop the oldest), so no VM with this CPU under it; vcpu-start: QEMU knows the CPU but aborted or refused while
   * creating its vCPU (KVM rejected an MSR or the vCPU's set-up); cpu-properties: QEMU
   * refused the CPU's properties at start (aarch64: an SVE length set, aarch64=off under
   * TCG, a property KVM does not support, a CPU type the machine type does not take).
   */
  readonly kind: CpuRefusalKind;
  /** The model or feature name QEMU refused (for vcpu-start, the -cpu model). */
  readonly name: string;
  /** QEMU's own stderr lines that say so. */
  readonly qemuStderr: string;
}

/**
 * QEMU started and refused the requested CPU: this host, as it is, will not
 * run it. The host was asked and answered, so verdicts built from this are
 * "cannot", with the refusal as data.
 */
export class CpuRefusedError extends QemuLaunchError {
  override readonly kind: ErrorKind = 'cpu-refused';
  readonly refusal: CpuRefusal;
  constructor(init: Omit<Init, 'stage'> & { refusal: CpuRefusal }) {
    super({ ...init, stage: 'launch' });
    this.refusal = init.refusal;
  }
}

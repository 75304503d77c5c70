import { ERROR_KINDS } from './errorKind';
import * as errors from './kinds';
import { MAX_PROBLEM_STDERR, problemOf } from './problem';
import { QemuCpuError } from './qemuCpuError';

describe('errors as data', () => {
  it('every error class names its own kind, one of ERROR_KINDS, and JSON carries it', () => {
    const init = { host: 'kvm-a', stage: 'launch' as const, what: 'x' };
    const made: QemuCpuError[] = [
      new errors.ConfigError({ what: 'x' }),
      new errors.KeyPassphraseError({ problem: 'missing', keySource: 'privateKey' }),
      new errors.ConnectionError(init),
      new errors.HostKeyError({ what: 'x', fingerprint: 'SHA256:x' }),
      new errors.AuthenticationError({ what: 'x' }),
      new errors.RemoteCommandError(init),
      new errors.LoginShellError(init),
      new errors.QemuLaunchError(init),
      new errors.KvmUnavailableError(init),
      new errors.CpuRefusedError({ what: 'x', refusal: { kind: 'vcpu-start', name: 'host', qemuStderr: '' } }),
      new errors.QmpCommandError({ errorClass: 'GenericError', desc: 'no', command: 'x' }),
      new errors.QmpProtocolError(init),
      new errors.TimeoutError({ ...init, timeoutMs: 1 }),
      new errors.DisconnectedError(init),
      new errors.HostUnresponsiveError({ ...init, silentMs: 1 }),
    ];
    const kinds = made.map((e) => e.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const k of kinds) expect(ERROR_KINDS).toContain(k);
    expect(made[2].toJSON()).toMatchObject({ kind: 'connection', stage: 'launch' });
  });

  it('problemOf keeps stage, kind and QEMU\'s stderr (its tail), and names the host first', () => {
    const stderr = `${'x'.repeat(MAX_PROBLEM_STDERR)}\nqemu: the last line`;
    const err = new errors.QemuLaunchError({ host: 'kvm-a', stage: 'launch', what: 'QEMU exited during start-up', qemuStderr: stderr });
    const p = problemOf(err, 'kvm-a');
    expect(p).toMatchObject({ stage: 'launch', kind: 'qemu-launch', message: err.message });
    expect(p.qemuStderr).toMatch(/qemu: the last line$/);
    expect(p.qemuStderr!.length).toBeLessThanOrEqual(MAX_PROBLEM_STDERR + 1);
    expect(problemOf(new errors.ConfigError({ what: 'privateKey is encrypted' }), 'kvm-a').message).toBe('kvm-a: privateKey is encrypted (config).');
    expect(problemOf(new TypeError('boom'), 'kvm-a')).toEqual({ stage: 'evaluate', kind: 'internal', message: 'kvm-a: internal error while asking this host (evaluate): boom' });
  });
});

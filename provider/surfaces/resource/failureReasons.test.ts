import { renderCpu, type HostVerdict } from '../../model';
import { judgeFleet, type SelectionReport } from '../../probe';
import { failureOn, hostFailures, parseHostFailure } from './failureReasons';

const verdict = (over: Partial<HostVerdict>): HostVerdict => ({
  name: 'kvm-a',
  outcome: 'can',
  enforceable: true,
  resolvedModel: 'Skylake-Client-v4',
  machineType: 'pc-q35-7.2',
  missingFeatures: [],
  qemuVersion: '7.2.22',
  accelerator: 'kvm',
  effectiveFeatures: [],
  probedAt: '2025-01-01T00:00:00.000Z',
  source: 'qom-unavailable-features',
  ...over,
});

const report = (hosts: HostVerdict[]): SelectionReport => ({
  ok: false,
  decided: true,
  model: 'Skylake-Client',
  resolvedModel: 'Skylake-Client-v4',
  requiredFeatures: ['avx2'],
  disabledFeatures: ['hle'],
  ...renderCpu({ model: 'Skylake-Client-v4', requiredFeatures: ['avx2'], disabledFeatures: ['hle'] }),
  effectiveFeatures: [],
  hosts,
  ...judgeFleet(hosts, [], {}),
});

describe('host failure reasons', () => {
  it('name the host, the concrete model, the machine type and the missing features, and read back', () => {
    const [f] = hostFailures(report([verdict({ outcome: 'cannot', enforceable: false, missingFeatures: ['avx2', 'sse4.1'] }), verdict({ name: 'kvm-b' })]), { machineType: 'q35' });
    expect(f).toEqual({ property: '', reason: 'host=kvm-a model=Skylake-Client-v4 machine=pc-q35-7.2 missing=avx2,sse4.1' });
    expect(parseHostFailure(f.reason)).toEqual({ host: 'kvm-a', model: 'Skylake-Client-v4', machine: 'pc-q35-7.2', missing: ['avx2', 'sse4.1'] });
  });

  it('say why a host could not be asked, with the stage that failed, and fall back to the names as asked', () => {
    const error = 'dead: could not connect (connect): connect ECONNREFUSED 127.0.0.1:1. Check the host.';
    const [f] = hostFailures(report([verdict({ name: 'dead', outcome: 'undecided', stage: 'connect', kind: 'connection', message: error, enforceable: null, resolvedModel: null, machineType: null, error })]), { machineType: 'q35' });
    expect(f.reason).toBe(`host=dead model=Skylake-Client machine=q35 error=connect: ${error}`);
    expect(parseHostFailure(f.reason)).toEqual({ host: 'dead', model: 'Skylake-Client', machine: 'q35', error: { kind: 'connect', message: error } });
  });

  it('take the stage from the verdict\'s data: a message worded otherwise (or naming another stage) changes nothing', () => {
    const message = 'dead: reworded, mentioning (auth): nothing';
    const [f] = hostFailures(report([verdict({ name: 'dead', outcome: 'undecided', stage: 'connect', kind: 'connection', message, enforceable: null, error: message })]), { machineType: 'q35' });
    expect(parseHostFailure(f.reason)?.error).toEqual({ kind: 'connect', message });
  });

  it('attribute an unknown model and an unknown feature to their inputs, from the refusal QEMU gave (data, not text)', () => {
    const refused = (kind: 'unknown-model' | 'unknown-feature', name: string, error: string) =>
      verdict({ outcome: 'cannot', stage: 'launch', kind, message: error, enforceable: false, resolvedModel: null, machineType: null, error, refusal: { kind, name, qemuStderr: 'qemu said no' } });
    const [model, feature] = hostFailures(
      report([
        refused('unknown-model', 'Pentium-Z', 'kvm-a: QEMU on this host does not know CPU model Pentium-Z (launch): unable to find CPU model. Check the name.'),
        // The wording of the message plays no part: the refusal's fields decide.
        refused('unknown-feature', 'hle', 'kvm-a: reworded'),
      ]),
      { machineType: 'q35' },
    );
    expect(model.property).toBe('model');
    expect(parseHostFailure(model.reason)?.error?.kind).toBe('unknown-model');
    expect(feature.property).toBe('disabledFeatures');
    expect(parseHostFailure(feature.reason)?.error).toEqual({ kind: 'unknown-feature', message: 'kvm-a: reworded' });
  });

  it('a vCPU QEMU would not start is a failure on model, with QEMU\'s line: a "cannot", not a stage that failed', () => {
    const qemuStderr = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000ab';
    const [f] = hostFailures(report([verdict({ outcome: 'cannot', enforceable: false, resolvedModel: null, machineType: null, refusal: { kind: 'vcpu-start', name: 'host', qemuStderr } })]), { machineType: 'q35' });
    expect(f.property).toBe('model');
    expect(parseHostFailure(f.reason)?.error).toEqual({ kind: 'vcpu-start', message: qemuStderr });
  });

  it('a machine type the host\'s QEMU does not know is a failure on machineType: a "cannot", with QEMU\'s words', () => {
    const qemuStderr = 'qemu-system-x86_64: unsupported machine type: "pc-i440fx-2.0"';
    const [f] = hostFailures(report([verdict({ outcome: 'cannot', enforceable: false, resolvedModel: null, machineType: null, refusal: { kind: 'unknown-machine-type', name: 'pc-i440fx-2.0', qemuStderr } })]), { machineType: 'pc-i440fx-2.0' });
    expect(f.property).toBe('machineType');
    expect(parseHostFailure(f.reason)?.error).toEqual({ kind: 'unknown-machine-type', message: qemuStderr });
  });

  it('never name an input that can hold credentials: the engine prints its value beside the reason', () => {
    expect(failureOn('hosts', 'x')).toEqual({ property: '', reason: 'x' });
    expect(failureOn('inventory', 'x')).toEqual({ property: '', reason: 'x' });
    expect(failureOn('model', 'x')).toEqual({ property: 'model', reason: 'x' });
  });

  it('read nothing else', () => {
    expect(parseHostFailure('requiredFeatures: "avx9000" is not a CPU feature QEMU knows')).toBeUndefined();
  });
});

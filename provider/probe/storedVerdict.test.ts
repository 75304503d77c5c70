import type { HostVerdict } from '../model';
import { StoredVerdictSchema } from './storedVerdict';

/** An entry as written before verdicts carried outcome, stage, kind and message. */
const ANSWERED: Omit<HostVerdict, 'outcome'> = {
  name: 'kvm-01',
  enforceable: false,
  resolvedModel: 'Westmere-v1',
  machineType: 'pc-q35-4.2',
  missingFeatures: ['sha-ni'],
  blockers: [{ feature: 'sha-ni', layer: 'cpu', evidence: 'not in /proc/cpuinfo' }],
  qemuVersion: '4.2.0',
  accelerator: 'kvm',
  effectiveFeatures: ['aes', 'sse2'],
  probedAt: '2026-12-03T12:00:00.000Z',
  source: 'qom-unavailable-features',
};

describe('[cache-contradiction] a stored verdict must agree with itself', () => {
  it('takes what the exact-CPU check answers', () => {
    expect(StoredVerdictSchema.safeParse(ANSWERED).success).toBe(true);
    expect(StoredVerdictSchema.safeParse({ ...ANSWERED, enforceable: true, missingFeatures: [], blockers: undefined }).success).toBe(true);
  });

  it('reads an entry from before outcomes with them made from its data, and a current entry as it is', () => {
    const old = StoredVerdictSchema.parse(ANSWERED);
    expect(old).toMatchObject({ outcome: 'cannot', enforceable: false, stage: 'evaluate', kind: 'missing-features' });
    expect(old.message).toContain('sha-ni (cpu)');
    expect(StoredVerdictSchema.parse(old)).toEqual(old);
    expect(StoredVerdictSchema.safeParse({ ...old, outcome: 'can' }).success).toBe(false);
  });

  it.each<[string, Partial<HostVerdict>]>([
    ['enforceable with a missing feature', { enforceable: true }],
    ['not enforceable with nothing missing', { missingFeatures: [], blockers: undefined }],
    ['a missing feature without its layer', { blockers: undefined }],
    ['a layer for a feature that is not missing', { blockers: [{ feature: 'aes', layer: 'cpu', evidence: 'not in /proc/cpuinfo' }] }],
    ['undecided', { enforceable: null, error: 'kvm-01: could not connect' }],
    ['a refusal', { refusal: { kind: 'unknown-model', name: 'X', qemuStderr: '' } }],
    ['no QEMU version', { qemuVersion: null }],
    ['a missing feature that is effective', { effectiveFeatures: ['sha-ni'] }],
  ])('refuses %s', (_case, change) => {
    expect(StoredVerdictSchema.safeParse({ ...ANSWERED, ...change }).success).toBe(false);
  });
});

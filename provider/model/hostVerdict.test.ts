import { cannotReason, StoredHostVerdictSchema, type HostVerdict } from './hostVerdict';

const OLD = {
  name: 'kvm-a',
  resolvedModel: 'pentium3-v1',
  machineType: 'pc-q35-7.2',
  missingFeatures: [],
  qemuVersion: '7.2.22',
  accelerator: 'kvm',
  effectiveFeatures: [],
  probedAt: '2026-01-01T00:00:00.000Z',
  source: 'qom-unavailable-features',
} satisfies Partial<HostVerdict>;

describe('a verdict stored before verdicts had outcome', () => {
  it('reads with outcome from enforceable, and stage, kind and message from its data', () => {
    expect(StoredHostVerdictSchema.parse({ ...OLD, enforceable: true })).toMatchObject({ outcome: 'can', enforceable: true });
    const missing = StoredHostVerdictSchema.parse({ ...OLD, enforceable: false, missingFeatures: ['erms'], blockers: [{ feature: 'erms', layer: 'qemu', evidence: 'x' }] });
    expect(missing).toMatchObject({ outcome: 'cannot', stage: 'evaluate', kind: 'missing-features' });
    const refusal = { kind: 'unknown-model', name: 'X', qemuStderr: "qemu: unable to find CPU model 'X'" } as const;
    expect(StoredHostVerdictSchema.parse({ ...OLD, enforceable: false, error: 'kvm-a: refused', refusal })).toMatchObject({ outcome: 'cannot', stage: 'launch', kind: 'unknown-model', message: 'kvm-a: refused' });
  });

  it('an old undecided one keeps its words as message, and no stage or kind is made up from them', () => {
    const v = StoredHostVerdictSchema.parse({ ...OLD, enforceable: null, error: 'kvm-a: could not connect (connect): refused.' });
    expect(v).toMatchObject({ outcome: 'undecided', message: 'kvm-a: could not connect (connect): refused.' });
    expect(v.stage).toBeUndefined();
    expect(v.kind).toBeUndefined();
  });
});

describe('cannotReason: why a host cannot, in words (GitHub and JUnit lines)', () => {
  it('names what is missing with its layer, or the refusal', () => {
    expect(cannotReason({ missingFeatures: ['erms'], blockers: [{ feature: 'erms', layer: 'qemu', evidence: 'x' }] })).toBe('missing erms (qemu)');
    expect(cannotReason({ missingFeatures: [], refusal: { kind: 'unknown-model', name: 'X', qemuStderr: 'no' } })).toBe('its QEMU does not know CPU model X');
  });

  it("with nothing missing and no refusal (model 'auto', no model common to the fleet), the verdict's own message; never a bare \"missing \"", () => {
    const noBaseline = { missingFeatures: [], message: 'kvm-a: no CPU model is usable on every host: kvm-b lacks all of kvm-a’s' };
    expect(cannotReason(noBaseline)).toBe(noBaseline.message);
    expect(cannotReason({ missingFeatures: [] })).toBe('QEMU gave no reason');
  });
});

import { SelectionInputsSchema } from '../../inventory';
import { baselineFailures, carriedPin, driftWarning, pinFits, splitComputedInputs } from './autoPin';

const pin = { model: 'EPYC-Rome-v1', requiredFeatures: ['avx2', 'sse4.1', 'xsaves'], disabledFeatures: ['hle'], machineType: 'q35', accelerator: 'kvm' as const };
const question = { requiredFeatures: ['sse4.1'], disabledFeatures: ['hle'], machineType: 'q35', accelerator: 'kvm' as const };
const olds = { ...question, model: 'auto', hosts: [{ host: 'kvm-a' }], pinnedSelection: pin };

describe('the pin model auto keeps', () => {
  it('is kept while the question is the same: spelling, order and hosts do not matter', () => {
    expect(carriedPin(olds, { ...question, requiredFeatures: ['sse4_1'] })).toEqual(pin);
    expect(carriedPin({ ...olds, hosts: [{ host: 'kvm-b' }, { host: 'kvm-c' }] }, question)).toEqual(pin);
  });

  it('is not kept for another question, another model before, or no pin', () => {
    for (const change of [{ requiredFeatures: ['sse4.1', 'aes'] }, { requiredFeatures: [] }, { disabledFeatures: [] }, { machineType: 'pc-q35-7.2' }, { accelerator: 'tcg' as const }]) {
      expect(carriedPin(olds, { ...question, ...change })).toBeUndefined();
    }
    expect(carriedPin({ ...olds, model: 'EPYC-Rome' }, question)).toBeUndefined();
    expect(carriedPin({ ...olds, pinnedSelection: undefined }, question)).toBeUndefined();
    expect(carriedPin({ ...olds, pinnedSelection: { model: 'x' } }, question)).toBeUndefined();
    expect(carriedPin(undefined, question)).toBeUndefined();
  });

  it('fits only a question it answers', () => {
    expect(pinFits(pin, question)).toBe(true);
    expect(pinFits(pin, { ...question, requiredFeatures: ['avx512f'] })).toBe(false);
    expect(pinFits(pin, { ...question, disabledFeatures: ['hle', 'rtm'] })).toBe(false);
  });

  it('travels as computed inputs beside the program inputs', () => {
    expect(splitComputedInputs({ model: 'auto', pinnedSelection: pin, latestBaseline: 'garbage' })).toEqual({ user: { model: 'auto' }, computed: { pinned: pin, latest: undefined } });
  });

  it('the drift warning says what changed, that the pin is kept, and how to re-pin', () => {
    const message = driftWarning(pin, { ...pin, model: 'EPYC-Genoa-v1', requiredFeatures: ['avx2', 'sse4.1', 'avx512f'] }, { hosts: [{ name: 'kvm-a', host: 'a' }, { host: 'b.example.net' }] as never });
    expect(message).toBe(
      "CpuModelSelection model 'auto' (hosts kvm-a, b.example.net): the fleet's best CPU changed since it was pinned (model EPYC-Rome-v1 -> EPYC-Genoa-v1; features added: avx512f; features removed: xsaves). " +
        "The pinned CPU EPYC-Rome-v1,+avx2,+sse4.1,+xsaves,-hle is kept; latestBaseline and baselineDrift show the new one. To move to it, re-pin: pulumi up --replace <this resource's URN>.",
    );
  });

  it('no baseline: the reason on model, then the hosts that could not be asked', () => {
    const inputs = SelectionInputsSchema.parse({ model: 'auto', hosts: [{ name: 'dead', host: 'dead.example.net' }] });
    const report = {
      ok: false,
      decided: false,
      reason: '1 host could not be asked',
      hosts: [{ name: 'dead', qemuVersion: null, cpu: null, vendor: null, accelerator: null, machineType: null, usableModels: null, error: 'dead: could not connect (connect): ECONNREFUSED.', stage: 'connect', kind: 'connection' }],
      verification: null,
    };
    expect(baselineFailures(report as never, inputs)).toEqual([
      { property: 'model', reason: "model 'auto': could not ask every host: 1 host could not be asked" },
      { property: '', reason: 'host=dead model=auto machine=default error=connect: dead: could not connect (connect): ECONNREFUSED.' },
    ]);
  });
});

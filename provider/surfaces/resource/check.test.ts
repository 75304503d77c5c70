/**
 * Check's validation, with hosts that are never asked: everything here is
 * decided before any connection (the protocol tests ask real hosts).
 */
import { TransportPool } from '../../probe';
import { checkSelection } from './check';

const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const pool = new TransportPool({}, async () => {
  throw new Error('no host may be asked in these tests');
});
const ctx = { pool, isUnknown: (v: unknown) => v === UNKNOWN, wrapSecret: (value: unknown) => ({ secret: value }) };
const host = { name: 'kvm-a', host: 'kvm-a.example.net', privateKey: 'KEY-0123456789' };

describe('checkSelection before any host is asked', () => {
  it('reports every schema problem at once, and names no input that holds credentials', async () => {
    const { failures } = await checkSelection({ hosts: [{ ...host, port: 0 }], model: 'bad model', accelerator: 'xen', extra: 1 }, ctx);
    expect(failures).toEqual(
      expect.arrayContaining([
        { property: '', reason: expect.stringMatching(/^hosts\.0\.port: /) },
        { property: 'model', reason: expect.stringMatching(/^model: /) },
        { property: 'accelerator', reason: expect.stringMatching(/^accelerator: /) },
        { property: '', reason: expect.stringMatching(/Unrecognized key.*extra/) },
      ]),
    );
    expect(failures).toHaveLength(4);
  });

  it("model 'auto' with a host not known yet: nothing to pin, no failure, no host asked", async () => {
    const result = await checkSelection({ hosts: [host, { ...host, name: 'kvm-b', host: UNKNOWN }], model: 'auto' }, ctx);
    expect(result).toEqual({ inputs: expect.any(Object), failures: [], messages: [] });
    expect(result.inputs).not.toHaveProperty('pinnedSelection');
  });

  it("model 'auto' keeps the stored pin while the question is the same, even before the hosts are known", async () => {
    const pin = { model: 'EPYC-Rome-v1', requiredFeatures: ['avx2', 'sse4.1'], disabledFeatures: [], machineType: 'q35', accelerator: 'kvm' };
    const olds = { hosts: [host], model: 'auto', requiredFeatures: ['sse4.1'], disabledFeatures: [], machineType: 'q35', accelerator: 'kvm', pinnedSelection: pin, latestBaseline: pin };
    const news = { hosts: [{ ...host, host: UNKNOWN }], model: 'auto', requiredFeatures: ['sse4_1'] };
    const kept = await checkSelection(news, ctx, olds);
    expect(kept.failures).toEqual([]);
    expect(kept.inputs).toEqual(expect.objectContaining({ pinnedSelection: pin, latestBaseline: pin }));
    // Another question (a new required feature) is not answered by the old pin: a new one is found once the hosts are known.
    const other = await checkSelection({ ...news, requiredFeatures: ['sse4_1', 'aes'] }, ctx, olds);
    expect(other.inputs).not.toHaveProperty('pinnedSelection');
  });

  it('the computed inputs cannot be set by the program', async () => {
    const { failures } = await checkSelection({ hosts: [host], model: 'auto', pinnedSelection: { model: 'qemu64' } }, ctx);
    expect(failures).toEqual([{ property: '', reason: expect.stringMatching(/Unrecognized key.*pinnedSelection/) }]);
  });

  it('refuses a selection without hosts', async () => {
    expect((await checkSelection({ model: 'pentium3' }, ctx)).failures).toEqual([{ property: '', reason: 'hosts: name at least one host' }]);
  });

  it('refuses feature names unknown after normalization, per input', async () => {
    const { failures } = await checkSelection({ hosts: [host], model: 'pentium3', requiredFeatures: ['avx9000', 'sse4_1'], disabledFeatures: ['sse4-1'] }, ctx);
    expect(failures).toEqual([
      { property: 'requiredFeatures', reason: 'requiredFeatures: "avx9000" is not a CPU feature QEMU knows' },
      { property: 'requiredFeatures', reason: 'sse4.1 is both required and disabled' },
    ]);
  });

  it('skips values not known yet: no failure, no host asked', async () => {
    for (const news of [
      { hosts: [host], model: UNKNOWN },
      { hosts: UNKNOWN, model: 'pentium3' },
      { hosts: [{ ...host, host: UNKNOWN }], model: 'pentium3' },
      { hosts: [host], model: 'pentium3', requiredFeatures: [UNKNOWN] },
      { hosts: [{ ...host, port: UNKNOWN }], model: 'pentium3', concurrency: UNKNOWN },
    ]) {
      expect(await checkSelection(news, ctx)).toEqual({ inputs: expect.any(Object), failures: [], messages: [] });
    }
  });

  it('still reports what is known to be wrong beside what is not known', async () => {
    const { failures } = await checkSelection({ hosts: [{ ...host, host: UNKNOWN }], model: UNKNOWN, accelerator: 'xen' }, ctx);
    expect(failures).toEqual([{ property: 'accelerator', reason: expect.stringMatching(/^accelerator: /) }]);
  });

  it('returns the inputs with every host secret marked, defaults filled in when all is known', async () => {
    const { inputs } = await checkSelection({ hosts: [{ ...host, host: UNKNOWN, proxy: { host: 'jump', password: 'pw-0123456789' } }], model: UNKNOWN }, ctx);
    expect(inputs.hosts).toEqual([{ ...host, host: UNKNOWN, privateKey: { secret: host.privateKey }, proxy: { host: 'jump', password: { secret: 'pw-0123456789' } } }]);
    const known = await checkSelection({ hosts: [host], model: 'pentium3', requiredFeatures: ['avx9000'] }, ctx);
    expect(known.inputs).toEqual(expect.objectContaining({ accelerator: 'kvm', concurrency: 16 }));
    expect(known.inputs.hosts).toEqual([expect.objectContaining({ port: 22, privateKey: { secret: host.privateKey } })]);
  });
});

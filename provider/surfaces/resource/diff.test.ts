import { renderCpu } from '../../model';
import { judgeFleet, type SelectionReport } from '../../probe';
import { SelectionInputsSchema } from '../../inventory';
import { diffSelection } from './diff';
import { toOutputs } from './selectionOutputs';

const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const ctx = { isUnknown: (v: unknown) => v === UNKNOWN };

const news = {
  hosts: [{ name: 'kvm-a', host: 'kvm-a.example.net', privateKey: 'KEY-1' }],
  model: 'pentium3',
  requiredFeatures: ['sse4_1'],
};
const inputs = SelectionInputsSchema.parse(news);
const report = (ok: boolean): SelectionReport => ({
  ok,
  decided: true,
  model: 'pentium3',
  resolvedModel: 'pentium3-v1',
  requiredFeatures: ['sse4.1'],
  disabledFeatures: [],
  ...renderCpu({ model: 'pentium3-v1', requiredFeatures: ['sse4.1'], disabledFeatures: [] }),
  effectiveFeatures: [],
  hosts: [],
  ...judgeFleet([], [], {}),
});
const olds = (ok = true) => toOutputs(inputs, report(ok), []) as unknown as Record<string, unknown>;

describe('diffSelection', () => {
  it('the same inputs, defaults left out or not, are no change', () => {
    expect(diffSelection(olds(), news, ctx)).toEqual({ changes: false, diffs: [], replaces: [], deleteBeforeReplace: false, staleVerdict: false });
    expect(diffSelection(olds(), { ...inputs }, ctx).changes).toBe(false);
  });

  it('a changed model, feature, machine type or accelerator is an update, never a replacement', () => {
    for (const change of [{ model: 'pentium2' }, { requiredFeatures: ['avx2'] }, { machineType: 'pc-i440fx-2.0' }, { accelerator: 'tcg' }]) {
      const d = diffSelection(olds(), { ...news, ...change }, ctx);
      expect(d).toEqual(expect.objectContaining({ changes: true, diffs: Object.keys(change), replaces: [] }));
    }
  });

  it('a rotated key is an update: the stored credentials must follow', () => {
    const d = diffSelection(olds(), { ...news, hosts: [{ ...news.hosts[0], privateKey: 'KEY-2' }] }, ctx);
    expect(d.diffs).toEqual(['hosts']);
  });

  it('a value not known yet counts as changed', () => {
    expect(diffSelection(olds(), { ...news, model: UNKNOWN }, ctx).diffs).toEqual(['model']);
    expect(diffSelection(olds(), { ...news, hosts: [{ ...news.hosts[0], host: UNKNOWN }] }, ctx).diffs).toEqual(['hosts']);
  });

  it('stored outputs that say a host could not enforce the CPU are a change, so the next up asks again', () => {
    expect(diffSelection(olds(false), news, ctx)).toEqual(expect.objectContaining({ changes: true, diffs: [], staleVerdict: true }));
  });

  it('state stored before an output format existed (no fields of the formats after -cpu and libvirt) is read as it was: no change', () => {
    const { proxmoxCpu: _p, proxmoxCpuModelsConf: _m, proxmoxCpuReason: _r, kubevirtCpu: _k, kubevirtNodeLabels: _l, kubevirtCpuReason: _kr, novaLibvirtConf: _n, novaLibvirtConfReason: _nr, ...older } = olds() as Record<string, unknown>;
    expect(diffSelection(older, news, ctx)).toEqual(expect.objectContaining({ changes: false, staleVerdict: false }));
  });

  it('state written before verdicts had outcome still reads: the same inputs are no change', () => {
    const verdict = { name: 'kvm-a', resolvedModel: 'pentium3-v1', machineType: 'pc-q35-7.2', missingFeatures: [], qemuVersion: '7.2.22', accelerator: 'kvm', effectiveFeatures: [], probedAt: '2026-01-01T00:00:00.000Z', source: 'qom-unavailable-features' };
    const before = { ...olds(), reports: [{ ...verdict, enforceable: true }, { ...verdict, name: 'dead', enforceable: null, error: 'dead: could not connect (connect): refused.' }] };
    expect(diffSelection(before, news, ctx)).toEqual(expect.objectContaining({ changes: false, diffs: [] }));
  });

  it('state this version cannot read is rewritten', () => {
    expect(diffSelection({ model: 'pentium3' }, news, ctx).changes).toBe(true);
  });

  describe("model 'auto'", () => {
    const pin = { model: 'EPYC-Rome-v1', requiredFeatures: ['avx2'], disabledFeatures: [], machineType: 'q35', accelerator: 'kvm' as const };
    const best = { ...pin, model: 'EPYC-Genoa-v1', requiredFeatures: ['avx2', 'avx512f'] };
    const autoInputs = SelectionInputsSchema.parse({ ...news, model: 'auto', requiredFeatures: [] });
    const stored = toOutputs(autoInputs, report(true), [], { pinnedSelection: pin, latestBaseline: pin }) as unknown as Record<string, unknown>;
    const autoNews = { ...news, model: 'auto', requiredFeatures: [] };

    it('the same pin and the same fleet best are no change; the computed inputs are not mistaken for unknown inputs', () => {
      expect(diffSelection(stored, { ...autoNews, pinnedSelection: pin, latestBaseline: pin }, ctx).changes).toBe(false);
    });

    it("a new fleet best is a change of latestBaseline only: the pin stays", () => {
      expect(diffSelection(stored, { ...autoNews, pinnedSelection: pin, latestBaseline: best }, ctx)).toEqual(expect.objectContaining({ changes: true, diffs: ['latestBaseline'], replaces: [] }));
    });

    it('a new pin (the question changed, or a targeted replace) shows as such', () => {
      const d = diffSelection(stored, { ...autoNews, requiredFeatures: ['avx512f'], pinnedSelection: best, latestBaseline: best }, ctx);
      expect(d.diffs).toEqual(['requiredFeatures', 'pinnedSelection', 'latestBaseline']);
    });
  });
});

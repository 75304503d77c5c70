import { archProfile, hostModelBaseline, renderCpu, type HostCapabilities, type NormalizedSelection } from '../model';
import type { BaselineReport } from './baselineReport';
import { candidateOutcome, lackingReason, unaskedReason } from './baselineReasons';
import { withTruth } from './baselineTruth';
import type { FleetSelection } from './selectionInputs';
import { verifySelection, withDemands, type VerifyOptions } from './verifySelection';

/**
 * The baseline of a fleet whose architecture's profile says 'host-model'
 * (aarch64): the host model with the properties every host gives on and the
 * others off (model/hostModelBaseline.ts), confirmed by the ground truth in
 * one round: one paused VM per host.
 *
 * @param report - the report so far (hosts probed, nothing chosen).
 */
export async function findHostModelBaseline(
  inputs: FleetSelection,
  base: NormalizedSelection,
  caps: HostCapabilities[],
  report: BaselineReport,
  verifyOptions: VerifyOptions,
): Promise<BaselineReport> {
  const cpu = hostModelBaseline(caps, base);
  const arch = caps[0].arch;
  const candidate = { model: cpu.model, family: cpu.model, version: null, vendor: null, released: null };
  const asked = { ...inputs, minimumLevel: undefined, requireMigratable: false };
  const truth = await verifySelection({ ...asked, model: cpu.model, requiredFeatures: cpu.requiredFeatures, disabledFeatures: cpu.disabledFeatures }, verifyOptions);
  const tried = [candidateOutcome(candidate, truth)];
  if (cpu.lacking.length > 0) return withTruth({ ...report, candidates: tried, reason: lackingReason(cpu.lacking) }, truth, caps);
  if (!truth.decided) return withTruth({ ...report, decided: false, candidates: tried, reason: unaskedReason(truth) }, truth, caps);
  if (!truth.ok) {
    const refused = truth.hosts.filter((h) => h.outcome === 'cannot').map((h) => `${h.name}: ${h.message ?? h.kind}`).join('; ');
    return withTruth({ ...report, candidates: tried, reason: `the host model ${cpu.model} with the properties every host offers is refused: ${refused}` }, truth, caps);
  }
  const selection = { model: cpu.model, requiredFeatures: cpu.requiredFeatures, disabledFeatures: cpu.disabledFeatures, machineType: base.machineType ?? archProfile(arch).defaultMachineType, accelerator: base.accelerator };
  return withTruth(
    {
      ...report,
      ok: true,
      reason: null,
      model: cpu.model,
      extraFeatures: cpu.extras,
      refusedExtras: [],
      selection,
      ...renderCpu({ model: cpu.model, requiredFeatures: cpu.requiredFeatures, disabledFeatures: cpu.disabledFeatures, arch }),
      candidates: tried,
    },
    withDemands(truth, inputs),
    caps,
  );
}

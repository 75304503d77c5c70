import { renderCpu } from '../../model';
import { baselineHostProblem, judgeFleet, type BaselineReport, type SelectionReport } from '../../probe';
import type { SelectionInputs } from '../../inventory';

/**
 * A check of `model: auto` answered in the shape of any other check: the
 * baseline's ground truth, with the model "as asked" being 'auto'. Without
 * a ground truth (a host could not be probed, or no model is common to all
 * hosts) each host carries the reason.
 */
export function autoSelectionReport(baseline: BaselineReport, inputs: SelectionInputs): SelectionReport {
  if (baseline.verification) return { ...baseline.verification, model: 'auto' };
  const hosts: SelectionReport['hosts'] = baseline.hosts.map((h) => {
    // Undecided where the host (or another) could not be asked; otherwise the fleet has no common model, which no host can fix alone.
    const problem = baselineHostProblem(h) ?? { stage: 'evaluate', kind: 'no-baseline', message: `${h.name}: ${baseline.reason ?? 'no baseline'}` };
    const outcome = h.error !== undefined || !baseline.decided ? ('undecided' as const) : ('cannot' as const);
    return {
      name: h.name,
      outcome,
      stage: problem.stage,
      kind: problem.kind,
      message: problem.message,
      ...(problem.qemuStderr ? { qemuStderr: problem.qemuStderr } : {}),
      enforceable: outcome === 'undecided' ? null : false,
      resolvedModel: null,
      machineType: h.machineType,
      missingFeatures: [],
      qemuVersion: h.qemuVersion,
      accelerator: h.accelerator ?? inputs.accelerator,
      effectiveFeatures: [],
      probedAt: new Date().toISOString(),
      source: null,
      error: problem.message,
    };
  });
  const requiredFeatures = inputs.requiredFeatures;
  const disabledFeatures = inputs.disabledFeatures;
  return {
    ok: false,
    decided: baseline.decided,
    model: 'auto',
    resolvedModel: 'auto',
    requiredFeatures,
    disabledFeatures,
    ...renderCpu({ model: 'auto', requiredFeatures, disabledFeatures }),
    effectiveFeatures: [],
    hosts,
    ...judgeFleet(hosts, requiredFeatures, {}),
  };
}

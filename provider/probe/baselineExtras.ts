import { connectionLabel } from '../launcher';
import { commonExtraFeatures, type HostCapabilities, type NormalizedSelection } from '../model';
import { runBounded } from './runBounded';
import type { HostEntry } from './selectionInputs';
import type { SelectionReport } from './verifySelection';

/** Ask the ground truth for `model` with these required features, on every host or on those given. */
export type Verifier = (model: string, required: string[], hosts?: HostEntry[]) => Promise<SelectionReport>;

/** Single-feature checks run at once on one host: the transport's default channel limit. */
const ISOLATION_PARALLELISM = 8;

/**
 * Add the features every host model has and the model does not guarantee
 * (commonExtraFeatures), then let the ground truth narrow them: features a
 * host reports missing are dropped; a host where QEMU fails to start with
 * the extras (having started with the model alone) is asked one extra at a
 * time, and the extras it cannot start with are dropped. At most `rounds`
 * full checks; the model alone when the extras never settle.
 *
 * @returns the last ground truth and the extras it confirmed; an undecided
 *   truth when a host could not be asked at all.
 */
export async function confirmExtras(
  caps: readonly HostCapabilities[],
  hosts: readonly HostEntry[],
  modelTruth: SelectionReport,
  base: NormalizedSelection,
  verify: Verifier,
  rounds: number,
): Promise<ConfirmedExtras> {
  const model = modelTruth.resolvedModel;
  let extras = commonExtraFeatures(caps, modelTruth.effectiveFeatures, base);
  const refusedBy: ConfirmedExtras['refused'] = [];
  for (let round = 0; round < rounds && extras.length > 0; round++) {
    const truth = await verify(model, [...base.requiredFeatures, ...extras]);
    if (truth.ok) return { truth, extras, refused: refusedBy };
    const refused = new Set<string>();
    for (const h of truth.hosts.filter((v) => v.missingFeatures.length > 0)) {
      h.missingFeatures.forEach((f) => refused.add(f));
      refusedBy.push({ host: h.name, features: h.missingFeatures, why: 'missing' });
    }
    const failed = hosts.filter((e) => truth.hosts.some((h) => h.name === connectionLabel(e) && h.outcome === 'undecided'));
    for (const entry of failed) {
      const culprits = await isolate(entry, model, base, extras, verify);
      if (culprits === undefined) return { truth, extras, refused: refusedBy };
      culprits.forEach((f) => refused.add(f));
      refusedBy.push({ host: connectionLabel(entry), features: culprits, why: 'qemu-failed-to-start' });
    }
    const narrowed = extras.filter((f) => !refused.has(f));
    // A refusal of something not among the extras (a dependency QEMU pulled in) cannot be narrowed away.
    if (narrowed.length === extras.length) break;
    extras = narrowed;
  }
  return { truth: modelTruth, extras: [], refused: refusedBy };
}

/** What confirmExtras found. */
export interface ConfirmedExtras {
  truth: SelectionReport;
  extras: string[];
  /** Common features the ground truth refused, per host and round: missing from the vCPU, or QEMU would not start with them. */
  refused: Array<{ host: string; features: string[]; why: 'missing' | 'qemu-failed-to-start' }>;
}

/**
 * The extras QEMU on this host cannot start with, each tried alone on top
 * of the model; undefined when the host answers none of the tries (it is
 * gone, not the extras).
 */
async function isolate(entry: HostEntry, model: string, base: NormalizedSelection, extras: string[], verify: Verifier): Promise<string[] | undefined> {
  const verdicts = await runBounded(extras, ISOLATION_PARALLELISM, async (f) => (await verify(model, [...base.requiredFeatures, f], [entry])).hosts[0]);
  if (verdicts.every((v) => v.outcome === 'undecided')) return undefined;
  return extras.filter((_, i) => verdicts[i].outcome !== 'can');
}

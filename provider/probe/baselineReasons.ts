import type { BaselineCandidate } from '../model';
import type { BaselineReport } from './baselineReport';
import type { SelectionReport } from './verifySelection';

/** One candidate model and what the ground truth said about it. */
type TriedCandidate = BaselineReport['candidates'][number];

/** A candidate the ground truth answered: confirmed where every host enforces it, else rejected with what each host lacks. */
export function candidateOutcome(candidate: BaselineCandidate, truth: SelectionReport): TriedCandidate {
  return {
    ...candidate,
    outcome: truth.ok ? 'confirmed' : 'rejected',
    missing: truth.hosts.filter((h) => h.missingFeatures.length > 0).map((h) => ({ host: h.name, features: h.missingFeatures })),
  };
}

/** Why there is no baseline when the ground truth could not ask some hosts. */
export function unaskedReason(truth: SelectionReport): string {
  return `could not ask ${truth.hosts.filter((h) => h.outcome === 'undecided').map((h) => h.name).join(', ')} for the ground truth`;
}

/** Why there is no baseline when some host model lacks a required feature. */
export function lackingReason(lacking: ReadonlyArray<{ host: string; features: readonly string[] }>): string {
  return `a required feature is missing: ${lacking.map((l) => `${l.host} lacks ${l.features.join(', ')}`).join('; ')}`;
}

import { SelectionInputsSchema } from '../../inventory';
import { isAutoModel } from '../../model';
import { splitComputedInputs } from './autoPin';
import { resolveContext, type ResourceContext } from './context';
import { appliedInputs, StoredOutputsSchema } from './selectionOutputs';
import { touchesUnknown, unknownPaths } from './unknownValues';

/** What Diff answers. `replaces` is always empty: see {@link diffSelection}. */
export interface DiffResult {
  changes: boolean;
  /** The input properties that differ; for model 'auto' also the computed inputs pinnedSelection and latestBaseline. */
  diffs: string[];
  replaces: string[];
  deleteBeforeReplace: false;
  /** Set when the stored outputs say some host could not enforce the CPU at the last create, update or refresh. */
  staleVerdict: boolean;
}

/**
 * Compare the stored outputs with new inputs. CpuModelSelection provisions
 * nothing on any host: it is a verified answer. So nothing calls for a
 * replacement; any change of an input is an update, which asks the hosts
 * again and rewrites the outputs under the same ID. Stored outputs that say
 * some host could not enforce the CPU (a refresh found a host changed) are a
 * change too, so the next `pulumi up` asks again and refuses until the
 * hosts or the inputs are fixed.
 *
 * Model 'auto': Check computes `pinnedSelection` and `latestBaseline`
 * among the new inputs. A `latestBaseline` other than the stored one (the
 * fleet's best changed) is a change, so the preview shows it; the update it
 * leads to records the new best and keeps the pinned CPU.
 */
export function diffSelection(olds: Record<string, unknown>, news: Record<string, unknown>, context?: ResourceContext): DiffResult {
  const ctx = resolveContext(context);
  const keys = Object.keys(SelectionInputsSchema.shape);
  const result = (diffs: string[], staleVerdict: boolean): DiffResult => ({
    changes: diffs.length > 0 || staleVerdict,
    diffs,
    replaces: [],
    deleteBeforeReplace: false,
    staleVerdict,
  });
  const old = StoredOutputsSchema.safeParse(olds);
  // State this version cannot read is rewritten by an update.
  if (!old.success) return result(keys, true);
  const before: Record<string, unknown> = appliedInputs(old.data);
  const { user, computed } = splitComputedInputs(news);
  const unknowns = unknownPaths(user, ctx.isUnknown);
  const parsed = SelectionInputsSchema.safeParse(user);
  const after: Record<string, unknown> = parsed.success ? parsed.data : user;
  const diffs = keys.filter((k) => touchesUnknown([k], unknowns) || canonicalJson(before[k]) !== canonicalJson(after[k]));
  if (isAutoModel(after.model)) {
    if (computed.pinned && canonicalJson(computed.pinned) !== canonicalJson(old.data.pinnedSelection)) diffs.push('pinnedSelection');
    if (computed.latest && canonicalJson(computed.latest) !== canonicalJson(old.data.latestBaseline)) diffs.push('latestBaseline');
  }
  return result(diffs, !old.data.enforceable);
}

/** JSON with object keys sorted, so equal values compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

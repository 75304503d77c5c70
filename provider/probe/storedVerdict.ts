import { z } from 'zod';
import { StoredHostVerdictSchema } from '../model';

/**
 * A verdict as the fingerprint cache may hold one: what the exact-CPU check
 * answers (evaluateCpuCheck), never an undecided or refused verdict (those
 * are not stored), and agreeing with itself. An entry that contradicts
 * itself (`enforceable: true` with a missing feature, a missing feature
 * that is also effective) was not written by qemu-cpu as it is: it is a
 * miss, and QEMU is asked again. Entries written before verdicts carried
 * outcome, stage, kind and message get them from their data
 * (StoredHostVerdictSchema), so they stay valid.
 */
export const StoredVerdictSchema = StoredHostVerdictSchema.superRefine((verdict, ctx) => {
  const contradiction = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  if (verdict.enforceable === null) contradiction('an undecided verdict is never stored');
  else if (verdict.enforceable !== (verdict.missingFeatures.length === 0)) contradiction('enforceable must be true exactly when no feature is missing');
  if (verdict.refusal !== undefined || verdict.error !== undefined) contradiction('a refusal or an error is never stored');
  if (verdict.resolvedModel === null || verdict.machineType === null || verdict.qemuVersion === null) contradiction('an answered verdict names its model, machine type and QEMU version');
  if (verdict.missingFeatures.some((f) => verdict.effectiveFeatures.includes(f))) contradiction('a missing feature cannot be effective');
  const layered = (verdict.blockers ?? []).map((b) => b.feature);
  if (layered.length !== verdict.missingFeatures.length || verdict.missingFeatures.some((f) => !layered.includes(f))) {
    contradiction('blockers name exactly the missing features, each with its layer');
  }
  if (verdict.outcome !== (verdict.enforceable === true ? 'can' : 'cannot')) contradiction('outcome must agree with enforceable');
});


import { z } from 'zod';
import { compareNewest, modelGeneration, parseModelName, vendorOf, type ModelVendor } from './baselineOrder';
import type { HostCapabilities } from './capabilities';
import { featureGap } from './capabilities';
import { isThirtyTwoBitModel, NOT_A_BASELINE, vendorRule, type BaselinePolicy } from './baselinePolicy';

/**
 * Features QEMU refuses to live-migrate, with the reason. QEMU leaves them
 * out of `-cpu host` and `max` while `migratable=on` (the default), so they
 * only reach a guest when asked for by name.
 */
export const NON_MIGRATABLE_FEATURES: ReadonlyMap<string, string> = new Map([
  [
    'invtsc',
    'QEMU marks invariant TSC unmigratable (feature word 8000_0007 EDX): the destination host may tick at another rate, so QEMU blocks migration of a guest that has it',
  ],
]);

/** A named model every host lists, can run, and resolves to itself. */
export const BaselineCandidateSchema = z.object({
  model: z.string().describe("The concrete model name, e.g. 'SandyBridge-v1'."),
  family: z.string().describe("Its family, e.g. 'SandyBridge'."),
  version: z.number().int().nullable().describe('The N of -vN; null for names without a version.'),
  vendor: z.enum(['intel', 'amd', 'hygon', 'zhaoxin', 'generic']).nullable().describe('Whose CPUs the model imitates; null for families the order table does not know.'),
  released: z.string().nullable().describe('First shipment of the microarchitecture, YYYY-MM; null when unknown.'),
});
export type BaselineCandidate = z.infer<typeof BaselineCandidateSchema>;

/** A feature that keeps a guest from live-migrating between some of the hosts. */
export const MigrationBlockerSchema = z.object({
  feature: z.string().describe('QEMU feature name.'),
  kind: z
    .enum(['not-on-every-host', 'non-migratable'])
    .describe("'not-on-every-host': some hosts can give it and others cannot; 'non-migratable': QEMU refuses to migrate a guest that has it."),
  hosts: z.array(z.string()).describe('The hosts whose QEMU can give a guest this feature (for non-migratable features: every host).'),
  missingOn: z.array(z.string()).describe('The hosts that cannot.'),
  inSelection: z.boolean().describe('The baseline CPU contains the feature (only possible for required features).'),
  reason: z.string(),
});
export type MigrationBlocker = z.infer<typeof MigrationBlockerSchema>;

/**
 * The host CPU's CPUID vendor. Under KVM QEMU's host model reports the
 * host's own (what a guest of `-cpu host` sees); under TCG it reports
 * what TCG emulates, so /proc/cpuinfo comes first there.
 */
export function hostCpuVendor(h: HostCapabilities): string | undefined {
  const cpu = h.hostCpu?.arch === 'x86_64' ? h.hostCpu : undefined;
  return h.accelerator === 'kvm' ? h.hostModel.vendor ?? cpu?.vendor : cpu?.vendor ?? h.hostModel.vendor;
}

/** The host CPU's brand string, preferring the same source as {@link hostCpuVendor}. */
export function hostCpuName(h: HostCapabilities): string | undefined {
  const cpu = h.hostCpu?.arch === 'x86_64' ? h.hostCpu : undefined;
  return h.accelerator === 'kvm' ? h.hostModel.modelId ?? cpu?.modelName : cpu?.modelName ?? h.hostModel.modelId;
}

/** The CPU vendor of each host. */
export function hostVendors(hosts: readonly HostCapabilities[]): Array<ModelVendor | undefined> {
  return hosts.map((h) => vendorOf(hostCpuVendor(h)));
}

/**
 * The named models a baseline can use, newest first (see compareNewest):
 * listed by every host's QEMU, concrete (not an alias, not host/max/base),
 * migration-safe, and usable on every host once `disabledFeatures` are
 * switched off, i.e. every blocker QEMU names is a disabled feature; never
 * a 32-bit model, and for a fleet of one vendor only that vendor's models
 * or generic ones (see baselinePolicy).
 */
export function baselineCandidates(hosts: readonly HostCapabilities[], disabledFeatures: readonly string[] = []): BaselineCandidate[] {
  const rule = vendorRule(hostVendors(hosts));
  const names = runnableEverywhere(hosts, disabledFeatures).filter((n) => !isThirtyTwoBitModel(n) && rule.allows(n));
  const deprecated = new Set(hosts.flatMap((h) => h.models.filter((m) => m.deprecated).map((m) => m.name)));
  const ctx = { hostVendors: hostVendors(hosts), deprecated };
  return names.sort((a, b) => compareNewest(a, b, ctx)).map(describeCandidate);
}

/** Which models the baseline may pick for this fleet, and the runnable ones it leaves out (32-bit, another vendor's). */
export function baselinePolicy(hosts: readonly HostCapabilities[], disabledFeatures: readonly string[] = []): BaselinePolicy {
  const rule = vendorRule(hostVendors(hosts));
  const leftOut = runnableEverywhere(hosts, disabledFeatures).flatMap((model): BaselinePolicy['leftOut'] => {
    if (isThirtyTwoBitModel(model)) return [{ model, why: '32-bit' }];
    return rule.allows(model) ? [] : [{ model, why: 'other-vendor' }];
  });
  return { fleetVendors: rule.fleetVendors, crossVendor: rule.crossVendor, note: rule.note, leftOut };
}

/** Concrete, migration-safe named models every host lists and can run with `disabledFeatures` off, in the first host's order. */
function runnableEverywhere(hosts: readonly HostCapabilities[], disabledFeatures: readonly string[]): string[] {
  if (hosts.length === 0) return [];
  const disabled = new Set(disabledFeatures);
  const fits = (h: HostCapabilities, name: string) => {
    const m = h.models.find((x) => x.name === name);
    if (m === undefined || m.aliasOf !== null || !m.migrationSafe) return false;
    return m.usable || (m.blockers.length > 0 && m.blockers.every((f) => disabled.has(f)));
  };
  return hosts[0].models.map((m) => m.name).filter((n) => !NOT_A_BASELINE.has(n) && hosts.every((h) => fits(h, n)));
}

/** The order table's view of one model. */
export function describeCandidate(model: string): BaselineCandidate {
  const { family, version } = parseModelName(model);
  const gen = modelGeneration(model);
  return { model, family, version, vendor: gen?.vendor ?? null, released: gen?.released ?? null };
}

/**
 * Required features some host cannot give any guest, per host, judged by
 * the host model QEMU reported. Non-migratable features are left to the
 * ground truth: the (migratable) host model never lists them.
 */
export function lackingRequiredFeatures(hosts: readonly HostCapabilities[], requiredFeatures: readonly string[]): Array<{ host: string; features: string[] }> {
  const wanted = requiredFeatures.filter((f) => !NON_MIGRATABLE_FEATURES.has(f));
  return hosts.map((h) => ({ host: h.host, features: featureGap(h, wanted).missing })).filter((x) => x.features.length > 0);
}

/**
 * The largest set of features to add to a model: those every host's QEMU
 * can give a guest, minus what the model already guarantees on every host,
 * what is required or disabled anyway, and what QEMU would not migrate.
 *
 * @param guaranteed - features the model alone gives the guest on every host (ground truth).
 */
export function commonExtraFeatures(
  hosts: readonly HostCapabilities[],
  guaranteed: readonly string[],
  selection: { requiredFeatures: readonly string[]; disabledFeatures: readonly string[] },
): string[] {
  if (hosts.length === 0) return [];
  const skip = new Set([...guaranteed, ...selection.requiredFeatures, ...selection.disabledFeatures, ...NON_MIGRATABLE_FEATURES.keys()]);
  const others = hosts.slice(1).map((h) => new Set(h.hostModel.features));
  return hosts[0].hostModel.features.filter((f) => !skip.has(f) && others.every((s) => s.has(f))).sort();
}

/**
 * Features that block live migration between these hosts: those some
 * hosts' QEMU can give a guest and others cannot (a guest started with one
 * cannot move to a host without it), and non-migratable features the
 * selection asks for.
 */
export function migrationBlockers(hosts: readonly HostCapabilities[], selected: readonly string[]): MigrationBlocker[] {
  const names = hosts.map((h) => h.host);
  const blockers: MigrationBlocker[] = [];
  for (const feature of selected) {
    const reason = NON_MIGRATABLE_FEATURES.get(feature);
    if (reason) blockers.push({ feature, kind: 'non-migratable', hosts: names, missingOn: [], inSelection: true, reason });
  }
  const all = [...new Set(hosts.flatMap((h) => h.hostModel.features))].sort();
  for (const feature of all) {
    const having = hosts.filter((h) => h.hostModel.features.includes(feature)).map((h) => h.host);
    if (having.length === hosts.length) continue;
    blockers.push({
      feature,
      kind: 'not-on-every-host',
      hosts: having,
      missingOn: names.filter((n) => !having.includes(n)),
      inSelection: selected.includes(feature),
      reason: `only ${having.length} of ${hosts.length} hosts can give it: a guest that has it cannot move to the others`,
    });
  }
  return blockers;
}

/** How a pinned CPU differs from the fleet's current best: the one definition, also of CpuModelSelection's baselineDrift output. */
export const BaselineDriftSchema = z
  .object({
    changed: z.boolean().describe("The fleet's best CPU differs from the pinned one (model or features)."),
    modelChanged: z.boolean().describe("The fleet's best model differs from the pinned model."),
    pinnedModel: z.string().describe('The pinned model.'),
    bestModel: z.string().describe("The fleet's best model now."),
    addedFeatures: z.array(z.string()).describe('Features the best CPU has that the pinned one does not.'),
    removedFeatures: z.array(z.string()).describe('Features the pinned CPU has that the best one does not.'),
  })
  .describe("How the pinned CPU compares with the fleet's best CPU as of the last check, update or refresh.");
export type BaselineDrift = z.infer<typeof BaselineDriftSchema>;

/** Compare a pinned baseline with a fresh one (model and required features; order does not matter). Pure. */
export function baselineDrift(
  pinned: { model: string; requiredFeatures: readonly string[] },
  best: { model: string; requiredFeatures: readonly string[] },
): BaselineDrift {
  const addedFeatures = best.requiredFeatures.filter((f) => !pinned.requiredFeatures.includes(f)).sort();
  const removedFeatures = pinned.requiredFeatures.filter((f) => !best.requiredFeatures.includes(f)).sort();
  const modelChanged = pinned.model !== best.model;
  return {
    changed: modelChanged || addedFeatures.length > 0 || removedFeatures.length > 0,
    modelChanged,
    pinnedModel: pinned.model,
    bestModel: best.model,
    addedFeatures,
    removedFeatures,
  };
}

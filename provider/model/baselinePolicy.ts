import { z } from 'zod';
import { modelGeneration, parseModelName, type ModelVendor } from './baselineOrder';
import type { HostCapabilities } from './capabilities';
import { THIRTY_TWO_BIT_FAMILIES } from './x86Levels';

/**
 * Which vendors' models a fleet of one vendor may be given: its own, and
 * for Hygon (AMD's EPYC under licence) and Zhaoxin (Centaur, Intel's
 * instruction set) the vendor their CPUs derive from. QEMU's generic
 * models (qemu64, kvm64) suit every vendor.
 */
const COMPATIBLE_VENDORS: Readonly<Record<ModelVendor, readonly ModelVendor[]>> = {
  intel: ['intel'],
  amd: ['amd'],
  hygon: ['hygon', 'amd'],
  zhaoxin: ['zhaoxin', 'intel'],
  generic: [],
};

/** Models that are not a fixed CPU definition: they follow the host or the accelerator. */
export const NOT_A_BASELINE: ReadonlySet<string> = new Set(['host', 'max', 'base']);

/** Which models a baseline may use for this fleet, and why others are left out. */
export const BaselinePolicySchema = z.object({
  fleetVendors: z.array(z.string()).describe("The CPU vendors of the fleet's hosts (intel, amd, hygon, zhaoxin), sorted; empty when unknown."),
  crossVendor: z.boolean().describe("Models of any vendor are candidates: the fleet mixes vendors (or a host's vendor is unknown)."),
  note: z.string().nullable().describe('What the policy means for this fleet, in one sentence; null for a single-vendor fleet.'),
  leftOut: z
    .array(z.object({ model: z.string(), why: z.enum(['32-bit', 'other-vendor']) }))
    .describe("Models every host could run that the baseline never picks: 32-bit ones (no long mode; a 64-bit kernel refuses them) and, for a single-vendor fleet, another vendor's."),
});
export type BaselinePolicy = z.infer<typeof BaselinePolicySchema>;

/** A model family QEMU defines without long mode. */
export function isThirtyTwoBitModel(model: string): boolean {
  return THIRTY_TWO_BIT_FAMILIES.has(parseModelName(model).family);
}

/**
 * The vendor rule of a baseline: a fleet of one vendor gets models of that
 * vendor (or a compatible one) or generic ones; only a fleet that mixes
 * vendors, or has a host of unknown vendor, crosses vendors, and says so.
 */
export function vendorRule(hostVendors: ReadonlyArray<ModelVendor | undefined>): { fleetVendors: ModelVendor[]; crossVendor: boolean; allows: (model: string) => boolean; note: string | null } {
  const fleetVendors = [...new Set(hostVendors.filter((v): v is ModelVendor => v !== undefined))].sort();
  if (fleetVendors.length === 1 && !hostVendors.includes(undefined)) {
    const allowed = new Set<ModelVendor>(['generic', ...COMPATIBLE_VENDORS[fleetVendors[0]]]);
    // Families the order table does not know have no known vendor; they stay candidates (ranked last).
    return { fleetVendors, crossVendor: false, allows: (m) => allowed.has(modelGeneration(m)?.vendor ?? 'generic'), note: null };
  }
  const note =
    fleetVendors.length > 1
      ? `the fleet mixes CPU vendors (${fleetVendors.join(', ')}): models of any vendor are candidates, so the baseline may imitate another vendor than some hosts' CPUs`
      : "some host's CPU vendor is unknown: models of any vendor are candidates";
  return { fleetVendors, crossVendor: true, allows: () => true, note };
}

/**
 * The 64-bit models of the fleet's vendors that every host lists but some
 * cannot run, fewest blockers first, then by name: what is nearest to an
 * x86-64 baseline when there is none.
 */
export function nearest64BitModels(hosts: readonly HostCapabilities[], allows: (model: string) => boolean, disabledFeatures: readonly string[]): Array<{ model: string; blockers: string[] }> {
  if (hosts.length === 0) return [];
  const disabled = new Set(disabledFeatures);
  const concrete = (h: HostCapabilities, name: string) => h.models.find((m) => m.name === name && m.aliasOf === null && m.migrationSafe);
  return hosts[0].models
    .map((m) => m.name)
    .filter((n) => !NOT_A_BASELINE.has(n) && !isThirtyTwoBitModel(n) && allows(n) && hosts.every((h) => concrete(h, n)))
    .map((model) => ({ model, blockers: [...new Set(hosts.flatMap((h) => concrete(h, model)!.blockers))].filter((f) => !disabled.has(f)) }))
    .filter((c) => c.blockers.length > 0)
    .sort((a, b) => a.blockers.length - b.blockers.length || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
}

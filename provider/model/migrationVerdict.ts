import { z } from 'zod';
import { NON_MIGRATABLE_FEATURES } from './baseline';
import type { HostVerdict } from './hostVerdict';

/** One reason a guest of this selection could not live-migrate between some of its hosts. */
export const MigrationWarningSchema = z.object({
  kind: z
    .enum(['machine-types', 'non-migratable-feature', 'feature-sets'])
    .describe(
      "'machine-types': the hosts resolve the machine type to different concrete types (a guest keeps its own, and QEMU refuses a stream of another); " +
        "'non-migratable-feature': the CPU has a feature QEMU refuses to migrate (invtsc); 'feature-sets': the guest CPU would have different features on different hosts.",
    ),
  hosts: z.array(z.string()).describe('The hosts concerned.'),
  reason: z.string().describe('What differs and why it blocks a migration, in one sentence.'),
});
export type MigrationWarning = z.infer<typeof MigrationWarningSchema>;

/** Whether a guest of the selection could live-migrate between every pair of its hosts. */
export const MigrationVerdictSchema = z.object({
  migratable: z
    .boolean()
    .nullable()
    .describe('True when nothing blocks a migration between the hosts that answered and every host answered; false when something does (see warnings); null when no warning but some host could not be asked.'),
  warnings: z.array(MigrationWarningSchema).describe('Each reason a guest could not move between some hosts; empty when none was found.'),
});
export type MigrationVerdict = z.infer<typeof MigrationVerdictSchema>;

/**
 * Pure: what would keep a guest with this CPU from moving between these
 * hosts, judged from their verdicts (hosts that could not be asked, or
 * whose QEMU refused the CPU, are left out):
 * - the concrete machine types differ (QEMU's destination refuses the
 *   stream: "Machine type received is 'pc-q35-10.0' and local is 'pc-q35-7.2'");
 * - the CPU has a non-migratable feature (QEMU: "State blocked by
 *   non-migratable CPU device (invtsc flag)"; QEMU lets invtsc migrate only
 *   with an explicit tsc-frequency, which a selection cannot set);
 * - the guest CPU's effective features differ between hosts.
 */
export function migrationVerdict(hosts: readonly HostVerdict[], requiredFeatures: readonly string[]): MigrationVerdict {
  const answered = hosts.filter((h) => h.outcome !== 'undecided' && h.refusal === undefined);
  const warnings: MigrationWarning[] = [];
  const byMachine = groupBy(answered.filter((h) => h.machineType !== null), (h) => h.machineType!);
  if (byMachine.size > 1) {
    const groups = [...byMachine].map(([type, hs]) => `${type} on ${hs.map((h) => h.name).join(', ')}`);
    warnings.push({
      kind: 'machine-types',
      hosts: answered.map((h) => h.name),
      reason: `the machine type resolves differently: ${groups.join('; ')}; a guest keeps its machine type and QEMU refuses an incoming stream of another, so set machineType to one versioned type every host's QEMU knows (qemu-cpu baseline suggests one)`,
    });
  }
  const nonMigratable = [...NON_MIGRATABLE_FEATURES.keys()].filter((f) => requiredFeatures.includes(f) || answered.some((h) => h.effectiveFeatures.includes(f)));
  for (const feature of nonMigratable) {
    warnings.push({
      kind: 'non-migratable-feature',
      hosts: (answered.length ? answered : hosts).map((h) => h.name),
      reason: `the CPU has ${feature}: ${NON_MIGRATABLE_FEATURES.get(feature)} (QEMU lets it migrate only with an explicit tsc-frequency, which this selection does not set)`,
    });
  }
  const differing = differingFeatures(answered);
  if (differing.length > 0) {
    const shown = differing.slice(0, 8).map((d) => `${d.feature} only on ${d.on.join(', ')}`);
    warnings.push({
      kind: 'feature-sets',
      hosts: [...new Set(differing.flatMap((d) => [...d.on, ...d.off]))].sort(),
      reason: `the guest CPU differs between hosts: ${shown.join('; ')}${differing.length > shown.length ? `; and ${differing.length - shown.length} more` : ''}; a guest cannot move to a host whose CPU lacks a feature it has`,
    });
  }
  const allAnswered = answered.length === hosts.length;
  return { migratable: warnings.length > 0 ? false : allAnswered ? true : null, warnings };
}

/** Effective features some answered hosts give the guest and others do not. */
function differingFeatures(hosts: readonly HostVerdict[]): Array<{ feature: string; on: string[]; off: string[] }> {
  if (hosts.length < 2) return [];
  const all = [...new Set(hosts.flatMap((h) => h.effectiveFeatures))].sort();
  return all.flatMap((feature) => {
    const on = hosts.filter((h) => h.effectiveFeatures.includes(feature)).map((h) => h.name);
    if (on.length === hosts.length) return [];
    return [{ feature, on, off: hosts.filter((h) => !on.includes(h.name)).map((h) => h.name) }];
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

import type { SelectionReport } from '../../probe';
import { failureOn, type SelectionFailure } from './failureReasons';

/** The input each fleet demand comes from. */
const DEMAND_PROPERTY = { 'minimum-level': 'minimumLevel', 'require-migratable': 'requireMigratable', 'mixed-architecture': 'hosts' } as const;

/** One failure per fleet demand the report shows unmet (minimumLevel, requireMigratable), on the input that asked for it; a fleet of mixed architectures on hosts. */
export function fleetFailures(report: Pick<SelectionReport, 'unmet'>): SelectionFailure[] {
  return report.unmet.map((u) => failureOn(DEMAND_PROPERTY[u.kind], u.reason));
}

/**
 * The migration warnings as Check's messages: a fleet a guest could not
 * move across still passes without requireMigratable, but says so.
 */
export function migrationMessages(report: Pick<SelectionReport, 'migration' | 'unmet'>): Array<{ severity: 'warning'; message: string }> {
  if (report.unmet.some((u) => u.kind === 'require-migratable')) return [];
  return report.migration.warnings.map((w) => ({
    severity: 'warning' as const,
    message: `CpuModelSelection: a guest could not live-migrate between ${w.hosts.join(', ')}: ${w.reason} (requireMigratable: true makes this a failure)`,
  }));
}

import { suggestMachineType, type HostCapabilities } from '../model';
import type { BaselineReport } from './baselineReport';
import type { SelectionReport } from './verifySelection';

/** Attach the ground truth: per-host machine types, and where they differ, one every host knows. */
export function withTruth(report: BaselineReport, truth: SelectionReport, caps: HostCapabilities[]): BaselineReport {
  const machineTypes = truth.hosts.filter((h) => h.machineType !== null).map((h) => ({ host: h.name, machineType: h.machineType! }));
  const hosts = report.hosts.map((h) => ({ ...h, machineType: machineTypes.find((m) => m.host === h.name)?.machineType ?? null }));
  const distinct = new Set(machineTypes.map((m) => m.machineType));
  return {
    ...report,
    decided: report.decided && truth.decided,
    hosts,
    verification: truth,
    migration: { ...report.migration, machineTypes: distinct.size > 1 ? machineTypes : [], suggestedMachineType: distinct.size > 1 ? suggestMachineType(caps, [...distinct]) : null },
  };
}

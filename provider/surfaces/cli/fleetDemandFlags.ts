import { X86LevelSchema } from '../../model';
import type { SelectionInputs } from '../../inventory';

/** parseArgs options for the fleet demands: --minimum-level (check, baseline) and --require-migratable (check). */
export const FLEET_DEMAND_OPTIONS = {
  'minimum-level': { type: 'string' },
  'require-migratable': { type: 'boolean' },
} as const;

/** A line for a bad --minimum-level; none when it is absent or valid. */
export function fleetDemandIssues(values: Readonly<Record<string, unknown>>): string[] {
  const level = values['minimum-level'];
  if (level === undefined || X86LevelSchema.safeParse(level).success) return [];
  return [`--minimum-level must be one of ${X86LevelSchema.options.join(', ')} (got ${JSON.stringify(level)})`];
}

/** The file's inputs with the command line's demands over the file's (already validated by fleetDemandIssues). */
export function withFleetDemands(inputs: SelectionInputs, values: Readonly<Record<string, unknown>>): SelectionInputs {
  const level = X86LevelSchema.safeParse(values['minimum-level']);
  return {
    ...inputs,
    ...(level.success ? { minimumLevel: level.data } : {}),
    ...(values['require-migratable'] === true ? { requireMigratable: true } : {}),
  };
}

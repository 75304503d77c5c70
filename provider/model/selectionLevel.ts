import { z } from 'zod';
import type { HostVerdict } from './hostVerdict';
import { missingForLevel, x86LevelOf, X86LevelReachSchema, X86LevelSchema, type X86Level } from './x86Levels';

/** The x86-64 level of a selection's CPU as its hosts would give it. */
export const SelectionLevelSchema = X86LevelReachSchema.extend({
  minimumLevel: X86LevelSchema.nullable().describe('The level the selection asked for (minimumLevel); null when none.'),
  missingForMinimum: z.array(z.string()).describe('The features the minimum level needs that the CPU lacks; empty when it reaches it.'),
  hosts: z
    .array(
      z.object({
        name: z.string().describe('The host, as named in the inputs.'),
        level: X86LevelSchema.nullable().describe("The level of the guest CPU on this host; null below x86-64-v1."),
        missingForNext: z.array(z.string()).describe('What the next level needs that the guest CPU lacks on this host.'),
      }),
    )
    .describe("Each host that answered: the level of the guest CPU there (its effective features)."),
}).describe("The x86-64 level (v1 to v4) of the guest CPU: of the features every host that answered gives it, and of each host's.");
export type SelectionLevel = z.infer<typeof SelectionLevelSchema>;

/**
 * Pure: the level of the CPU the hosts give the guest (the features common
 * to every host that answered, enforceable or not: without enforce the guest
 * gets the model minus what is missing) and what `minimumLevel` lacks. More
 * hosts can only lower it, so a shortfall is a definite "cannot" even when
 * some hosts could not be asked.
 */
export function selectionLevel(hosts: readonly HostVerdict[], minimumLevel: X86Level | undefined): SelectionLevel {
  const answered = hosts.filter((h) => h.outcome !== 'undecided' && h.refusal === undefined);
  const common = answered.length
    ? answered.map((h) => h.effectiveFeatures).reduce((acc, fs) => acc.filter((f) => fs.includes(f)))
    : [];
  const reach = x86LevelOf(common);
  return {
    ...reach,
    minimumLevel: minimumLevel ?? null,
    missingForMinimum: minimumLevel && answered.length ? missingForLevel(common, minimumLevel) : [],
    hosts: answered.map((h) => {
      const own = x86LevelOf(h.effectiveFeatures);
      return { name: h.name, level: own.level, missingForNext: own.missingForNext };
    }),
  };
}

import { z } from 'zod';
import { NOT_A_BASELINE } from './baselinePolicy';
import type { HostCapabilities } from './capabilities';
import { x86LevelOf, X86LevelSchema } from './x86Levels';

/** The x86-64 level one named model reaches on one host. */
export const ModelLevelSchema = z.object({
  model: z.string().describe('The concrete model (an alias resolves to one of these).'),
  usable: z.boolean().describe('The host can run the model as defined.'),
  level: X86LevelSchema.nullable().describe('The level of what a guest of this model gets on this host: its definition minus what the host cannot give (blockedBy); null below x86-64-v1.'),
  missingForNext: z.array(z.string()).describe('What the next level needs that the model lacks here.'),
  blockedBy: z.array(z.string()).describe("The model's features this host cannot give (QEMU's unavailable-features); with enforce the model does not start here."),
});
export type ModelLevel = z.infer<typeof ModelLevelSchema>;

/** The concrete named models of a host whose level can be asked: not aliases, not host/max/base. */
export function concreteModelNames(caps: HostCapabilities): string[] {
  return caps.models.filter((m) => m.aliasOf === null && !NOT_A_BASELINE.has(m.name)).map((m) => m.name);
}

/**
 * Pure: the level each model reaches on this host, from its definition (a
 * static expansion) less the features the host cannot give it.
 */
export function modelLevels(caps: HostCapabilities, definitions: ReadonlyArray<{ name: string; features: readonly string[] }>): ModelLevel[] {
  return definitions.map(({ name, features }) => {
    const m = caps.models.find((x) => x.name === name);
    const blocked = new Set(m?.blockers ?? []);
    const reach = x86LevelOf(features.filter((f) => !blocked.has(f)));
    return { model: name, usable: m?.usable ?? false, level: reach.level, missingForNext: reach.missingForNext, blockedBy: [...blocked] };
  });
}

import { z } from 'zod';

/**
 * The x86-64 micro-architecture levels of the System V x86-64 psABI
 * (x86-64-v1 to v4), each the CPUID features it adds to the one below, in
 * QEMU's spelling. The psABI also lists OSFXSR (v1) and OSXSAVE (v3): the
 * guest kernel sets those in CR4, they are not CPU features QEMU can give,
 * so they are left out. v1 is the 64-bit baseline: the psABI's CMOV, CX8,
 * FPU, FXSR, MMX, SCE (QEMU's syscall), SSE and SSE2, plus long mode (lm),
 * which the psABI implies and without which a 64-bit kernel refuses the CPU
 * ("requires an x86-64 CPU"). LZCNT is QEMU's abm.
 */
export const X86_LEVELS = [
  { level: 'x86-64-v1', adds: ['cmov', 'cx8', 'fpu', 'fxsr', 'lm', 'mmx', 'sse', 'sse2', 'syscall'] },
  { level: 'x86-64-v2', adds: ['cx16', 'lahf-lm', 'pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] },
  { level: 'x86-64-v3', adds: ['abm', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave'] },
  { level: 'x86-64-v4', adds: ['avx512bw', 'avx512cd', 'avx512dq', 'avx512f', 'avx512vl'] },
] as const;

/** One x86-64 level's name. */
export const X86LevelSchema = z
  .enum(['x86-64-v1', 'x86-64-v2', 'x86-64-v3', 'x86-64-v4'])
  .describe('An x86-64 psABI micro-architecture level: v1 is any 64-bit CPU; RHEL 9 needs v2, RHEL 10 v3.');
export type X86Level = z.infer<typeof X86LevelSchema>;

/** The level a feature set reaches, and what the next one would need. */
export const X86LevelReachSchema = z.object({
  level: X86LevelSchema.nullable().describe('The highest x86-64 level the features reach; null when not even x86-64-v1 (a 32-bit CPU, or one without SSE2).'),
  nextLevel: X86LevelSchema.nullable().describe('The level above; null at x86-64-v4.'),
  missingForNext: z.array(z.string()).describe('The features (QEMU spelling) the next level needs that these features lack.'),
});
export type X86LevelReach = z.infer<typeof X86LevelReachSchema>;

/** Every feature a level needs, its own and those of the levels below. */
export function levelFeatures(level: X86Level): string[] {
  const upTo = X86_LEVELS.findIndex((l) => l.level === level);
  return X86_LEVELS.slice(0, upTo + 1).flatMap((l) => [...l.adds]);
}

/** The features of `level` that `features` lack, sorted; empty when the level is reached. */
export function missingForLevel(features: Iterable<string>, level: X86Level): string[] {
  const have = new Set(features);
  return levelFeatures(level).filter((f) => !have.has(f)).sort();
}

/** The highest level a feature set (QEMU spelling) reaches, and what the next level lacks. Pure. */
export function x86LevelOf(features: Iterable<string>): X86LevelReach {
  const have = new Set(features);
  let level: X86Level | null = null;
  for (const l of X86_LEVELS) {
    if (!l.adds.every((f) => have.has(f))) {
      return { level, nextLevel: l.level, missingForNext: missingForLevel(have, l.level) };
    }
    level = l.level;
  }
  return { level, nextLevel: null, missingForNext: [] };
}

/** Whether `level` is at least `minimum` (a null level reaches nothing). */
export function reachesLevel(level: X86Level | null, minimum: X86Level): boolean {
  if (level === null) return false;
  return X86LevelSchema.options.indexOf(level) >= X86LevelSchema.options.indexOf(minimum);
}

/** A level for messages: "x86-64-v1", or "below x86-64-v1 (not a 64-bit CPU)". */
export function levelLabel(level: X86Level | null): string {
  return level ?? 'below x86-64-v1 (not a 64-bit CPU)';
}

/**
 * Model families QEMU defines without long mode (lm): 32-bit CPUs a 64-bit
 * guest kernel refuses. A baseline never picks them.
 */
export const THIRTY_TWO_BIT_FAMILIES: ReadonlySet<string> = new Set(['486', 'pentium', 'pentium2', 'pentium3', 'athlon', 'qemu32', 'kvm32', 'coreduo', 'n270']);

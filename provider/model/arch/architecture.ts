import { z } from 'zod';

/**
 * The guest architectures qemu-cpu knows, as QEMU's query-target names them.
 * Each has a profile (provider/model/arch/<name>.ts) holding what differs.
 */
export const ARCHITECTURES = ['x86_64', 'aarch64'] as const;

export const ArchitectureSchema = z
  .enum(ARCHITECTURES)
  .describe("A QEMU target architecture, as query-target reports it: 'x86_64' or 'aarch64'.");
export type Architecture = z.infer<typeof ArchitectureSchema>;

/** The architecture of a query-target answer, or undefined for one qemu-cpu has no profile for. */
export function architectureOf(target: string): Architecture | undefined {
  return (ARCHITECTURES as readonly string[]).includes(target) ? (target as Architecture) : undefined;
}

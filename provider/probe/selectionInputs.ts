import { z } from 'zod';
import { ConnectionSchema } from '../transport';
import { CpuSelectionSchema, QemuBinarySchema } from '../model';

/** One host of a selection: an SSH connection plus where QEMU lives on it. */
export const HostEntrySchema = ConnectionSchema.extend({
  qemuBinary: QemuBinarySchema.optional(),
}).describe('A KVM host: SSH connection fields (as @pulumi/command names them) and optionally the QEMU binary path.');
export type HostEntry = z.infer<typeof HostEntrySchema>;

/**
 * What the probe service checks: the guest CPU and the hosts that must all
 * be able to run it, every host already a plain entry. A selection as the
 * user writes it (provider/inventory's SelectionInputsSchema) adds
 * references to an inventory and an ssh config, which provider/inventory
 * resolves into these hosts before anything is asked.
 */
export const FleetSelectionSchema = CpuSelectionSchema.extend({
  hosts: z
    .array(HostEntrySchema)
    .default([])
    .describe("The hosts that must all be able to run this CPU. A host's `host` may be a Host alias of the ssh config."),
  concurrency: z.number().int().min(1).max(256).default(16).describe('How many hosts are asked at once.'),
  requireMigratable: z
    .boolean()
    .default(false)
    .describe('A guest must be able to live-migrate between every pair of hosts: differing machine types, a non-migratable feature (invtsc) or differing guest CPUs make the selection "cannot" instead of a warning.'),
});
export type FleetSelection = z.infer<typeof FleetSelectionSchema>;

/** The connection part of a host entry. */
export function connectionOf(entry: HostEntry): z.infer<typeof ConnectionSchema> {
  const { qemuBinary: _ignored, ...connection } = entry;
  return connection;
}

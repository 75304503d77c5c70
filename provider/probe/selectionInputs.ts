import { z } from 'zod';
import { ConnectionSchema, QemuBinarySchema } from '../launcher';
import { CpuSelectionSchema } from '../model';

/** One host of a selection: an SSH connection plus where QEMU lives on it. */
export const HostEntrySchema = ConnectionSchema.extend({
  qemuBinary: QemuBinarySchema.optional(),
}).describe('A KVM host: SSH connection fields (as @pulumi/command names them) and optionally the QEMU binary path.');
export type HostEntry = z.infer<typeof HostEntrySchema>;

/**
 * CpuModelSelection's inputs, and the body of a `qemu-cpu check` file: the
 * hosts and the guest CPU they must all be able to run.
 */
export const SelectionInputsSchema = CpuSelectionSchema.extend({
  hosts: z.array(HostEntrySchema).min(1, 'name at least one host').describe('The hosts that must all be able to run this CPU.'),
  concurrency: z.number().int().min(1).max(256).default(16).describe('How many hosts are asked at once.'),
}).strict();
export type SelectionInputs = z.infer<typeof SelectionInputsSchema>;
export type SelectionInputsInput = z.input<typeof SelectionInputsSchema>;

/** The connection part of a host entry. */
export function connectionOf(entry: HostEntry): z.infer<typeof ConnectionSchema> {
  const { qemuBinary: _ignored, ...connection } = entry;
  return connection;
}

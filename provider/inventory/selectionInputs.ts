import { z } from 'zod';
import { CpuSelectionSchema } from '../model';
import { FleetSelectionSchema } from '../probe';
import { InventoryRefSchema } from './inventoryRef';

/**
 * CpuModelSelection's inputs, and the body of a `qemu-cpu check` file: the
 * hosts and the guest CPU they must all be able to run. Hosts come from
 * `hosts`, from `inventory`, or both; resolveSelectionInputs turns the
 * references into plain host entries (and requires at least one host)
 * before anything is asked, so the probe service sees a FleetSelection.
 */
export const SelectionInputsSchema = CpuSelectionSchema.extend({
  hosts: FleetSelectionSchema.shape.hosts,
  inventory: InventoryRefSchema.optional(),
  sshConfig: z
    .string()
    .min(1)
    .optional()
    .describe("The OpenSSH client config whose HostName, Port, User, IdentityFile, UserKnownHostsFile, ConnectTimeout and ProxyJump apply to every host, as ssh applies them; default ~/.ssh/config when it exists; 'none' to read none (as ssh -F none)."),
  concurrency: FleetSelectionSchema.shape.concurrency,
  requireMigratable: FleetSelectionSchema.shape.requireMigratable,
}).strict();
export type SelectionInputs = z.infer<typeof SelectionInputsSchema>;
export type SelectionInputsInput = z.input<typeof SelectionInputsSchema>;

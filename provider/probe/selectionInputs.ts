import { z } from 'zod';
import { ConnectionSchema } from '../transport';
import { CpuSelectionSchema, QemuBinarySchema } from '../model';

/** One host of a selection: an SSH connection plus where QEMU lives on it. */
export const HostEntrySchema = ConnectionSchema.extend({
  qemuBinary: QemuBinarySchema.optional(),
}).describe('A KVM host: SSH connection fields (as @pulumi/command names them) and optionally the QEMU binary path.');
export type HostEntry = z.infer<typeof HostEntrySchema>;

/** Connection fields an inventory may set for all of its hosts (not the host itself, nor its name). */
export const HostDefaultsSchema = HostEntrySchema.omit({ host: true, name: true })
  .partial()
  .describe('Connection fields for every host of the inventory that neither the inventory nor ~/.ssh/config sets (e.g. knownHostsPath, qemuBinary).');

/** Hosts kept in an Ansible YAML inventory (resolved by provider/inventory). */
export const InventoryRefSchema = z
  .object({
    ansible: z.string().min(1).describe("Path of an Ansible YAML inventory; relative to the check file (the CLI) or the program's working directory (the provider)."),
    group: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'must be an Ansible group name')
      .default('all')
      .describe('The group whose hosts, its child groups included, are asked.'),
    defaults: HostDefaultsSchema.optional(),
  })
  .strict()
  .describe('Take hosts from an Ansible YAML inventory: ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, groups and children.');
export type InventoryRef = z.infer<typeof InventoryRefSchema>;

/**
 * CpuModelSelection's inputs, and the body of a `qemu-cpu check` file: the
 * hosts and the guest CPU they must all be able to run. Hosts come from
 * `hosts`, from `inventory`, or both; provider/inventory's
 * resolveSelectionInputs turns the references into plain host entries
 * (and requires at least one host) before anything is asked.
 */
export const SelectionInputsSchema = CpuSelectionSchema.extend({
  hosts: z
    .array(HostEntrySchema)
    .default([])
    .describe("The hosts that must all be able to run this CPU. A host's `host` may be a Host alias of the ssh config."),
  inventory: InventoryRefSchema.optional(),
  sshConfig: z
    .string()
    .min(1)
    .optional()
    .describe("The OpenSSH client config whose HostName, Port, User, IdentityFile, UserKnownHostsFile, ConnectTimeout and ProxyJump apply to every host, as ssh applies them; default ~/.ssh/config when it exists; 'none' to read none (as ssh -F none)."),
  concurrency: z.number().int().min(1).max(256).default(16).describe('How many hosts are asked at once.'),
  requireMigratable: z
    .boolean()
    .default(false)
    .describe('A guest must be able to live-migrate between every pair of hosts: differing machine types, a non-migratable feature (invtsc) or differing guest CPUs make the selection "cannot" instead of a warning.'),
}).strict();
export type SelectionInputs = z.infer<typeof SelectionInputsSchema>;
export type SelectionInputsInput = z.input<typeof SelectionInputsSchema>;

/** The connection part of a host entry. */
export function connectionOf(entry: HostEntry): z.infer<typeof ConnectionSchema> {
  const { qemuBinary: _ignored, ...connection } = entry;
  return connection;
}

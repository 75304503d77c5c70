import { z } from 'zod';
import { HostEntrySchema } from '../probe';

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
    hostDefaults: HostDefaultsSchema.optional(),
  })
  .strict()
  .describe('Take hosts from an Ansible YAML inventory: ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, groups and children.');
export type InventoryRef = z.infer<typeof InventoryRefSchema>;

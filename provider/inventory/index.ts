/**
 * Host inventories users already keep, turned into qemu-cpu host entries:
 * Ansible YAML inventories and the OpenSSH client config. Sits between the
 * probe service (whose schemas it fills) and the surfaces (the CLI and the
 * Pulumi provider), which call resolveSelectionInputs before asking hosts.
 * File I/O happens here, so the probe service stays free of file formats.
 * The selection as the user writes it (SelectionInputsSchema, with its
 * inventory and ssh config references) is defined here too; the probe
 * service sees the resolved FleetSelection.
 */
export { resolveSelectionInputs, baseDirOf, type ResolveOptions } from './resolveSelection';
export { ansibleHosts, expandHostPattern, QEMU_BINARY_VAR, type AnsibleHosts } from './ansibleInventory';
export { loadSshConfig, applySshConfig, resolveUserPath, type SshConfigFile } from './sshConfig';
export { readYamlFile, parseYamlText } from './yamlFile';
export type { HostEntryInput } from './hostEntryInput';
export { SelectionInputsSchema, type SelectionInputs, type SelectionInputsInput } from './selectionInputs';
export { InventoryRefSchema, HostDefaultsSchema, type InventoryRef } from './inventoryRef';

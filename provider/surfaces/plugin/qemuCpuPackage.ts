import type { z } from 'zod';
import { HostCapabilitiesSchema, HostVerdictSchema } from '../../model';
import { ConnectionSchema, SECRET_CONNECTION_FIELDS } from '../../transport';
import { HostEntrySchema, ProbeRequestSchema, qemuCpuVersion } from '../../probe';
import { SelectionInputsSchema } from '../../inventory';
import { HostCredentialsSchema, PublicHostEntrySchema } from '../resource/hostSecrets';
import { AutoCpuSchema, BaselineDriftSchema, SelectionOutputsSchema } from '../resource';
import { buildPackageSchema } from './packageSchema';

/** qemu-cpu's schema.json, generated from the zod schemas that validate the same values at run time. */
export function qemuCpuPackageSchema(): Record<string, unknown> {
  const ProxySchema = ConnectionSchema.shape.proxy.unwrap();
  const caps = HostCapabilitiesSchema.shape;
  const models = caps.models.element;
  const inventory = SelectionInputsSchema.shape.inventory.unwrap();
  return buildPackageSchema({
    version: qemuCpuVersion(),
    resourceInputs: SelectionInputsSchema,
    resourceOutputs: SelectionOutputsSchema,
    functionInputs: ProbeRequestSchema,
    functionOutputs: HostCapabilitiesSchema,
    named: new Map<z.ZodTypeAny, string>([
      [ConnectionSchema, 'Connection'],
      [ProxySchema, 'ProxyConnection'],
      [HostEntrySchema, 'Host'],
      [HostEntrySchema.shape.proxy.unwrap(), 'ProxyConnection'],
      [PublicHostEntrySchema, 'HostConnection'],
      [HostCredentialsSchema, 'HostCredentials'],
      [HostVerdictSchema, 'HostReport'],
      [models, 'CpuModel'],
      [inventory, 'Inventory'],
      [inventory.shape.hostDefaults.unwrap(), 'InventoryDefaults'],
      [ProbeRequestSchema.shape.timeouts.unwrap(), 'Timeouts'],
      [caps.hostCpu.unwrap(), 'HostCpu'],
      [caps.hostModel, 'HostModel'],
      [caps.kvm.unwrap(), 'KvmInfo'],
      [caps.machines.element, 'MachineType'],
      [caps.qemu, 'QemuInfo'],
      [AutoCpuSchema, 'AutoCpu'],
      [BaselineDriftSchema, 'BaselineDrift'],
    ]),
    secretFields: SECRET_CONNECTION_FIELDS,
  });
}

/** The schema exactly as committed at the repository root. */
export function renderSchemaJson(): string {
  return `${JSON.stringify(qemuCpuPackageSchema(), null, 2)}\n`;
}

import { z } from 'zod';

/** QAPI MachineInfo (query-machines). Unknown members are kept out; QEMU adds fields every release. */
export const MachineInfoSchema = z.object({
  name: z.string().min(1),
  alias: z.string().optional(),
  'is-default': z.boolean().optional(),
  deprecated: z.boolean().optional(),
  'cpu-max': z.number().int().optional(),
  'default-cpu-type': z.string().optional(),
});
export const QueryMachinesReplySchema = z.array(MachineInfoSchema);
export type MachineInfo = z.infer<typeof MachineInfoSchema>;

import { z } from 'zod';

/**
 * QAPI CpuDefinitionInfo (query-cpu-definitions). `unavailable-features`
 * lists what keeps a model from running on this host under this accelerator;
 * absent on targets that do not report it. `alias-of` appeared in QEMU 4.1.
 */
export const CpuDefinitionInfoSchema = z.object({
  name: z.string().min(1),
  typename: z.string().optional(),
  // QEMU never names a feature or a model ""; a reply that does is malformed, not a model without blockers.
  'unavailable-features': z.array(z.string().min(1)).optional(),
  'alias-of': z.string().min(1).optional(),
  static: z.boolean().optional(),
  'migration-safe': z.boolean().optional(),
  deprecated: z.boolean().optional(),
});
export const QueryCpuDefinitionsReplySchema = z.array(CpuDefinitionInfoSchema);
export type CpuDefinitionInfo = z.infer<typeof CpuDefinitionInfoSchema>;

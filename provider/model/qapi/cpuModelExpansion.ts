import { z } from 'zod';

/** QAPI CpuModelInfo: a model name and its QOM property values. */
export const CpuModelInfoSchema = z.object({
  name: z.string().min(1),
  props: z.record(z.unknown()).optional(),
});
/** QAPI CpuModelExpansionInfo (query-cpu-model-expansion). */
export const CpuModelExpansionReplySchema = z.object({
  model: CpuModelInfoSchema,
  'deprecated-props': z.array(z.string()).optional(),
});
export type CpuModelInfo = z.infer<typeof CpuModelInfoSchema>;
export type CpuModelExpansion = z.infer<typeof CpuModelExpansionReplySchema>;

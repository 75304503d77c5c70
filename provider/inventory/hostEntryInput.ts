import type { z } from 'zod';
import type { HostEntrySchema } from '../probe/selectionInputs';

/** A host entry as written (before defaults): what inventories and ssh configs produce. */
export type HostEntryInput = z.input<typeof HostEntrySchema>;

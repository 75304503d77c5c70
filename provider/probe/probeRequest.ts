import { z } from 'zod';
import { AcceleratorSchema, MachineTypeSchema, QemuBinarySchema } from '../model';
import { ConnectionSchema } from '../transport';
import { TimeoutsSchema } from '../launcher';

/** One capability probe of one host: the data source's arguments and the CLI's `probe`. */
export const ProbeRequestSchema = z
  .object({
    connection: ConnectionSchema.optional().describe('How to reach the host over SSH. Absent: probe this machine.'),
    machineType: MachineTypeSchema.optional().describe("Machine type QEMU is started with; default 'none' (no board, no vCPU)."),
    accelerator: AcceleratorSchema.default('kvm'),
    qemuBinary: QemuBinarySchema.optional(),
    timeouts: TimeoutsSchema.partial().optional().describe('Per-stage time limits in milliseconds.'),
  })
  .strict();
export type ProbeRequest = z.infer<typeof ProbeRequestSchema>;
export type ProbeRequestInput = z.input<typeof ProbeRequestSchema>;

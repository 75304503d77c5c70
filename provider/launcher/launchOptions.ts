import { z } from 'zod';
import type { Accelerator } from '../model';

/** Per-stage time limits of one QEMU session, in milliseconds. */
export const TimeoutsSchema = z
  .object({
    exec: z.number().int().positive().default(15_000).describe('Starting the QEMU process on the host.'),
    greeting: z.number().int().positive().default(15_000).describe('QEMU printing its QMP greeting.'),
    command: z.number().int().positive().default(30_000).describe('Each QMP command.'),
    shutdown: z.number().int().positive().default(3_000).describe('QEMU exiting after quit, before TERM and then KILL.'),
  })
  .strict();
export type Timeouts = z.infer<typeof TimeoutsSchema>;
export const DEFAULT_TIMEOUTS: Timeouts = TimeoutsSchema.parse({});

/** Slack on top of the stage limits before the host's watchdog ends a QEMU by its lifetime. */
const LIFETIME_SLACK_MS = 5_000;

/**
 * The longest one QEMU may run on its host, in whole seconds, after which
 * the host-side watchdog ends it even while the SSH session looks alive
 * (a silent network partition, where qemu-cpu cannot reach the host to end
 * it): the exec and greeting limits, three command limits (a session's
 * commands are pipelined, so its rounds are few), the shutdown limit and
 * some slack. With the default limits: 128 s.
 */
export function lifetimeSeconds(t: Timeouts): number {
  return Math.ceil((t.exec + t.greeting + 3 * t.command + t.shutdown + LIFETIME_SLACK_MS) / 1000);
}

/** What the launcher needs to start one QEMU. Values are validated before they get here. */
export interface LaunchOptions {
  accelerator: Accelerator;
  /** 'none' for a capability probe; a real machine type for an exact-CPU check. */
  machineType: string;
  /** A -cpu argument (model[,+feat][,-feat]); absent for -machine none. */
  cpu?: string;
  /** Configured QEMU binary; absent means discover it on the host. */
  qemuBinary?: string;
  timeouts?: Partial<Timeouts>;
}

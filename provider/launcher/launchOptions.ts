import { z } from 'zod';

/** An absolute path made only of characters no shell or QEMU option parser treats specially. */
export const BINARY_PATH_PATTERN = /^\/[A-Za-z0-9._+\/-]{1,4095}$/;
/** QEMU machine type names: pc-q35-7.2, q35, pc-i440fx-2.0, none, microvm. */
export const MACHINE_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** QEMU CPU model names: Skylake-Client-v4, EPYC-Milan, qemu64, host, max. */
export const CPU_MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** QEMU feature property names after normalization: avx2, sse4.1, lahf-lm, avx512-vpopcntdq. */
export const FEATURE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const AcceleratorSchema = z
  .enum(['kvm', 'tcg'])
  .describe("The QEMU accelerator: 'kvm' (hardware virtualization, the default) or 'tcg' (emulation; used only when asked for).");
export type Accelerator = z.infer<typeof AcceleratorSchema>;

export const QemuBinarySchema = z
  .string()
  .regex(BINARY_PATH_PATTERN, 'must be an absolute path of letters, digits and . _ + / -')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..')
  .describe('Absolute path of the QEMU system emulator on the host. Default: qemu-system-<arch> on PATH, else /usr/libexec/qemu-kvm.');

export const MachineTypeSchema = z
  .string()
  .regex(MACHINE_TYPE_PATTERN, 'must be a QEMU machine type name such as pc-q35-7.2 or q35')
  .describe("A QEMU machine type such as 'pc-q35-7.2' or an alias such as 'q35'.");

export const CpuModelNameSchema = z
  .string()
  .regex(CPU_MODEL_PATTERN, 'must be a QEMU CPU model name such as Skylake-Client-v4')
  .describe("A QEMU CPU model: a versioned name such as 'Skylake-Client-v4' or an alias such as 'Skylake-Client'.");

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

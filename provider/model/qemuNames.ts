import { z } from 'zod';

/**
 * The domain's names: what a QEMU binary path, a machine type, a CPU model,
 * a feature and an accelerator may look like. Every layer takes them from
 * here; the launcher puts them on a command line only after these checks.
 */

/** An absolute path made only of characters no shell or QEMU option parser treats specially. */
export const BINARY_PATH_PATTERN = /^\/[A-Za-z0-9._+\/-]{1,4095}$/;
/** QEMU machine type names: pc-q35-7.2, q35, pc-i440fx-2.0, none, microvm. */
export const MACHINE_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** QEMU CPU model names: Skylake-Client-v4, EPYC-Milan, qemu64, host, max. */
export const CPU_MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** QEMU feature property names after normalization: avx2, sse4.1, lahf-lm, avx512-vpopcntdq. */
export const FEATURE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** QEMU's accelerators qemu-cpu asks under: the one place they are named. */
export const ACCELERATORS = ['kvm', 'tcg'] as const;

export const AcceleratorSchema = z
  .enum(ACCELERATORS)
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

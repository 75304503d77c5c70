import { z } from 'zod';
import { cpuinfoDecimal as decimal, cpuinfoWords, parseFirstCpuinfoBlock } from '../cpuinfoBlock';
import type { X86HostCpu } from '../hostCpu';

const text = z.string({ required_error: 'missing' }).min(1, 'empty');

/** The first processor block, keyed by cpuinfo's field names. */
const ProcessorBlockSchema = z
  .object({
    vendor_id: text,
    'cpu family': decimal,
    model: decimal,
    stepping: decimal,
    microcode: z.string().optional(),
    'model name': text,
    flags: cpuinfoWords,
  })
  .transform(
    (b): X86HostCpu => ({
      arch: 'x86_64',
      vendor: b.vendor_id,
      family: b['cpu family'],
      model: b.model,
      stepping: b.stepping,
      microcode: b.microcode ? b.microcode : null,
      modelName: b['model name'],
      flags: b.flags,
    }),
  );

/**
 * Parse the first processor of an x86 /proc/cpuinfo.
 *
 * @throws RemoteCommandError (stage 'host-facts') naming every problem found.
 */
export function parseX86Cpuinfo(cpuinfo: string, host?: string): X86HostCpu {
  return parseFirstCpuinfoBlock(
    ProcessorBlockSchema,
    cpuinfo,
    host,
    "The host's /proc/cpuinfo could not be read as an x86 CPU description",
    'Check that /proc/cpuinfo on the host is readable and complete.',
  );
}

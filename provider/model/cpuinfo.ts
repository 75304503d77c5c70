import { z } from 'zod';
import { RemoteCommandError, formatZodIssues } from '../errors';
import type { HostCpu } from './capabilities';

const decimal = z.string({ required_error: 'missing' }).regex(/^\d+$/, 'not a decimal number').transform(Number);
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
    flags: z.string({ required_error: 'missing' }),
  })
  .transform(
    (b): HostCpu => ({
      vendor: b.vendor_id,
      family: b['cpu family'],
      model: b.model,
      stepping: b.stepping,
      microcode: b.microcode ? b.microcode : null,
      modelName: b['model name'],
      flags: b.flags.split(/\s+/).filter((f) => f !== ''),
    }),
  );

/** The "key : value" lines of the first block of cpuinfo text. */
function firstBlock(cpuinfo: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of cpuinfo.replace(/^\s*\n/, '').split('\n')) {
    if (line.trim() === '') break;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (!(key in fields)) fields[key] = line.slice(colon + 1).trim();
  }
  return fields;
}

/**
 * Parse the first processor of an x86 /proc/cpuinfo.
 *
 * @param cpuinfo - the raw text.
 * @param host - the host label, for the error message.
 * @throws RemoteCommandError (stage 'host-facts') naming every problem found.
 */
export function parseCpuinfo(cpuinfo: string, host?: string): HostCpu {
  const block = firstBlock(cpuinfo);
  const result = ProcessorBlockSchema.safeParse(block);
  if (result.success) return result.data;
  const issues = formatZodIssues(result.error, 'cpuinfo');
  throw new RemoteCommandError({
    host,
    stage: 'host-facts',
    what: 'The host\'s /proc/cpuinfo could not be read as an x86 CPU description',
    why: issues.join('; '),
    hint: 'qemu-cpu supports x86_64 hosts; check that /proc/cpuinfo on the host is readable and complete.',
  });
}

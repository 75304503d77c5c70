import { z } from 'zod';
import { RemoteCommandError, formatZodIssues } from '../errors';

/** The "key : value" lines of the first processor block of /proc/cpuinfo text (every architecture's layout). */
export function firstCpuinfoBlock(cpuinfo: string): Record<string, string> {
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

/** A cpuinfo field that lists words (x86's flags, arm's Features): each word, in order; an empty line lists none. */
export const cpuinfoWords = z
  .string({ required_error: 'missing' })
  .transform((s) => s.split(/\s+/).filter((w) => w !== ''));

/** A cpuinfo field Linux prints in decimal (x86's family, model, stepping; arm's architecture, revision). */
export const cpuinfoDecimal = z.string({ required_error: 'missing' }).regex(/^\d+$/, 'not a decimal number').transform(Number);

/**
 * The first processor block read with an architecture's schema: its value,
 * or one error naming every problem found.
 *
 * @param what - what the text could not be read as, for the error.
 * @throws RemoteCommandError (stage 'host-facts').
 */
export function parseFirstCpuinfoBlock<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, cpuinfo: string, host: string | undefined, what: string, hint: string): T {
  const result = schema.safeParse(firstCpuinfoBlock(cpuinfo));
  if (result.success) return result.data;
  throw new RemoteCommandError({ host, stage: 'host-facts', what, why: formatZodIssues(result.error, 'cpuinfo').join('; '), hint });
}

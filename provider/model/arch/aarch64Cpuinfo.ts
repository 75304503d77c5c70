import { z } from 'zod';
import { cpuinfoDecimal as decimal, cpuinfoWords, parseFirstCpuinfoBlock } from '../cpuinfoBlock';
import type { Aarch64HostCpu } from '../hostCpu';

/** cpuinfo prints the ID register fields in hex (0x41) and the architecture and revision in decimal. */
const hex = z.string({ required_error: 'missing' }).regex(/^0x[0-9a-fA-F]+$/, 'not a hex number').transform((s) => Number.parseInt(s, 16));

/** The first processor block of an arm64 /proc/cpuinfo (arch/arm64/kernel/cpuinfo.c c_show). */
const Aarch64BlockSchema = z
  .object({
    'CPU implementer': hex,
    'CPU architecture': decimal,
    'CPU variant': hex,
    'CPU part': hex,
    'CPU revision': decimal,
    Features: cpuinfoWords,
  })
  .transform(
    (b): Aarch64HostCpu => ({
      arch: 'aarch64',
      implementer: b['CPU implementer'],
      architecture: b['CPU architecture'],
      variant: b['CPU variant'],
      part: b['CPU part'],
      revision: b['CPU revision'],
      flags: b.Features,
    }),
  );

/**
 * Parse the first processor of an arm64 /proc/cpuinfo. Linux prints no
 * model name there: the MIDR fields (implementer, part) name the core.
 *
 * @throws RemoteCommandError (stage 'host-facts') naming every problem found.
 */
export function parseAarch64Cpuinfo(cpuinfo: string, host?: string): Aarch64HostCpu {
  return parseFirstCpuinfoBlock(
    Aarch64BlockSchema,
    cpuinfo,
    host,
    "The host's /proc/cpuinfo could not be read as an arm64 CPU description",
    'Check that /proc/cpuinfo on the host is readable and complete (it needs the CPU implementer, architecture, variant, part, revision and Features lines).',
  );
}

import { z } from 'zod';
import { RemoteCommandError, formatZodIssues } from '../errors';
import type { Transport } from '../transport';
import { FACTS_SCRIPT, scriptArgv } from './hostScripts';
import { runToCompletion } from './runToCompletion';

/** What the facts script reports, validated at the boundary. */
export const HostFactsSchema = z.object({
  kernelRelease: z.string().min(1),
  arch: z.string().min(1),
  kvmAccess: z.enum(['rw', 'denied', 'missing']),
  binary: z.string().min(1),
  /** Size and mtime (seconds) of the binary, or null when it does not exist. */
  binaryStat: z.object({ size: z.number().int().nonnegative(), mtime: z.number().int() }).nullable(),
  kvmParams: z.record(z.string()),
  /** The first processor's block of /proc/cpuinfo, raw; parsed by the CPU model. */
  cpuinfo: z.string(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

/** Parse the facts script's output. Pure; every problem is reported at once. */
export function parseHostFacts(stdout: string, host: string): HostFacts {
  const [head, ...rest] = stdout.split('\n--- cpuinfo\n');
  const fields = new Map<string, string>();
  const kvmParams: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.startsWith('kvmparam.')) kvmParams[key.slice('kvmparam.'.length)] = value;
    else fields.set(key, value);
  }
  const stat = (fields.get('binarystat') ?? '').trim().split(/\s+/);
  const raw = {
    kernelRelease: fields.get('kernel'),
    arch: fields.get('arch'),
    kvmAccess: fields.get('kvm'),
    binary: fields.get('binary'),
    binaryStat: stat.length === 2 ? { size: Number(stat[0]), mtime: Number(stat[1]) } : null,
    kvmParams,
    cpuinfo: rest.join('\n--- cpuinfo\n'),
  };
  const parsed = HostFactsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RemoteCommandError({
      host,
      stage: 'host-facts',
      what: 'the host facts script printed something unexpected',
      why: formatZodIssues(parsed.error).join('; '),
      hint: 'The host needs a POSIX sh, uname, stat, sed and /proc; report this with the output of `uname -a`.',
    });
  }
  return parsed.data;
}

/** Gather the host's facts with one exec. */
export async function readHostFacts(transport: Transport, qemuBinary: string | undefined, timeoutMs: number): Promise<HostFacts> {
  const result = await runToCompletion(transport, scriptArgv(FACTS_SCRIPT, [qemuBinary ?? '']), {
    timeoutMs,
    stage: 'host-facts',
    what: 'reading host facts',
  });
  return parseHostFacts(result.stdout, transport.label);
}

import { z } from 'zod';
import { RemoteCommandError, formatZodIssues } from '../errors';
import type { Transport } from '../transport';
import { FACTS_SCRIPT, FACTS_START, scriptArgv } from './hostScripts';
import { runToCompletion } from './runToCompletion';

/** What the facts script reports, validated at the boundary. */
export const HostFactsSchema = z.object({
  kernelRelease: z.string().min(1),
  arch: z.string().min(1),
  kvmAccess: z.enum(['rw', 'denied', 'missing']),
  binary: z.string().min(1),
  /** Size and mtime (seconds) of the binary, or null when it does not exist. */
  binaryStat: z.object({ size: z.number().int().nonnegative(), mtime: z.number().int() }).nullable(),
  /** kvm and vendor module (kvm_intel, kvm_amd, kvm_pvm) parameters, keyed `<module>/parameters/<name>`. */
  kvmParams: z.record(z.string()),
  /** The first processor's block of /proc/cpuinfo, raw; parsed by the CPU model. */
  cpuinfo: z.string(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

/** kvm module parameters arrive as `/sys/module/<module>/parameters/<name>:<value>`, keyed `<module>/parameters/<name>`. */
const KVM_PARAM_PREFIX = '/sys/module/';
/** Longer parameter values are cut; none of kvm's comes near. */
const MAX_PARAM_CHARS = 256;

/** Parse the facts script's output. Pure; every problem is reported at once. */
export function parseHostFacts(output: string, host: string): HostFacts {
  // A login shell's startup files may print lines first; the script's own output starts at its first line.
  const start = output.startsWith(`${FACTS_START}\n`) ? 0 : output.indexOf(`\n${FACTS_START}\n`);
  const stdout = start < 0 ? output : output.slice(output.indexOf('\n', start + 1) + 1);
  const [head, ...rest] = stdout.split('\n--- cpuinfo\n');
  const fields = new Map<string, string>();
  const kvmParams: Record<string, string> = {};
  for (const line of head.split('\n')) {
    if (line.startsWith(KVM_PARAM_PREFIX)) {
      // grep -H: "/sys/module/kvm/parameters/halt_poll_ns:200000"; a value's further lines repeat the path.
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(KVM_PARAM_PREFIX.length, colon);
      kvmParams[name] = ((kvmParams[name] ?? '') + line.slice(colon + 1)).slice(0, MAX_PARAM_CHARS);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    fields.set(line.slice(0, eq), line.slice(eq + 1));
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
      hint: 'The host needs a POSIX sh, uname, stat and /proc; report this with the output of `uname -a`.',
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

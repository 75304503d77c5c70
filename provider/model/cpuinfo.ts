import { RemoteCommandError } from '../errors';
import { profileOfUname } from './arch';
import { parseX86Cpuinfo } from './arch/x86Cpuinfo';
import type { HostCpu } from './hostCpu';

/**
 * Parse the first processor of a host's /proc/cpuinfo, read as its
 * architecture's profile reads it.
 *
 * @param cpuinfo - the raw text.
 * @param host - the host label, for the error message.
 * @param uname - the host's `uname -m`; absent, the text is read as x86's.
 * @throws RemoteCommandError (stage 'host-facts') naming every problem found,
 *   or the architecture qemu-cpu cannot read.
 */
export function parseCpuinfo(cpuinfo: string, host?: string, uname?: string): HostCpu {
  if (uname === undefined) return parseX86Cpuinfo(cpuinfo, host);
  const profile = profileOfUname(uname);
  if (profile) return profile.parseCpuinfo(cpuinfo, host);
  throw new RemoteCommandError({
    host,
    stage: 'host-facts',
    what: `qemu-cpu cannot read /proc/cpuinfo of a ${uname.trim()} host`,
    why: 'qemu-cpu has architecture profiles for x86_64 and aarch64 hosts only',
    hint: 'Probe x86_64 or aarch64 hosts; a new architecture is a profile in provider/model/arch (docs/architecture.md).',
  });
}

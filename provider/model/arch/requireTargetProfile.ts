import { QemuLaunchError } from '../../errors';
import type { ArchProfile } from './profile';
import { profileOfTarget } from './profiles';

/**
 * The profile of a query-target answer; an architecture without one is
 * refused with what to do (stage qmp-command: QEMU's own answer said so).
 *
 * @throws QemuLaunchError naming the architecture.
 */
export function requireTargetProfile(target: string, host: string): ArchProfile {
  const profile = profileOfTarget(target);
  if (profile) return profile;
  throw new QemuLaunchError({
    host,
    stage: 'qmp-command',
    what: `this QEMU emulates ${JSON.stringify(target)}, an architecture qemu-cpu has no profile for`,
    why: 'qemu-cpu knows x86_64 and aarch64 guests (provider/model/arch)',
    hint: 'Point qemuBinary at qemu-system-x86_64 or qemu-system-aarch64.',
  });
}

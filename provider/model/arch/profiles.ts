/**
 * The profile table and how one is picked: from QEMU's query-target when
 * QEMU has answered, before that from the binary's name.
 */
import { ARCHITECTURES, architectureOf, type Architecture } from './architecture';
import type { ArchProfile } from './profile';
import { X86_64_PROFILE } from './x86_64';
import { AARCH64_PROFILE } from './aarch64';

const PROFILES: Readonly<Record<Architecture, ArchProfile>> = { x86_64: X86_64_PROFILE, aarch64: AARCH64_PROFILE };

/** The profile of a known architecture. */
export function archProfile(arch: Architecture): ArchProfile {
  return PROFILES[arch];
}

/** The profile of a query-target answer; undefined for an architecture qemu-cpu has no profile for. */
export function profileOfTarget(target: string): ArchProfile | undefined {
  const arch = architectureOf(target);
  return arch === undefined ? undefined : PROFILES[arch];
}


/** The profile whose hosts report this `uname -m`, if any. */
export function profileOfUname(uname: string): ArchProfile | undefined {
  return ARCHITECTURES.map((a) => PROFILES[a]).find((p) => p.unameNames.includes(uname.trim()));
}

/** The architecture a binary named `qemu-system-<arch>` emulates; undefined for any other name (RHEL's /usr/libexec/qemu-kvm) or an unknown arch. */
export function architectureNamedBy(binary: string | undefined): Architecture | undefined {
  const named = /^qemu-system-([a-z0-9_]+)$/.exec(binary?.split('/').pop() ?? '');
  return named ? architectureOf(named[1]) : undefined;
}

/**
 * The architecture a QEMU binary most likely emulates, before QEMU is asked:
 * the one its name says, else the host's own (`uname -m`), else x86_64. A
 * guess to pipeline by; query-target confirms it.
 */
export function guessArchitecture(binary: string | undefined, uname?: string): Architecture {
  return architectureNamedBy(binary) ?? (uname !== undefined ? profileOfUname(uname)?.arch : undefined) ?? 'x86_64';
}

/**
 * The canonical spelling of a feature name in any profile (x86 first: its
 * aliases and Linux spellings), or undefined when no architecture knows it.
 */
export function canonicalFeatureAnyArch(name: string): string | undefined {
  for (const a of ARCHITECTURES) {
    const c = PROFILES[a].canonicalFeatureName(name);
    if (c !== undefined) return c;
  }
  return undefined;
}

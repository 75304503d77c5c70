import { archProfile } from './arch';
import type { HostCapabilities } from './capabilities';

/** The CPU a host-model baseline proposes: the host model with its properties pinned. */
export interface HostModelBaseline {
  /** host under KVM, max under TCG. */
  model: 'host' | 'max';
  /** Properties every host's host model has, switched on (the asked-for required ones included), in QEMU's order of application: sve before its lengths. */
  requiredFeatures: string[];
  /** Properties some hosts have and others lack, switched off so that every host gives the same CPU (the asked-for disabled ones included). */
  disabledFeatures: string[];
  /** The properties, of those on, that the fleet did not ask for. */
  extras: string[];
  /** Required features some host's host model lacks, per host: no baseline has them. */
  lacking: Array<{ host: string; features: string[] }>;
}

/**
 * A baseline for an architecture whose QEMU offers no ladder of named models
 * to choose from (aarch64: under KVM only host and max generally run): the
 * host model (host under KVM, max under TCG) with every property of the
 * profile that all hosts give switched on, and those only some give switched
 * off, so the guest sees the same CPU everywhere. SVE vector lengths every
 * host supports are on; the others off (the intersection of the hosts' sets
 * keeps QEMU's rule that every power-of-two length below the largest is on).
 * Pure.
 */
export function hostModelBaseline(
  hosts: readonly HostCapabilities[],
  asked: { requiredFeatures: readonly string[]; disabledFeatures: readonly string[] },
): HostModelBaseline {
  const profile = archProfile(hosts[0].arch);
  const model = hosts[0].accelerator === 'kvm' ? 'host' : 'max';
  const sets = hosts.map((h) => new Set(h.hostModel.features));
  const any = new Set(sets.flatMap((s) => [...s]));
  const disabledAsked = new Set(asked.disabledFeatures);
  const property = (f: string) => profile.features.has(f) && !disabledAsked.has(f);
  const common = [...any].filter((f) => property(f) && sets.every((s) => s.has(f)));
  const uncommon = [...any].filter((f) => property(f) && !sets.every((s) => s.has(f)));
  const required = ordered([...new Set([...asked.requiredFeatures, ...common])]);
  const lacking = hosts
    .map((h, i) => ({ host: h.host, features: asked.requiredFeatures.filter((f) => !sets[i].has(f)) }))
    .filter((l) => l.features.length > 0);
  return {
    model,
    requiredFeatures: required,
    disabledFeatures: ordered([...new Set([...asked.disabledFeatures, ...uncommon.filter((f) => !asked.requiredFeatures.includes(f))])]),
    extras: required.filter((f) => !asked.requiredFeatures.includes(f)),
    lacking,
  };
}

/** sve first, then its lengths by size, then the rest by name: QEMU applies -cpu properties in order, and a length needs sve=on. */
function ordered(features: string[]): string[] {
  const rank = (f: string) => (f === 'sve' ? -1 : /^sve\d+$/.test(f) ? Number(f.slice(3)) : 1e6);
  return features.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

import type { HostCapabilities } from './capabilities';

const VERSIONED_MACHINE = /^(.*-)(\d+(?:\.\d+)+)$/;

function versionKey(v: string): number[] {
  return v.split('.').map(Number);
}

function newer(a: string, b: string): boolean {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/**
 * Hosts that resolve a machine-type alias (q35) to different versions
 * cannot migrate between each other: a guest keeps its machine type. The
 * newest versioned type of the same kind (pc-q35-X.Y) that every host's
 * QEMU knows; null when the resolved types are of different kinds or no
 * version is common.
 *
 * @param resolved - the concrete machine types the hosts resolved to.
 */
export function suggestMachineType(hosts: readonly HostCapabilities[], resolved: readonly string[]): string | null {
  const prefixes = new Set(resolved.map((m) => VERSIONED_MACHINE.exec(m)?.[1] ?? m));
  if (prefixes.size !== 1 || hosts.length === 0) return null;
  const [prefix] = prefixes;
  const versionsOf = (h: HostCapabilities) =>
    new Set(h.machines.flatMap((m) => {
      const parts = VERSIONED_MACHINE.exec(m.name);
      return parts && parts[1] === prefix ? [parts[2]] : [];
    }));
  const [first, ...rest] = hosts.map(versionsOf);
  let best: string | null = null;
  for (const v of first) if (rest.every((s) => s.has(v)) && (best === null || newer(v, best))) best = v;
  return best === null ? null : `${prefix}${best}`;
}

import type { Architecture } from './architecture';

/**
 * Why hosts of more than one guest architecture cannot share a CPU, naming
 * each architecture's hosts in first-seen order ("x86_64 (a, b) and aarch64
 * (c)"); undefined when they are of one (hosts whose architecture is not
 * known are left out).
 */
export function mixedArchitectures(hosts: ReadonlyArray<{ name: string; arch?: Architecture }>): string | undefined {
  const arches = [...new Set(hosts.flatMap((h) => (h.arch ? [h.arch] : [])))];
  if (arches.length < 2) return undefined;
  const of = arches.map((a) => `${a} (${hosts.filter((h) => h.arch === a).map((h) => h.name).join(', ')})`).join(' and ');
  return `the hosts are of ${arches.length} architectures, ${of}: no guest CPU runs on both`;
}

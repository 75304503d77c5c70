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

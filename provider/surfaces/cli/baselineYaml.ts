import { stringify } from 'yaml';
import { levelLabel, RENDERERS, type Renderings } from '../../model';
import type { BaselineReport } from '../../probe';

/** How many features of one group to name in the comments before "and N more". */
const LISTED = 16;

/**
 * The baseline as YAML to paste into a check file: the CPU fields as YAML,
 * everything else (the CPU in every output format, what blocks live
 * migration, the hosts) as comments, which a check file keeps.
 */
export function renderBaselineYaml(report: BaselineReport): string {
  const comment = (text: string) => text.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n');
  const out: string[] = [];
  const level = (h: BaselineReport['hosts'][number]) => (h.hostModelLevel === undefined ? '' : `host model ${levelLabel(h.hostModelLevel)}`);
  const hosts = report.hosts.map((h) => `${h.name} (${[h.cpu, h.qemuVersion && `QEMU ${h.qemuVersion}`, level(h)].filter(Boolean).join(', ') || '?'})`);
  out.push(comment(`qemu-cpu baseline of ${report.hosts.length} host(s): ${hosts.join('; ')}`));
  if (!report.ok || !report.selection) {
    out.push(comment(`No baseline: ${report.reason ?? 'unknown'}.`));
    for (const h of report.hosts) if (h.error) out.push(comment(`  ${h.error}`));
    for (const c of report.candidates.filter((c) => c.outcome === 'rejected')) {
      out.push(comment(`  ${c.model} rejected: ${c.missing.map((m) => `${m.host} lacks ${m.features.join(', ')}`).join('; ')}`));
    }
    for (const h of report.verification?.hosts ?? []) {
      if (h.missingFeatures.length) out.push(comment(`  ${h.name} cannot give ${h.missingFeatures.join(', ')}`));
    }
    return out.join('\n') + '\n';
  }
  const chosen = report.candidates.find((c) => c.outcome === 'confirmed');
  const origin = chosen?.released ? ` (${chosen.vendor}, first shipped ${chosen.released})` : '';
  if (report.method === 'host-model') {
    // An architecture without a ladder of named models (aarch64): the host model, its properties pinned.
    out.push(comment(`The host model ${report.model}, with the ${report.selection.requiredFeatures.length} properties every host gives on and the ${report.selection.disabledFeatures.length} only some give off, so every host gives the same CPU.`));
  } else {
    out.push(comment(`Newest model every host can enforce: ${report.model}${origin}; ${report.extraFeatures.length} extra feature(s) every host can give.`));
  }
  out.push(comment('Confirmed by QEMU on every host: a paused VM with exactly this CPU.'));
  if (report.x86Level) {
    const next = report.x86Level.nextLevel ? `; ${report.x86Level.nextLevel} would need ${report.x86Level.missingForNext.join(', ')}` : '';
    out.push(comment(`x86-64 level: ${levelLabel(report.x86Level.level)}${next}.`));
  }
  if (report.policy?.note) out.push(comment(`Vendor: ${report.policy.note}.`));
  out.push(stringify(report.selection).trimEnd());
  // With a selection every rendering field is filled (null only where a format cannot express the CPU).
  for (const renderer of RENDERERS) {
    const { text, reason } = renderer.print(report as Renderings);
    if (text !== null) out.push(comment(text.includes('\n') ? `${renderer.label}:\n${text}` : `${renderer.label}: ${text}`));
    if (reason !== null) out.push(comment(`${renderer.label}: ${reason}`));
  }
  for (const r of report.refusedExtras) {
    const why = r.why === 'missing' ? 'reported them missing' : 'would not start with them';
    out.push(comment(`Left out although every host model offers them: ${r.features.join(', ')} (QEMU on ${r.host} ${why}).`));
  }
  const blockers = report.migration.blockers;
  const inSelection = blockers.filter((b) => b.inSelection);
  const partial = blockers.filter((b) => b.kind === 'not-on-every-host' && !b.inSelection);
  if (inSelection.length || partial.length || report.migration.machineTypes.length) out.push(comment('Live migration:'));
  for (const b of inSelection) out.push(comment(`  BLOCKS MIGRATION: ${b.feature} is in this CPU: ${b.reason}`));
  if (partial.length) out.push(comment('  not in this CPU; present on some hosts only, so a guest with them could not move to the others:'));
  for (const [hosts, features] of groupByHosts(partial)) {
    const more = features.length > LISTED ? `, and ${features.length - LISTED} more (--format json lists them)` : '';
    out.push(comment(`    only on ${hosts}: ${features.slice(0, LISTED).join(', ')}${more}`));
  }
  if (report.migration.machineTypes.length) {
    const types = report.migration.machineTypes.map((m) => `${m.machineType} on ${m.host}`).join(', ');
    const fix = report.migration.suggestedMachineType ? `; use machineType: ${report.migration.suggestedMachineType}, which every host knows` : '';
    out.push(comment(`  machine type ${report.selection.machineType} resolves differently (${types}): a guest cannot migrate between them${fix}`));
  }
  return out.join('\n') + '\n';
}

/** Features keyed by the hosts that have them, the groups most hosts share first. */
function groupByHosts(blockers: BaselineReport['migration']['blockers']): Array<[string, string[]]> {
  const groups = new Map<string, { size: number; features: string[] }>();
  for (const b of blockers) {
    const key = b.hosts.join(', ');
    const g = groups.get(key) ?? { size: b.hosts.length, features: [] };
    g.features.push(b.feature);
    groups.set(key, g);
  }
  return [...groups].sort(([a, x], [b, y]) => y.size - x.size || (a < b ? -1 : 1)).map(([key, g]) => [key, g.features]);
}

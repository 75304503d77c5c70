import { BLOCKER_LAYERS, LAYER_MEANING, levelLabel, type Outcome } from '../../model';
import type { SelectionReport } from '../../probe';
import type { Palette } from './colour';

/**
 * One line per host, columns aligned (a verdict from the fingerprint cache
 * says so in its result); then each undecided host's reason; then the verdict.
 *
 * @param askedMachineType - the machine type the file asks for, shown when no host resolved it ('default': none asked, each host's architecture's).
 */
export function renderCheckText(report: SelectionReport, paint: Palette, askedMachineType?: string): string {
  const out: string[] = [];
  const cpu = report.model === report.resolvedModel ? report.qemuCpuArg : `${report.qemuCpuArg} (model ${report.model})`;
  const resolved = [...new Set(report.hosts.map((h) => h.machineType).filter((m): m is string => m !== null))].join(', ');
  const machine = resolved || `${askedMachineType ?? 'default'} (no host resolved it)`;
  out.push(paint.bold(`qemu-cpu check: ${cpu}`));
  out.push(`  machine type ${machine}, accelerator ${report.hosts[0]?.accelerator ?? '?'}, ${report.hosts.length} host(s)`);
  out.push('');
  const rows = report.hosts.map((h) => ({
    cells: [
      h.name,
      RESULT_WORD[h.outcome] + (h.fromCache ? ' (cached)' : ''),
      h.qemuVersion ?? '-',
      h.machineType ?? '-',
      h.resolvedModel ?? '-',
      h.missingFeatures.length ? h.missingFeatures.join(', ') : '-',
    ],
    paint: h.outcome === 'can' ? paint.good : h.outcome === 'cannot' ? paint.bad : paint.warn,
  }));
  const header = ['HOST', 'RESULT', 'QEMU', 'MACHINE', 'MODEL', 'MISSING'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r.cells[i].length)));
  const line = (cells: string[], colour?: (s: string) => string) =>
    '  ' +
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]);
        return i === 1 && colour ? colour(padded) : padded;
      })
      .join('  ');
  out.push(line(header));
  for (const r of rows) out.push(line(r.cells, r.paint));
  const cached = report.hosts.filter((h) => h.fromCache);
  if (cached.length > 0) {
    out.push('');
    out.push(`  (cached): ${cached.length} host(s) answered from qemu-cpu's fingerprint cache (unchanged since QEMU answered); --no-cache asks QEMU again`);
  }
  // Missing features are in the table; every other reason (could not be asked, a refusal, no common model) is explained.
  const explained = report.hosts.filter((h) => h.outcome !== 'can' && h.kind !== 'missing-features');
  if (explained.length > 0) {
    out.push('');
    // A verdict's message names its host already ("dead: could not connect ...").
    for (const h of explained) out.push(`  ${h.message ?? `${h.name}: could not be asked`}`);
  }
  out.push(...layerLines(report));
  out.push('');
  out.push(...fleetLines(report, paint));
  out.push('');
  out.push(verdictLine(report, paint));
  return out.join('\n') + '\n';
}

/** The RESULT column for each outcome. */
const RESULT_WORD: Record<Outcome, string> = { can: 'ok', cannot: 'CANNOT ENFORCE', undecided: 'UNDECIDED' };

/** The missing features by layer, each layer's hosts with theirs: "  qemu (...): qemu-7.2 erms, fsrm". */
function layerLines(report: SelectionReport): string[] {
  const rows = BLOCKER_LAYERS.map((layer) => {
    const perHost = report.hosts
      .map((h) => ({ name: h.name, features: (h.blockers ?? []).filter((b) => b.layer === layer).map((b) => b.feature) }))
      .filter((h) => h.features.length > 0);
    return perHost.length ? `    ${layer} (${LAYER_MEANING[layer]}): ${perHost.map((h) => `${h.name} ${h.features.join(', ')}`).join('; ')}` : '';
  }).filter(Boolean);
  return rows.length ? ['', '  Missing features by layer:', ...rows] : [];
}

/** The CPU's x86-64 level (x86 fleets) and each migration warning, indented like the rows. */
export function fleetLines(report: Pick<SelectionReport, 'x86Level' | 'migration' | 'unmet'>, paint: Palette): string[] {
  const level = report.x86Level;
  const next = level?.nextLevel ? `; ${level.nextLevel} would need ${level.missingForNext.join(', ')}` : '';
  const lines = level ? [`  x86-64 level: ${levelLabel(level.level)}${next}`] : [];
  const required = report.unmet.some((u) => u.kind === 'require-migratable');
  for (const w of report.migration.warnings) {
    const text = `live migration between ${w.hosts.join(', ')}: ${w.reason}`;
    lines.push(required ? paint.bad(`  NOT MIGRATABLE: ${text}`) : paint.warn(`  WARNING: ${text}`));
  }
  if (report.migration.migratable === true) lines.push('  live migration: nothing found that would block it between these hosts');
  return lines;
}

/** The one-sentence result. */
export function verdictLine(report: SelectionReport, paint: Palette): string {
  const cannot = report.hosts.filter((h) => h.outcome === 'cannot').map((h) => h.name);
  const undecided = report.hosts.filter((h) => h.outcome === 'undecided').map((h) => h.name);
  if (report.ok) return paint.good(`OK: all ${report.hosts.length} host(s) can enforce ${report.qemuCpuArg}`);
  const parts: string[] = report.unmet.map((u) => u.reason);
  if (cannot.length) parts.push(`${cannot.length} of ${report.hosts.length} host(s) cannot enforce this CPU: ${cannot.join(', ')}`);
  if (undecided.length) parts.push(`${undecided.length} host(s) could not be asked: ${undecided.join(', ')}`);
  return cannot.length || report.unmet.length ? paint.bad(`FAIL: ${parts.join('. ')}`) : paint.warn(`UNDECIDED: ${parts.join('. ')}`);
}

/** The CPU in a few words for messages: "SandyBridge-v1 with 32 required and 1 disabled feature(s)"; the -cpu argument says it in full. */
export function cpuLabel(report: Pick<SelectionReport, 'resolvedModel' | 'requiredFeatures' | 'disabledFeatures'>): string {
  const parts = [
    report.requiredFeatures.length ? `${report.requiredFeatures.length} required` : '',
    report.disabledFeatures.length ? `${report.disabledFeatures.length} disabled` : '',
  ].filter(Boolean);
  return parts.length ? `${report.resolvedModel} with ${parts.join(' and ')} feature(s)` : report.resolvedModel;
}

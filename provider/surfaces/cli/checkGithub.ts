import type { ConfigError } from '../../errors';
import type { SelectionReport } from '../../probe';
import { cannotReason } from '../../model';
import { cpuLabel } from './checkText';

/** A workflow command's message: %, CR and LF escaped as GitHub Actions requires. */
function data(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: also : and , escaped. */
function property(text: string): string {
  return data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands: an ::error annotation per host that
 * cannot enforce the CPU or could not be asked (on the check file), a
 * ::notice for the result, and a plain summary line.
 */
export function renderCheckGithub(report: SelectionReport, source: string): string {
  const lines: string[] = [];
  const at = (title: string) => `file=${property(source)},title=${property(title)}`;
  for (const h of report.hosts) {
    if (h.outcome === 'cannot') {
      lines.push(
        `::error ${at(`qemu-cpu: ${h.name} cannot enforce the CPU`)}::${data(
          `${h.name} (QEMU ${h.qemuVersion ?? '?'}, ${h.machineType ?? '?'}) cannot enforce ${cpuLabel(report)}: ${cannotReason(h)}`,
        )}`,
      );
    } else if (h.outcome === 'undecided') {
      lines.push(`::error ${at(`qemu-cpu: ${h.name} could not be asked`)}::${data(h.message ?? `${h.name} could not be asked`)}`);
    }
  }
  for (const u of report.unmet) lines.push(`::error ${at(`qemu-cpu: ${u.kind}`)}::${data(u.reason)}`);
  if (!report.unmet.some((u) => u.kind === 'require-migratable')) {
    for (const w of report.migration.warnings) lines.push(`::warning ${at(`qemu-cpu: not migratable (${w.kind})`)}::${data(`${w.hosts.join(', ')}: ${w.reason}`)}`);
  }
  const cannot = report.hosts.filter((h) => h.outcome === 'cannot').length;
  const undecided = report.hosts.filter((h) => h.outcome === 'undecided').length;
  const unmet = report.unmet.length ? `; ${report.unmet.map((u) => u.reason).join('; ')}` : '';
  const summary = report.ok
    ? `all ${report.hosts.length} host(s) can enforce ${report.qemuCpuArg}`
    : `${cannot} host(s) cannot enforce ${report.qemuCpuArg}, ${undecided} could not be asked, of ${report.hosts.length}${unmet}`;
  lines.push(`::notice ${at('qemu-cpu check')}::${data(summary)}`);
  lines.push(`qemu-cpu check: ${summary}`);
  return lines.join('\n') + '\n';
}

/**
 * The GitHub form of an invalid check file: an ::error annotation on the
 * file listing every problem (one per line), and the plain summary line.
 */
export function renderConfigErrorGithub(err: ConfigError, source: string): string {
  const problems = err.issues.length > 0 ? err.issues : [err.message];
  return [
    `::error file=${property(source)},title=${property(`qemu-cpu: ${err.what}`)}::${data(err.issues.length > 1 ? `${err.what}:\n${problems.join('\n')}` : err.message)}`,
    `qemu-cpu check: ${err.what}; no host was asked`,
  ].join('\n') + '\n';
}

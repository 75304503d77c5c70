import type { ConfigError } from '../../errors';
import type { SelectionReport } from '../../probe';
import { cannotReason } from '../../model';
import { cpuLabel } from './checkText';

/** XML text: the five escapes, and no characters XML 1.0 forbids (control characters). */
function xml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * JUnit XML as CI test reporters read it: one testsuite, one testcase per
 * host. A host that cannot enforce the CPU is a <failure>; a host that could
 * not be asked is an <error> (not decided either way).
 *
 * @param seconds - how long the check took.
 * @param source - the check file, recorded as a property.
 */
export function renderCheckJunit(report: SelectionReport, seconds: number, source: string): string {
  // Fleet demands (minimumLevel, requireMigratable) not met are one more test case, failed.
  const fleet = report.unmet.length > 0 ? 1 : 0;
  const failures = report.hosts.filter((h) => h.outcome === 'cannot').length + fleet;
  const errors = report.hosts.filter((h) => h.outcome === 'undecided').length;
  const counts = `tests="${report.hosts.length + fleet}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds.toFixed(3)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="qemu-cpu check" ${counts}>`,
    `  <testsuite name="${xml(`qemu-cpu check: ${report.qemuCpuArg}`)}" ${counts} timestamp="${xml(new Date().toISOString())}">`,
    '    <properties>',
    ...Object.entries({ config: source, model: report.model, resolvedModel: report.resolvedModel, qemuCpuArg: report.qemuCpuArg }).map(
      ([name, value]) => `      <property name="${name}" value="${xml(value)}"/>`,
    ),
    '    </properties>',
  ];
  for (const h of report.hosts) {
    const open = `    <testcase classname="qemu-cpu.check" name="${xml(h.name)}"`;
    const cached = h.fromCache ? `; from qemu-cpu's fingerprint cache: the host is unchanged since QEMU answered at ${h.probedAt}` : '';
    const facts = `QEMU ${h.qemuVersion ?? '?'}, machine ${h.machineType ?? '?'}, model ${h.resolvedModel ?? '?'}, accelerator ${h.accelerator}${cached}`;
    if (h.outcome === 'can') {
      lines.push(`${open}>`, `      <system-out>${xml(`${h.name} can enforce ${cpuLabel(report)} (${facts})`)}</system-out>`, '    </testcase>');
    } else if (h.outcome === 'cannot') {
      const message = `${h.name} cannot enforce ${cpuLabel(report)}: ${cannotReason(h)}`;
      lines.push(`${open}>`, `      <failure type="NotEnforceable" message="${xml(message)}">${xml(`${message}\n${facts}\n-cpu ${report.qemuCpuArg}`)}</failure>`, '    </testcase>');
    } else {
      const message = h.message ?? `${h.name} could not be asked`;
      lines.push(`${open}>`, `      <error type="Undecided" message="${xml(message)}">${xml(message)}</error>`, '    </testcase>');
    }
  }
  if (fleet) {
    const message = report.unmet.map((u) => u.reason).join('; ');
    lines.push('    <testcase classname="qemu-cpu.check" name="fleet">', `      <failure type="FleetDemandUnmet" message="${xml(message)}">${xml(message)}</failure>`, '    </testcase>');
  }
  const notes = [...(report.x86Level ? [`x86-64 level: ${report.x86Level.level ?? 'below x86-64-v1'}`] : []), ...report.migration.warnings.map((w) => `live migration between ${w.hosts.join(', ')}: ${w.reason}`)];
  lines.push(`    <system-out>${xml(notes.join('\n'))}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

/**
 * The JUnit form of an invalid check file, so that the CI page shows why
 * nothing was checked: one testcase, "check file", with an <error> listing
 * every problem.
 */
export function renderConfigErrorJunit(err: ConfigError, source: string): string {
  const problems = err.issues.length > 0 ? err.issues : [err.message];
  const counts = 'tests="1" failures="0" errors="1" skipped="0" time="0.000"';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="qemu-cpu check" ${counts}>`,
    `  <testsuite name="${xml(`qemu-cpu check: ${source}`)}" ${counts} timestamp="${xml(new Date().toISOString())}">`,
    `    <properties><property name="config" value="${xml(source)}"/></properties>`,
    `    <testcase classname="qemu-cpu.check" name="check file">`,
    `      <error type="ConfigError" message="${xml(err.message)}">${xml(problems.join('\n'))}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
  ].join('\n') + '\n';
}

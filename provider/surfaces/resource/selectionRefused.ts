import { QemuCpuError, type ErrorKind } from '../../errors';
import type { BaselineReport, SelectionReport } from '../../probe';

/**
 * Create or update found hosts that cannot enforce the CPU. The message
 * lists one line per host in the same form Check reports them, so a
 * deployment log and a preview read the same: "what (evaluate):", the
 * lines, then the hint, each on a line of its own so that every host line
 * parses to its end.
 */
export class SelectionRefusedError extends QemuCpuError {
  override readonly kind: ErrorKind = 'selection-refused';
  /** One reason per host, as in {@link hostFailures}. */
  readonly failures: readonly string[];
  readonly report: SelectionReport;

  constructor(report: SelectionReport, failures: readonly string[]) {
    const bad = report.hosts.filter((h) => h.outcome !== 'can').length;
    super({
      stage: 'evaluate',
      what: `the CPU ${report.qemuCpuArg} cannot be enforced on ${bad} of ${report.hosts.length} host(s)`,
      why: failures.join('; '),
      hint: 'Choose a model and features every host can give (qemu-cpu probe, or getHostCpuCapabilities, lists them), or fix the hosts.',
    });
    this.message = `${this.what} (${this.stage}):\n${failures.join('\n')}\n${this.hint}`;
    this.failures = failures;
    this.report = report;
  }
}

/**
 * Model 'auto' found no CPU to pin (Create, or Update after the question
 * changed): no CPU every host can enforce, or some host could not be asked.
 * The message lists the reason and one line per host, as Check reports them.
 */
export class NoBaselineError extends QemuCpuError {
  override readonly kind: ErrorKind = 'no-baseline';
  readonly failures: readonly string[];
  readonly report: BaselineReport;

  constructor(report: BaselineReport, failures: readonly string[]) {
    super({
      stage: 'evaluate',
      what: report.decided ? "model 'auto' found no CPU every host can enforce" : "model 'auto' could not ask every host for the fleet baseline",
      why: failures.join('; '),
      hint: report.decided
        ? 'Drop the required features some host lacks, or the hosts that lack them (qemu-cpu baseline explains the search).'
        : 'Make every host reachable (or remove it from hosts) and run again: a baseline over the other hosts would be wrong for it.',
    });
    this.message = `${this.what} (${this.stage}):\n${failures.join('\n')}\n${this.hint}`;
    this.failures = failures;
    this.report = report;
  }
}

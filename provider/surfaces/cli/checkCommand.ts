import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors';
import { printRendering, RENDER_FORMATS } from '../../model';
import { findBaseline, verifySelection, type SelectionReport } from '../../probe';
import type { SelectionInputs } from '../../inventory';
import { autoSelectionReport } from './autoReport';
import type { CliIo } from './cliIo';
import { palette } from './colour';
import { renderCheckGithub, renderConfigErrorGithub } from './checkGithub';
import { renderCheckJunit, renderConfigErrorJunit } from './checkJunit';
import { renderCheckText } from './checkText';
import { EXIT } from './exitCodes';
import { FLEET_DEMAND_OPTIONS, fleetDemandIssues, withFleetDemands } from './fleetDemandFlags';
import { applyRunLimits, RUN_LIMIT_OPTIONS, runLimitFlags } from './runLimits';
import { loadSelectionFile } from './selectionFile';

export const CHECK_USAGE = `Usage: qemu-cpu check --config FILE [options]

Asks every host of FILE, in parallel, whether it can enforce the guest CPU
the file describes: a paused VM with the exact machine type and -cpu on
each host. FILE is YAML with the fields of CpuModelSelection: hosts and/or
inventory, sshConfig, model ('auto' picks the baseline), requiredFeatures,
disabledFeatures, machineType, accelerator, concurrency (docs/cli.md).

Options:
  -c, --config FILE        the check file
  -f, --format FORMAT      text (default), json, junit or github; or the CPU alone as one output
                           format writes it: ${RENDER_FORMATS.join(', ')} (the verdict
                           is the exit code; why a format cannot write the CPU goes to stderr)
      --concurrency N      hosts asked at once (default: the file's, else 16)
      --connect-timeout S  seconds for each dial of every host: TCP, SSH banner, authentication
                           (default: the file's connectTimeout, else each host's perDialTimeout, 15)
      --host-timeout S     seconds one host may take, connecting included (default: the file's
                           hostTimeout, else 60); past it the host is undecided
      --no-cache           ask QEMU on every host even where the fingerprint cache holds the
                           answer for an unchanged host (the new answers replace the stored ones)
      --minimum-level L    x86-64-v1, v2, v3 or v4: a CPU below it cannot pass (the file's minimumLevel)
      --require-migratable a guest must be able to live-migrate between every pair of hosts:
                           differing machine types, invtsc or differing guest CPUs fail the check
                           (the file's requireMigratable); without it they are warnings
  -h, --help               show this help

Exit codes: 0 every host can enforce the CPU; 1 at least one host cannot
(even if others could not be asked): a missing feature, a model, feature
or machine type its QEMU does not know, or a vCPU QEMU will not start; or
the CPU is below --minimum-level, or with --require-migratable a guest
could not migrate between the hosts; 2 could not decide: a host could not be asked
(unreachable, host key, authentication, time limit, a QEMU that would not
start at all) or the file is invalid.
`;

export const CHECK_FORMATS: readonly string[] = ['text', 'json', 'junit', 'github', ...RENDER_FORMATS];
type CheckFormat = string;

/** `qemu-cpu check`: the pipeline gate. */
export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f' },
      concurrency: { type: 'string' },
      ...RUN_LIMIT_OPTIONS,
      'no-cache': { type: 'boolean' },
      ...FLEET_DEMAND_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(CHECK_USAGE);
    return EXIT.ok;
  }
  const format = commandOptions('check', values, positionals, CHECK_FORMATS);
  const started = Date.now();
  const { inputs, hostTimeoutMs } = await loadCheck(values, format, io);
  const report = await runCheck(inputs, values['no-cache'] ? 'refresh' : 'use', hostTimeoutMs);
  const seconds = (Date.now() - started) / 1000;
  const rendering = printRendering(format, report);
  if (rendering) printOneFormat('check', format, rendering, io, report.ok ? undefined : 'not every host can enforce this CPU (--format text says why)');
  else io.stdout(render(format, report, seconds, values.config!, io, inputs.machineType));
  return checkExitCode(report);
}

/**
 * The check file with the command line's limits applied. An invalid file
 * is also written in the junit or github form, so the CI page shows why;
 * the error then goes on to stderr and exit 2 as in every format.
 */
async function loadCheck(values: { config?: string; concurrency?: string } & Readonly<Record<string, unknown>>, format: CheckFormat, io: CliIo) {
  try {
    const { inputs, hostTimeoutMs } = applyRunLimits(await loadSelectionFile(values.config!, io), values);
    return { inputs: withFleetDemands(withConcurrency(inputs, values.concurrency), values), hostTimeoutMs };
  } catch (err) {
    if (err instanceof ConfigError && format === 'junit') io.stdout(renderConfigErrorJunit(err, values.config!));
    if (err instanceof ConfigError && format === 'github') io.stdout(renderConfigErrorGithub(err, values.config!));
    throw err;
  }
}

/** The ground truth for a concrete model; for 'auto', for the baseline's CPU. */
async function runCheck(inputs: SelectionInputs, cache: 'use' | 'refresh', hostTimeoutMs: number): Promise<SelectionReport> {
  if (inputs.model !== 'auto') return verifySelection({ ...inputs, model: inputs.model }, { cache, hostTimeoutMs });
  return autoSelectionReport(await findBaseline(inputs, { probe: { cache, hostTimeoutMs } }), inputs);
}

function render(format: CheckFormat, report: SelectionReport, seconds: number, source: string, io: CliIo, machineType: string | undefined): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'junit':
      return renderCheckJunit(report, seconds, source);
    case 'github':
      return renderCheckGithub(report, source);
    default:
      return renderCheckText(report, palette(io), machineType);
  }
}

/**
 * One output format's rendering on stdout, ready to paste; on stderr why
 * the format cannot write the CPU (or what it leaves out), and the
 * command's own verdict when it is not a yes.
 */
export function printOneFormat(command: string, format: string, rendering: { text: string | null; reason: string | null }, io: CliIo, notOk?: string): void {
  if (rendering.text !== null) io.stdout(`${rendering.text}\n`);
  if (rendering.reason !== null) io.stderr(`qemu-cpu ${command}: ${format}: ${rendering.reason}\n`);
  if (notOk !== undefined) io.stderr(`qemu-cpu ${command}: ${notOk}\n`);
}

/**
 * 0 when every host can enforce the CPU; 1 when at least one host cannot,
 * or a fleet demand (minimumLevel, requireMigratable) is unmet, even if
 * others could not be asked: the answer is "no" whatever they would say,
 * and only a different CPU fixes it; 2 when no host refused but some could
 * not be asked.
 */
export function checkExitCode(report: Pick<SelectionReport, 'ok' | 'hosts'> & Partial<Pick<SelectionReport, 'unmet'>>): number {
  if (report.ok) return EXIT.ok;
  // An unmet fleet demand (minimum level, migration) is a "no" whatever undecided hosts would say.
  if (report.unmet?.length) return EXIT.notSatisfied;
  return report.hosts.some((h) => h.outcome === 'cannot') ? EXIT.notSatisfied : EXIT.undecided;
}

/** Validate the options every file-driven command shares; returns the format. */
export function commandOptions<F extends string>(
  command: string,
  values: { config?: string; format?: string; concurrency?: string } & Readonly<Record<string, unknown>>,
  positionals: string[],
  formats: readonly F[],
): F {
  const issues: string[] = [];
  if (positionals.length > 0) issues.push(`unexpected argument ${JSON.stringify(positionals[0])}; the hosts come from the file`);
  if (!values.config) issues.push('--config FILE is required');
  const format = (values.format ?? formats[0]) as F;
  if (!formats.includes(format)) issues.push(`--format must be one of ${formats.join(', ')} (got ${JSON.stringify(values.format)})`);
  if (values.concurrency !== undefined && !/^\d{1,3}$/.test(values.concurrency)) issues.push('--concurrency must be a whole number from 1 to 256');
  issues.push(...runLimitFlags(values).issues, ...fleetDemandIssues(values));
  if (issues.length > 0) {
    throw new ConfigError({ what: `invalid qemu-cpu ${command} arguments`, why: issues.join('; '), hint: `Run 'qemu-cpu ${command} --help'.`, issues });
  }
  return format;
}

/** The file's inputs with --concurrency applied. */
export function withConcurrency(inputs: SelectionInputs, concurrency: string | undefined): SelectionInputs {
  if (concurrency === undefined) return inputs;
  const n = Number(concurrency);
  if (n < 1 || n > 256) throw new ConfigError({ what: 'invalid --concurrency', why: `${n} is not from 1 to 256` });
  return { ...inputs, concurrency: n };
}

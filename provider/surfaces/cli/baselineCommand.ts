import { parseArgs } from 'node:util';
import { printRendering, RENDER_FORMATS, type Renderings } from '../../model';
import { findBaseline, type BaselineReport } from '../../probe';
import { renderBaselineYaml } from './baselineYaml';
import type { CliIo } from './cliIo';
import { commandOptions, printOneFormat, withConcurrency } from './checkCommand';
import { EXIT } from './exitCodes';
import { FLEET_DEMAND_OPTIONS, withFleetDemands } from './fleetDemandFlags';
import { applyRunLimits, RUN_LIMIT_OPTIONS } from './runLimits';
import { loadSelectionFile } from './selectionFile';

export const BASELINE_USAGE = `Usage: qemu-cpu baseline --config FILE [options]

Finds the newest named QEMU CPU model every host of FILE can enforce, plus
the largest set of extra features all hosts can give, both confirmed by
the ground truth on every host (docs/baseline.md), and flags features that
block live migration. FILE is a check file (docs/cli.md); its model, if
any, is ignored. The output is ready to paste into a check file.

Options:
  -c, --config FILE        the file with hosts and/or inventory, machineType, requiredFeatures, disabledFeatures
  -f, --format FORMAT      yaml (default) or json; or the baseline CPU alone as one output
                           format writes it: ${RENDER_FORMATS.join(', ')}
      --no-extras          the model alone, without common extra features
      --minimum-level L    x86-64-v1, v2, v3 or v4: a baseline below it is none (the file's
                           minimumLevel); a baseline is never below x86-64-v1 (64-bit) anyway
      --concurrency N      hosts asked at once (default: the file's, else 16)
      --connect-timeout S  seconds for each dial of every host (default: the file's connectTimeout,
                           else each host's perDialTimeout, 15)
      --host-timeout S     seconds one host may take per question (default: the file's hostTimeout, else 60)
      --no-cache           search again even where the fingerprint cache holds the answer for these
                           unchanged hosts (the new answer replaces it; cache: $XDG_CACHE_HOME/qemu-cpu)
  -h, --help               show this help

Exit codes: 0 a baseline was found and confirmed on every host; 1 no named
64-bit model (with the required features, at the minimum level) is
enforceable on every host; 2 could
not decide: a host could not be asked, or the file is invalid.
`;

const BASELINE_FORMATS: readonly string[] = ['yaml', 'json', ...RENDER_FORMATS];

/** `qemu-cpu baseline`: the best CPU a whole fleet can give and live-migrate. */
export async function baselineCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      format: { type: 'string', short: 'f' },
      'no-extras': { type: 'boolean' },
      'no-cache': { type: 'boolean' },
      'minimum-level': FLEET_DEMAND_OPTIONS['minimum-level'],
      concurrency: { type: 'string' },
      ...RUN_LIMIT_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(BASELINE_USAGE);
    return EXIT.ok;
  }
  const format = commandOptions('baseline', values, positionals, BASELINE_FORMATS);
  const { inputs, hostTimeoutMs } = applyRunLimits(await loadSelectionFile(values.config!, io, { model: 'auto' }), values);
  const report = await findBaseline(withFleetDemands(withConcurrency(inputs, values.concurrency), values), { extraFeatures: !values['no-extras'], probe: { hostTimeoutMs, cache: values['no-cache'] ? 'refresh' : 'use' } });
  const rendering = report.selection ? printRendering(format, report as Renderings) : undefined;
  if (rendering) printOneFormat('baseline', format, rendering, io);
  else if (format === 'json' || format === 'yaml') io.stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderBaselineYaml(report));
  if (!report.ok) io.stderr(`qemu-cpu baseline: ${report.reason ?? 'no baseline'}\n`);
  return baselineExitCode(report);
}

/** 0 found and confirmed; 1 decided that there is none; 2 could not decide. */
export function baselineExitCode(report: Pick<BaselineReport, 'ok' | 'decided'>): number {
  if (report.ok) return EXIT.ok;
  return report.decided ? EXIT.notSatisfied : EXIT.undecided;
}

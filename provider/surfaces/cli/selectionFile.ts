import { ConfigError } from '../../errors';
import { baseDirOf, readYamlFile, resolveSelectionInputs } from '../../inventory';
import type { SelectionInputs } from '../../inventory';
import type { CliIo } from './cliIo';
import { splitRunLimits, type RunLimits } from './runLimits';

/** A check file: the CPU selection, and how long the run may wait on each host. */
export interface CheckFile {
  inputs: SelectionInputs;
  limits: RunLimits;
}

/**
 * Read a check (or baseline) file: YAML validated by SelectionInputsSchema,
 * the schema of CpuModelSelection's inputs, with its inventory and ssh
 * config resolved relative to the file's directory, plus the CLI's run
 * limits (RunLimitsSchema). Every problem of both is reported at once.
 *
 * @param defaults - values for fields the file leaves out (baseline: model 'auto').
 */
export async function loadSelectionFile(file: string, io: CliIo, defaults: Record<string, unknown> = {}): Promise<CheckFile> {
  const warn = (message: string) => io.stderr(`qemu-cpu: warning: ${message}\n`);
  const doc = await readYamlFile(file, 'check file', warn);
  const { limits, issues, selection } = splitRunLimits(doc);
  const input = selection !== null && typeof selection === 'object' && !Array.isArray(selection) ? { ...defaults, ...selection } : selection;
  const what = `check file ${file}`;
  const invalid = (all: string[], hint?: string) => new ConfigError({ what: `invalid ${what}`, why: all.join('; '), hint, issues: all });
  const inputs = await resolveSelectionInputs(input, { baseDir: baseDirOf(file), what, onWarning: warn }).catch((err: unknown) => {
    throw issues.length > 0 && err instanceof ConfigError ? invalid([...issues, ...(err.issues.length > 0 ? err.issues : [err.why ?? err.what])], err.hint) : err;
  });
  if (issues.length > 0) throw invalid(issues);
  return { inputs, limits };
}

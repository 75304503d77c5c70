import { baseDirOf, readYamlFile, resolveSelectionInputs } from '../../inventory';
import type { SelectionInputs } from '../../probe';
import type { CliIo } from './cliIo';

/**
 * Read a check (or baseline) file: YAML validated by SelectionInputsSchema,
 * the schema of CpuModelSelection's inputs, with its inventory and ssh
 * config resolved relative to the file's directory.
 *
 * @param defaults - values for fields the file leaves out (baseline: model 'auto').
 */
export async function loadSelectionFile(file: string, io: CliIo, defaults: Record<string, unknown> = {}): Promise<SelectionInputs> {
  const warn = (message: string) => io.stderr(`qemu-cpu: warning: ${message}\n`);
  const doc = await readYamlFile(file, 'check file', warn);
  const input = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? { ...defaults, ...doc } : doc;
  return resolveSelectionInputs(input, { baseDir: baseDirOf(file), what: `check file ${file}`, onWarning: warn });
}

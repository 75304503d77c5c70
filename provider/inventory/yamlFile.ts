import { parseDocument } from 'yaml';
import { ConfigError } from '../errors';
import { readInputFile } from './inputFile';
import { flowDepthOver, MAX_NESTING_DEPTH } from './inputLimits';

/**
 * Read and parse one YAML file (a check file, an Ansible inventory). Every
 * syntax error is reported at once, each with its line and column.
 *
 * @param what - what the file is, for messages ("check file", "Ansible inventory").
 * @param notYaml - says, for text that is not YAML, what it is instead (an INI inventory), or undefined.
 * @throws ConfigError when the file cannot be read, is too large or too deep, or is not valid YAML.
 */
export async function readYamlFile(
  file: string,
  what: string,
  onWarning?: (message: string) => void,
  notYaml?: (text: string, source: string) => ConfigError | undefined,
): Promise<unknown> {
  let text: string;
  try {
    text = await readInputFile(file, what);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'read failed';
    throw new ConfigError({ what: `cannot read ${what} ${file}`, why: code, hint: code === 'ENOENT' ? 'Check the path.' : undefined, cause: err });
  }
  const other = notYaml?.(text, `${what} ${file}`);
  if (other) throw other;
  return parseYamlText(text, `${what} ${file}`, onWarning);
}

/** Parse YAML text; `source` names it in messages. */
export function parseYamlText(text: string, source: string, onWarning?: (message: string) => void): unknown {
  if (flowDepthOver(text)) {
    const why = `[ and { nest deeper than ${MAX_NESTING_DEPTH} levels`;
    throw new ConfigError({ what: `${source} nests too deeply`, why, hint: 'A check file or inventory needs a few levels; look for a run of [ or {.', issues: [`${source}: ${why}`] });
  }
  // uniqueKeys: a key written twice is a mistake, not an override.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  // Boundary: the yaml library's own messages (external text), cut to their first line for ours.
  const firstLine = (message: string) => message.split('\n')[0].replace(/:$/, '');
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => firstLine(e.message));
    throw new ConfigError({ what: `${source} is not valid YAML`, why: issues.join('; '), hint: 'Fix the YAML syntax at the lines named.', issues });
  }
  for (const w of doc.warnings) onWarning?.(`${source}: ${firstLine(w.message)}`);
  try {
    return doc.toJS();
  } catch (err) {
    // An alias to no anchor, or an alias bomb (more than 100 aliases), throws a ReferenceError here, not a YAML error.
    const why = err instanceof Error ? firstLine(err.message) : String(err);
    throw new ConfigError({ what: `${source} is not valid YAML`, why, hint: 'Fix the anchors and aliases (&name, *name) in the file.', issues: [why], cause: err });
  }
}

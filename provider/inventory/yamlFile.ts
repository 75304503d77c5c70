import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors';

/**
 * Read and parse one YAML file (a check file, an Ansible inventory). Every
 * syntax error is reported at once, each with its line and column.
 *
 * @param what - what the file is, for messages ("check file", "Ansible inventory").
 * @throws ConfigError when the file cannot be read or is not valid YAML.
 */
export async function readYamlFile(file: string, what: string, onWarning?: (message: string) => void): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read failed';
    throw new ConfigError({ what: `cannot read ${what} ${file}`, why: code, hint: code === 'ENOENT' ? 'Check the path.' : undefined, cause: err });
  }
  return parseYamlText(text, `${what} ${file}`, onWarning);
}

/** Parse YAML text; `source` names it in messages. */
export function parseYamlText(text: string, source: string, onWarning?: (message: string) => void): unknown {
  // uniqueKeys: a key written twice is a mistake, not an override.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
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

import * as os from 'node:os';
import * as path from 'node:path';

/** Expand a leading "~/" (as users write in ssh configs) to the home directory. */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

import * as path from 'node:path';
import { homeDir } from '../homeDir';

/** Expand a leading "~/" (as users write in ssh configs) to the home directory. */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(homeDir(), file.slice(1)) : file;
}

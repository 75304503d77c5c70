import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../errors';

/**
 * The home directory of the user running qemu-cpu, for ~/.ssh/known_hosts,
 * ~/.ssh/config, "~/" in paths and ~/.cache: $HOME when it is an absolute
 * path, else the account's home from the password database. An empty (or
 * relative) HOME is no HOME: taken as is, it would make the working
 * directory the home, so that a ./.ssh/known_hosts there vouched for hosts
 * and ./.cache was written.
 *
 * @throws ConfigError when neither names an absolute directory.
 */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME;
  if (home && path.isAbsolute(home)) return home;
  const account = accountHome();
  if (account && path.isAbsolute(account)) return account;
  throw new ConfigError({
    what: 'there is no home directory',
    why: `HOME is ${home === undefined ? 'not set' : `${JSON.stringify(home)}, not an absolute path,`} and the password database gives this user no home`,
    hint: 'Set HOME to an absolute path, or give the known_hosts file (knownHostsPath, --known-hosts) and XDG_CACHE_HOME explicitly.',
  });
}

/** pw_dir of the process's uid (os.userInfo reads the password database, never HOME). */
function accountHome(): string | undefined {
  try {
    return os.userInfo().homedir;
  } catch {
    // No entry for this uid, as in some containers.
    return undefined;
  }
}

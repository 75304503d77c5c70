import * as os from 'node:os';
import { defaultCacheDir } from '../probe/fingerprintCache';
import { homeDir } from './homeDir';

describe('homeDir', () => {
  const account = os.userInfo().homedir;

  it('is HOME when HOME is an absolute path', () => {
    expect(homeDir({ HOME: '/srv/ci-home' })).toBe('/srv/ci-home');
  });

  it("[cli-home-empty] an empty, relative or missing HOME is no HOME: the account's home from the password database", () => {
    expect(homeDir({ HOME: '' })).toBe(account);
    expect(homeDir({ HOME: 'relative/dir' })).toBe(account);
    expect(homeDir({})).toBe(account);
    // The cache follows it: never ./.cache.
    expect(defaultCacheDir({ HOME: '', XDG_CACHE_HOME: '' })).toBe(`${account}/.cache/qemu-cpu`);
    expect(defaultCacheDir({ HOME: '', XDG_CACHE_HOME: '/var/cache/ci' })).toBe('/var/cache/ci/qemu-cpu');
  });
});

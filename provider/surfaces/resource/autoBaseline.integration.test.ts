/**
 * Model 'auto' through the resource's Check, as `pulumi preview` runs it,
 * against a real loopback sshd and two hosts replaying recorded QEMUs (two
 * Skylake Xeons): the first preview starts a probe and one VM per host for
 * the baseline's winner; every later preview of the unchanged hosts (the
 * pin's check and the search for the fleet's best) starts none, over one
 * connection and one exec per host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countingPools } from '../../../harness/countingTransport';
import { scratchDir } from '../../../harness/paths';
import { registerSecret } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { fleetQemuBinary } from '../../../test/support/modelExpansions';
import { checkSelection } from './check';

describe("CpuModelSelection model 'auto': the paused VMs a preview starts", () => {
  let sshd: Sshd;
  let hosts: Array<Record<string, unknown>>;
  let cacheHome: string;
  const savedCacheHome = process.env.XDG_CACHE_HOME;
  const { fresh, closeAll } = countingPools();
  beforeAll(async () => {
    sshd = await startSshd();
    registerSecret(sshd.privateKey);
    const binary = await fleetQemuBinary('4.2.0.x86_64.qmp.json', 'autobaseline');
    hosts = ['intel-a', 'intel-b'].map((name) => ({ ...sshd.connection({ name }), qemuBinary: binary }));
    fs.mkdirSync(scratchDir, { recursive: true });
    // The resource uses the default cache directory, as a Pulumi program does.
    cacheHome = fs.mkdtempSync(path.join(scratchDir, 'auto-cache-'));
    process.env.XDG_CACHE_HOME = cacheHome;
  });
  afterAll(async () => {
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    fs.rmSync(cacheHome, { recursive: true, force: true });
    await closeAll();
    await sshd?.stop();
  });
  it('first preview: a probe and one VM per host; later previews of unchanged hosts: no QEMU, one connection and one exec per host', async () => {
    const news = { model: 'auto', machineType: 'pc-q35-4.2', hosts };
    const first = fresh();
    const pinned = await checkSelection(news, { pool: first.pool });
    expect(pinned.failures).toEqual([]);
    expect(pinned.inputs.pinnedSelection).toEqual(expect.objectContaining({ model: 'Skylake-Client-v3' }));
    expect(first.counter.qemuStarts).toBe(2 * hosts.length);

    // The engine passes Check's inputs back as olds: the pin is checked and the fleet's best looked for again.
    for (let preview = 0; preview < 2; preview++) {
      const again = fresh();
      const checked = await checkSelection(news, { pool: again.pool }, pinned.inputs);
      expect(checked.failures).toEqual([]);
      expect(checked.inputs.pinnedSelection).toEqual(pinned.inputs.pinnedSelection);
      expect(checked.inputs.latestBaseline).toEqual(pinned.inputs.pinnedSelection);
      expect(again.counter).toEqual(expect.objectContaining({ qemuStarts: 0, spawns: hosts.length, facts: hosts.length }));
      expect(again.pool.opened).toBe(hosts.length);
    }
  });
});

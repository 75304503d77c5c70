/**
 * The cache and the messages (docs/reliability.md, "The cache" and "The
 * CLI's output and environment"): the real CLI (bin/qemu-cpu.js) in its own
 * process against a loopback sshd with a replayed QEMU 4.2 (an Intel
 * Skylake Xeon), its fingerprint cache in a directory of its own.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { refusedPort } from '../../../test/support/deadPorts';
import { fleetQemuBinary } from '../../../test/support/modelExpansions';
import { scratchDir } from '../../../harness/paths';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { runBin, runInProcess } from './binRunner.testkit';

let sshd: Sshd;
let dir: string;
let env: NodeJS.ProcessEnv;
let host: Record<string, unknown>;
/** This worker's XDG_CACHE_HOME before the tests pointed it at their own cache (in-process runs read process.env). */
let xdgBefore: string | undefined;

beforeAll(async () => {
  sshd = await startSshd();
  fs.mkdirSync(scratchDir, { recursive: true });
  dir = fs.mkdtempSync(path.join(scratchDir, 'cli-cache-messages-'));
  env = { XDG_CACHE_HOME: path.join(dir, 'cache'), NO_COLOR: '1' };
  xdgBefore = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = env.XDG_CACHE_HOME;
  const qemuBinary = await fleetQemuBinary('4.2.0.x86_64.qmp.json', 'cachemsg');
  host = sshd.fileHost('intel', { qemuBinary });
});
afterAll(async () => {
  process.env.XDG_CACHE_HOME = xdgBefore;
  await sshd?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, body: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, toYaml(body));
  return file;
};
/** The real CLI in its own process. */
const check = (label: string, file: string, ...extra: string[]) => runBin(`cache-messages:${label}`, ['check', '--config', file, ...extra], env);
/** The same CLI in this process, with the same cache: for the runs around the one a case is about. */
const checkHere = (label: string, file: string, ...extra: string[]) => runInProcess(`cache-messages:${label}`, ['check', '--config', file, ...extra], env);
/** The cache entries the runs so far have stored. */
const entries = () => {
  const v1 = path.join(dir, 'cache', 'qemu-cpu', 'v1');
  return fs.readdirSync(v1).map((f) => path.join(v1, f));
};

describe('the cache', () => {
  it('[cache-marker] text and JUnit say, per host, that a verdict came from the cache', async () => {
    const file = write('marker.yml', { hosts: [host], model: 'Westmere-v1', requiredFeatures: ['aes'], machineType: 'pc-q35-4.2' });
    const cold = await checkHere('marker-cold', file);
    expect(cold.code).toBe(0);
    expect(cold.stdout).toMatch(/^ {2}intel {2}ok {2}/m);
    expect(cold.stdout).not.toContain('cache');
    const warm = await check('marker-warm', file);
    expect(warm.code).toBe(0);
    expect(warm.stdout).toMatch(/^ {2}intel {2}ok \(cached\) {2}4\.2\.0 {2}pc-q35-4\.2/m);
    expect(warm.stdout).toContain("  (cached): 1 host(s) answered from qemu-cpu's fingerprint cache (unchanged since QEMU answered); --no-cache asks QEMU again");
    const junit = await check('marker-junit', file, '--format', 'junit');
    expect(junit.stdout).toMatch(/<system-out>intel can enforce Westmere-v1 with 1 required feature\(s\) \(QEMU 4\.2\.0, .*; from qemu-cpu&apos;s fingerprint cache: the host is unchanged since QEMU answered at \d{4}-\d\d-\d\dT/);
    const json = JSON.parse((await checkHere('marker-json', file, '--format', 'json')).stdout);
    expect(json.hosts[0].fromCache).toBe(true);
  });

  it('[cache-contradiction] an entry that contradicts itself (enforceable with a missing feature) is a miss: QEMU is asked again', async () => {
    const file = write('contradiction.yml', { hosts: [host], model: 'Westmere-v1', requiredFeatures: ['sha-ni'], machineType: 'pc-q35-4.2' });
    const before = new Set(entries());
    const cold = await checkHere('contradiction-cold', file, '--format', 'json');
    expect(cold.code).toBe(1);
    expect(JSON.parse(cold.stdout).hosts[0]).toMatchObject({ enforceable: false, missingFeatures: ['sha-ni'] });
    // The verdict's entry; the -machine none probe that gave sha-ni its layer has one of its own.
    const entryFile = entries()
      .filter((f) => !before.has(f))
      .find((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { kind: string }).kind === 'verify')!;
    const entry = JSON.parse(fs.readFileSync(entryFile, 'utf8'));
    expect(entry.value.missingFeatures).toEqual(['sha-ni']);
    // The fingerprint still matches; only the stored answer says "enforceable" while naming a missing feature.
    fs.writeFileSync(entryFile, JSON.stringify({ ...entry, value: { ...entry.value, enforceable: true } }));
    const again = await check('contradiction-again', file, '--format', 'json');
    expect(again.code).toBe(1);
    const verdict = JSON.parse(again.stdout).hosts[0];
    expect(verdict).toMatchObject({ enforceable: false, missingFeatures: ['sha-ni'] });
    expect(verdict.fromCache).toBeUndefined();
    // The miss rewrote the entry with QEMU's answer, which then answers from the cache.
    expect(JSON.parse(fs.readFileSync(entryFile, 'utf8')).value.enforceable).toBe(false);
    expect(JSON.parse((await checkHere('contradiction-warm', file, '--format', 'json')).stdout).hosts[0]).toMatchObject({ enforceable: false, fromCache: true });
  });
});

describe('messages', () => {
  it('[cli-dead-host-once] an undecided host is named once in its reason, and the machine type asked for shows when no host resolved it', async () => {
    const port = await refusedPort();
    const run = await check('dead', write('dead.yml', { hosts: [{ name: 'dead', host: '127.0.0.1', port, knownHostsPath: sshd.knownHostsPath }], model: 'pentium' }));
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('  machine type default (no host resolved it), accelerator kvm, 1 host(s)');
    expect(run.stdout).toContain(`\n  dead: could not connect to 127.0.0.1:${port} (connect): connection refused.`);
    expect(run.stdout).not.toMatch(/dead: dead:|\?/);
  });

  it('[cli-key-passphrase-env] probe names its passphrase setting, QEMU_CPU_SSH_KEY_PASSPHRASE, for an encrypted key without it or with a wrong one', async () => {
    const target = [`${sshd.user}@127.0.0.1`, '-p', String(sshd.port), '--known-hosts', sshd.knownHostsPath, '-i', sshd.privateKeyEncryptedPath];
    const none = await runBin('passphrase-none', ['probe', ...target], { QEMU_CPU_SSH_KEY_PASSPHRASE: undefined });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`qemu-cpu: 127.0.0.1:${sshd.port}: privateKeyPath ${sshd.privateKeyEncryptedPath} is encrypted (config). Set QEMU_CPU_SSH_KEY_PASSPHRASE.\n`);
    const wrong = await runBin('passphrase-wrong', ['probe', ...target], { QEMU_CPU_SSH_KEY_PASSPHRASE: 'not-the-passphrase' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`qemu-cpu: 127.0.0.1:${sshd.port}: QEMU_CPU_SSH_KEY_PASSPHRASE does not decrypt privateKeyPath ${sshd.privateKeyEncryptedPath} (config): wrong passphrase.\n`);
  });
});

/**
 * Big and odd input (docs/reliability.md, "Bad input"): the real CLI
 * (bin/qemu-cpu.js) in its own process with oversized, deep and odd check
 * files and inventories, and IPv6 targets. Each is refused at once, before
 * any host is asked, saying what to do.
 *
 * Test names carry the case's id from docs/reliability.md in brackets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { stringify as toYaml } from 'yaml';
import { scratchDir } from '../../../harness/paths';
import { refusedPort } from '../../../test/support/deadPorts';
import { MAX_FEATURES, MAX_HOSTS, MAX_INPUT_FILE_BYTES, MAX_NESTING_DEPTH } from '../../inventory/inputLimits';
import { runBin, runInProcess } from './binRunner.testkit';
import { parseSshTarget } from './sshTarget';

let dir: string;
/** A host no one asks: every file here is refused before any dial. */
let deadHost: { host: string; port: number };

beforeAll(async () => {
  fs.mkdirSync(scratchDir, { recursive: true });
  dir = fs.mkdtempSync(path.join(scratchDir, 'cli-odd-input-'));
  deadHost = { host: '127.0.0.1', port: await refusedPort() };
});
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, body: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof body === 'string' ? body : toYaml(body));
  return file;
};
/** The real CLI in its own process: one run per case. */
const check = (label: string, file: string, ...extra: string[]) => runBin(`odd-input:${label}`, ['check', '--config', file, ...extra]);
/** The same CLI in this process, for a case's further variants. */
const checkHere = (label: string, file: string, ...extra: string[]) => runInProcess(`odd-input:${label}`, ['check', '--config', file, ...extra]);

describe('limits before parsing', () => {
  it('[input-file-too-large] a 50 MB check file is refused by its size, within a second or two, naming the limit', async () => {
    const line = '  - host: kvm-000000.example.net\n';
    const file = path.join(dir, 'huge.yml');
    fs.writeFileSync(file, `model: pentium\nhosts:\n${line.repeat(Math.ceil((50 * 1024 * 1024) / line.length))}`);
    const run = await check('huge', file);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `qemu-cpu: check file ${file} is too large (config): ${fs.statSync(file).size} bytes; at most ${MAX_INPUT_FILE_BYTES} bytes (4 MiB) are read. ` +
        'Give the check file itself, not a data file; split a larger fleet into several files.\n',
    );
    // Before: V8 ran out of memory after 70 s and 4 GB. Node's own start-up is most of what is left.
    expect(run.seconds).toBeLessThan(5);
    // An inventory is read with the same limit.
    const inventory = path.join(dir, 'huge-inventory.yml');
    fs.writeFileSync(inventory, `all:\n  hosts:\n${'    kvm-000000.example.net:\n'.repeat(Math.ceil(MAX_INPUT_FILE_BYTES / 27) + 1)}`);
    const inv = await checkHere('huge-inventory', write('with-huge-inventory.yml', { inventory: { ansible: inventory }, model: 'pentium' }));
    expect(inv.code).toBe(2);
    expect(inv.stderr).toContain(`Ansible inventory ${inventory} is too large (config)`);
    // So is an ssh config.
    const sshConfig = path.join(dir, 'huge-ssh-config');
    fs.writeFileSync(sshConfig, '# padding\n'.repeat(Math.ceil(MAX_INPUT_FILE_BYTES / 10) + 1));
    const ssh = await checkHere('huge-ssh-config', write('with-huge-ssh-config.yml', { hosts: [deadHost], sshConfig, model: 'pentium' }));
    expect(ssh.code).toBe(2);
    expect(ssh.stderr).toContain(`ssh config ${sshConfig} is too large (config): ${fs.statSync(sshConfig).size} bytes; at most ${MAX_INPUT_FILE_BYTES} bytes`);
  });

  it('[input-nesting-deep] brackets nested 100000 deep are refused before the YAML parser sees them', async () => {
    const file = write('deep.yml', `model: pentium\nhosts: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const run = await check('deep', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^qemu-cpu: check file .*deep\\.yml nests too deeply \\(config\\): \\[ and \\{ nest deeper than ${MAX_NESTING_DEPTH} levels\\.`));
    expect(run.seconds).toBeLessThan(5);
    // Deep block nesting (no brackets) is caught on the parsed document.
    let deep = 'model: pentium\nhosts:\n  - host: a\n    proxy:\n';
    for (let i = 0; i < MAX_NESTING_DEPTH + 2; i++) deep += `${'  '.repeat(i + 3)}k${i}:\n`;
    expect((await checkHere('deep-block', write('deep-block.yml', `${deep}${'  '.repeat(MAX_NESTING_DEPTH + 5)}v\n`))).stderr).toMatch(
      new RegExp(`invalid check file .*deep-block\\.yml \\(config\\): the document nests deeper than ${MAX_NESTING_DEPTH} levels`),
    );
  });

  it('[input-too-many-hosts] too many hosts or features are each reported, at once, before validation; so is an inventory range of a hundred million hosts', async () => {
    const hosts = Array.from({ length: MAX_HOSTS + 1 }, (_, i) => ({ host: `kvm${i}` }));
    const features = Array.from({ length: MAX_FEATURES + 1 }, () => 'avx2');
    const run = await check('many', write('many.yml', { hosts, model: 'pentium', requiredFeatures: features, disabledFeatures: features }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `qemu-cpu: invalid check file ${path.join(dir, 'many.yml')}:\n` +
        `  - hosts: ${MAX_HOSTS + 1} hosts; at most ${MAX_HOSTS} can be checked at once (split the fleet into several check files)\n` +
        `  - requiredFeatures: ${MAX_FEATURES + 1} features; at most ${MAX_FEATURES}\n` +
        `  - disabledFeatures: ${MAX_FEATURES + 1} features; at most ${MAX_FEATURES}\n`,
    );
    const inventory = write('range.yml', { all: { hosts: { 'kvm[00000000:99999999].lab': null } } });
    const range = await checkHere('range', write('with-range.yml', { inventory: { ansible: inventory }, model: 'pentium' }));
    expect(range.code).toBe(2);
    expect(range.stderr).toContain(`${inventory}: more than ${MAX_HOSTS} hosts (ranges expanded); at most ${MAX_HOSTS} can be checked at once`);
  });
});

describe('odd input', () => {
  it('[input-ini-inventory] an INI inventory is named as such, with the command that converts it', async () => {
    const inventory = write('hosts.ini', '# lab\n[kvm]\nkvm01 ansible_host=10.0.0.1\n\n[kvm:vars]\nansible_user=admin\n');
    const run = await check('ini', write('with-ini.yml', { inventory: { ansible: inventory }, model: 'pentium' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `qemu-cpu: Ansible inventory ${inventory} is an INI inventory, which is not supported (config): line 2 ("[kvm]") is INI; qemu-cpu reads only the YAML inventory format. ` +
        `Convert it with ansible-inventory -i ${inventory} --list -y > inventory.yml, and name the YAML file in inventory.ansible.\n`,
    );
    // Host lines without a group header are INI too.
    const bare = write('bare.ini', 'kvm01 ansible_host=10.0.0.1 ansible_port=2222\n');
    expect((await checkHere('ini-bare', write('with-bare.yml', { inventory: { ansible: bare }, model: 'pentium' }))).stderr).toMatch(/is an INI inventory.*line 1/);
  });

  it('[input-all-at-once] a bad model does not hide an unknown feature: both, and the bad hosts, in one message', async () => {
    const run = await check('all-at-once', write('all-at-once.yml', { hosts: [{ host: 'kvm 01' }], model: 42, requiredFeatures: ['avx2', 'avxxx'], disabledFeatures: ['hle', 'sse9'] }));
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toMatch(/^qemu-cpu: invalid check file .*all-at-once\.yml:$/);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^  - hosts\.0\.host: /), expect.stringMatching(/^  - model: /)]));
    expect(lines).toContain('  - requiredFeatures: "avxxx" is not a CPU feature QEMU knows');
    expect(lines).toContain('  - disabledFeatures: "sse9" is not a CPU feature QEMU knows');
  });

  it('[cli-invalid-file-junit] --format junit and github still write their form for an invalid check file, so the CI page shows why', async () => {
    const file = write('invalid-ci.yml', { hosts: [deadHost], model: 42, requiredFeatures: ['avxxx'] });
    const junit = await check('invalid-junit', file, '--format', 'junit');
    expect(junit.code).toBe(2);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(junit.stdout);
    const testcase = xml.testsuites.testsuite.testcase;
    expect(testcase['@_name']).toBe('check file');
    expect(testcase.error['@_type']).toBe('ConfigError');
    expect(testcase.error['#text']).toBe('model: Invalid input\nrequiredFeatures: "avxxx" is not a CPU feature QEMU knows');
    expect(xml.testsuites['@_errors']).toBe('1');
    expect(junit.stderr).toMatch(/^qemu-cpu: invalid check file .*invalid-ci\.yml:$/m);
    const github = await check('invalid-github', file, '--format', 'github');
    expect(github.code).toBe(2);
    expect(github.stdout).toBe(
      `::error file=${file.replace(/:/g, '%3A')},title=qemu-cpu%3A invalid check file ${file.replace(/:/g, '%3A')}::invalid check file ${file}:%0A` +
        'model: Invalid input%0ArequiredFeatures: "avxxx" is not a CPU feature QEMU knows\n' +
        `qemu-cpu check: invalid check file ${file}; no host was asked\n`,
    );
    // A file that cannot be read at all, too.
    const missing = await checkHere('missing-github', path.join(dir, 'missing.yml'), '--format', 'github');
    expect(missing.stdout).toMatch(/^::error file=.*missing\.yml,title=qemu-cpu%3A cannot read check file .*::.*ENOENT/);
  });

  it('[input-cli-ipv6-target] `root@::1:22` is refused as ambiguous, saying to write [::1]:22; `root@[::1]:PORT` dials ::1 at PORT', async () => {
    const ambiguous = await runBin('ipv6-ambiguous', ['probe', 'root@::1:22']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe(
      'qemu-cpu: invalid SSH target "root@::1:22" (config): ::1:22 is both the IPv6 address ::1:22 and ::1 with port 22. Write [::1]:22 for the port, or [::1:22] for the address.\n',
    );
    const bracketed = await runInProcess('ipv6-bracketed', ['probe', `root@[::1]:${deadHost.port}`, '--connect-timeout', '2']);
    expect(bracketed.code).toBe(2);
    expect(bracketed.stderr).toContain(`could not connect to [::1]:${deadHost.port} (connect)`);
    // Unambiguous forms pass as before: fe80::1 has no port reading (fe80: is no address).
    expect(parseSshTarget('root@fe80::1')).toEqual({ user: 'root', host: 'fe80::1', port: undefined });
    expect(parseSshTarget('[::1:22]')).toEqual({ user: undefined, host: '::1:22', port: undefined });
  });
});

/**
 * `qemu-cpu check` and `qemu-cpu baseline` end to end, against a
 * heterogeneous fleet behind loopback sshds: this machine's real QEMU
 * (nested KVM, AMD EPYC), and replays of an AMD EPYC 9654 (QEMU 9.2) and
 * two Intel Skylake Xeons (QEMU 4.2). Every exit code, every format, an
 * Ansible inventory, and an ssh config with a ProxyJump.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { fleetQemuBinary } from '../../../test/support/modelExpansions';
import { repoRoot, scratchDir } from '../../../harness/paths';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { proxyChain, type SshdChain } from '../../../harness/sshd';
import { RENDERERS, type Renderings } from '../../model';

/** The layer a missing sse4a has on the replayed hosts, whose /proc/cpuinfo is this machine's (see the sse4a tests). */
const SSE4A_LAYER = /^flags\s*:.*\bsse4a\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8')) ? 'qemu' : 'cpu';
import { main } from './main';
import { runCli, type CliRun } from './cliRunner.testkit';
import { describeWithKvm, kvmUsable, realAccel } from '../../../harness/accel';
import { expectNoCacheCycle, type CachedAnswer } from '../../../test/support/noCacheCycle';

/** Run the CLI in this process and put everything it printed into the secret sink. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const run = await runCli(args, env);
  recordOutput('cli', `${run.stdout}\n${run.stderr}`);
  return run;
}

/** Run the installed bin in its own process. */
function bin(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/qemu-cpu.js'), ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      recordOutput('cli', `${stdout}\n${stderr}`);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 2) : 0, stdout, stderr });
    });
  });
}

describe('qemu-cpu check and baseline', () => {
  let chain: SshdChain;
  let dir: string;
  /** The fleet's host entries, as a check file writes them. */
  let fleet: Array<Record<string, unknown>>;
  const write = (name: string, body: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof body === 'string' ? body : toYaml(body));
    return file;
  };

  beforeAll(async () => {
    chain = await proxyChain();
    registerSecret(chain.target.privateKey);
    dir = fs.mkdtempSync(path.join(scratchDir, 'cli-check-'));
    const t = chain.target;
    const entry = (name: string, extra: Record<string, unknown> = {}) => t.fileHost(name, extra);
    fleet = [
      entry('local-real'),
      entry('amd-genoa', { qemuBinary: await fleetQemuBinary('10.0.0+amdsev.x86_64.qmp.json', 'cli') }),
      entry('intel-a', { qemuBinary: await fleetQemuBinary('4.2.0.x86_64.qmp.json', 'cli') }),
      entry('intel-b', { qemuBinary: await fleetQemuBinary('4.2.0.x86_64.qmp.json', 'cli') }),
    ];
  });
  afterAll(async () => {
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // The fleet's expectations are this machine's nested-KVM answer beside recorded KVM hosts.
  describeWithKvm('the fleet: baseline, pasted into a check file, then one more feature', () => {
    let checkFile: string;
    let withSse4a: string;

    beforeAll(async () => {
      // Nested KVM here gives no 64-bit model its pni (sse3): the fleet has an x86-64 baseline only without it.
      const fleetFile = write('fleet.yml', { hosts: fleet, machineType: 'pc-q35-4.2', disabledFeatures: ['pni'] });
      const run = await cli(['baseline', '--config', fleetFile]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      // The YAML output is pasted as is below the hosts: a check file.
      checkFile = write('check.yml', `${toYaml({ hosts: fleet })}${run.stdout}`);
      const pasted = parseYaml(run.stdout);
      withSse4a = write('check-sse4a.yml', { hosts: fleet, ...pasted, requiredFeatures: [...pasted.requiredFeatures, 'sse4a'] });
    });

    it('baseline YAML: the check-file fields, and the -cpu argument, libvirt XML and migration notes as comments', async () => {
      const text = fs.readFileSync(checkFile, 'utf8');
      const pasted = parseYaml(text);
      // The newest 64-bit model every host runs without pni: an AMD one, for a fleet that mixes vendors, and the output says so.
      expect(pasted).toEqual(expect.objectContaining({ model: 'Opteron_G2-v1', machineType: 'pc-q35-4.2', accelerator: 'kvm', disabledFeatures: ['pni'] }));
      // The extras are what every host model shares beyond the model: this machine's CPU decides (an Intel nested-KVM host shares 3dnowprefetch and tsc-deadline with the recorded ones; the AMD EPYC machines none).
      expect(Array.isArray(pasted.requiredFeatures)).toBe(true);
      expect(text).toMatch(/^# x86-64 level: x86-64-v1; x86-64-v2 would need pni, popcnt, sse4\.1, sse4\.2, ssse3\.$/m);
      expect(text).toMatch(/^# Vendor: the fleet mixes CPU vendors \(amd, intel\): models of any vendor are candidates/m);
      expect(text).toMatch(/^# qemuCpuArg: Opteron_G2-v1(,\+[^,]+)*,-pni,enforce$/m);
      expect(text).toMatch(/^# {3}<model fallback='forbid'>Opteron_G2<\/model>$/m);
      expect(text).toMatch(/^# {3}not in this CPU; present on some hosts only, so a guest with them could not move to the others:$/m);
      expect(text).toMatch(/^# {5}only on amd-genoa, intel-a, intel-b: abm, adx, aes, avx, avx2, /m);
      expect(text).toMatch(/^# {5}only on amd-genoa: amd-psfd, /m);
    });

    it('exit 0 and a table in text: the baseline is enforceable on every host', async () => {
      const run = await cli(['check', '--config', checkFile]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^qemu-cpu check: Opteron_G2-v1,.*,enforce$/m);
      for (const h of ['local-real', 'amd-genoa', 'intel-a', 'intel-b']) expect(run.stdout).toMatch(new RegExp(`^  ${h} +ok(?: \\(cached\\))? +\\d+\\.\\d+\\.\\d+ +pc-q35-4\\.2 +Opteron_G2-v1 +-$`, 'm'));
      expect(run.stdout).toMatch(/^  x86-64 level: x86-64-v1; x86-64-v2 would need pni, popcnt, sse4\.1, sse4\.2, ssse3$/m);
      expect(run.stdout).toMatch(/^OK: all 4 host\(s\) can enforce Opteron_G2-v1,/m);
      expect(run.stdout).not.toContain('\u001b[');
    });

    it('exit 1, json: one more feature, and exactly the hosts without it are named', async () => {
      const run = await cli(['check', '--config', withSse4a, '--format', 'json']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout);
      expect(report).toEqual(expect.objectContaining({ ok: false, qemuCpuArg: expect.stringMatching(/\+sse4a,-pni,enforce$/), libvirtCpuXml: expect.stringContaining("<feature policy='require' name='sse4a'/>") }));
      expect(report.hosts.map((h: { name: string; enforceable: boolean; missingFeatures: string[] }) => [h.name, h.enforceable, h.missingFeatures])).toEqual([
        ['local-real', false, ['sse4a']],
        ['amd-genoa', true, []],
        ['intel-a', false, ['sse4a']],
        ['intel-b', false, ['sse4a']],
      ]);
      for (const h of report.hosts) expect(Object.keys(h)).toEqual(expect.arrayContaining(['name', 'enforceable', 'resolvedModel', 'missingFeatures']));
    });

    it('exit 1, text and github', async () => {
      const text = await cli(['check', '--config', withSse4a, '--format', 'text']);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^  intel-a +CANNOT ENFORCE(?: \(cached\))? +4\.2\.0 +pc-q35-4\.2 +Opteron_G2-v1 +sse4a$/m);
      expect(text.stdout).toMatch(/^FAIL: 3 of 4 host\(s\) cannot enforce this CPU: local-real, intel-a, intel-b$/m);
      const gh = await cli(['check', '--config', withSse4a, '--format', 'github']);
      expect(gh.code).toBe(1);
      const errors = gh.stdout.split('\n').filter((l) => l.startsWith('::error '));
      expect(errors).toHaveLength(3);
      expect(errors[1].startsWith(`::error file=${withSse4a.replace(/:/g, '%3A').replace(/,/g, '%2C')},title=qemu-cpu%3A intel-a cannot enforce the CPU::intel-a (QEMU 4.2.0, pc-q35-4.2) cannot enforce Opteron_G2-v1 with `)).toBe(true);
      // The replayed Intel host's /proc/cpuinfo is this machine's: without sse4a (an Intel machine) the cpu layer; with it (AMD) the qemu layer, as this machine's real QEMU gives it.
      expect(errors[1]).toMatch(new RegExp(` required and 1 disabled feature\\(s\\): missing sse4a \\(${SSE4A_LAYER}\\)$`));
      expect(gh.stdout).toMatch(/^::notice .*::3 host\(s\) cannot enforce .*, 0 could not be asked, of 4$/m);
    });

    it('exit 1, junit from the installed bin, parsed back: one testcase per host, failures where the feature is missing', async () => {
      const run = await bin(['check', '--config', withSse4a, '--format', 'junit']);
      expect(run.code).toBe(1);
      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(run.stdout);
      const suite = xml.testsuites.testsuite;
      expect(xml.testsuites).toEqual(expect.objectContaining({ name: 'qemu-cpu check', tests: '4', failures: '3', errors: '0' }));
      expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual(['local-real', 'amd-genoa', 'intel-a', 'intel-b']);
      const failed = suite.testcase.filter((c: { failure?: unknown }) => c.failure !== undefined);
      expect(failed.map((c: { name: string }) => c.name)).toEqual(['local-real', 'intel-a', 'intel-b']);
      expect(failed[1].failure.message).toMatch(new RegExp(`^intel-a cannot enforce Opteron_G2-v1 with \\d+ required and 1 disabled feature\\(s\\): missing sse4a \\(${SSE4A_LAYER}\\)$`));
      expect(failed[1].failure['#text']).toMatch(/^-cpu Opteron_G2-v1,.*\+sse4a,-pni,enforce$/m);
      expect(suite.properties.property).toContainEqual({ name: 'config', value: withSse4a });
    });

    it('no x86-64 baseline as the hosts are: exit 1, the 64-bit models nearest to one and what they lack, never a 32-bit model (also with --no-extras)', async () => {
      const file = write('fleet-as-is.yml', { hosts: fleet, machineType: 'pc-q35-4.2' });
      for (const extras of [[], ['--no-extras']]) {
        const run = await cli(['baseline', '--config', file, ...extras, '--format', 'json']);
        expect(run.code).toBe(1);
        const report = JSON.parse(run.stdout);
        expect(report).toEqual(expect.objectContaining({ ok: false, decided: true, model: null, selection: null, x86Level: null }));
        expect(report.reason).toMatch(/^no x86-64 baseline: no 64-bit named CPU model is usable on every host; nearest: [^;]*lacks pni; .*\(disabledFeatures: \[pni\] would make \S+ a candidate\)/);
        expect(report.reason).toMatch(/32-bit models every host can run are never a baseline, a 64-bit kernel refuses them: pentium3-v1, /);
        expect(report.policy.leftOut).toContainEqual({ model: 'pentium3-v1', why: '32-bit' });
        expect(run.stderr).toBe(`qemu-cpu baseline: ${report.reason}\n`);
      }
    });

    it('minimumLevel x86-64-v2: the baseline, the pasted check and a 32-bit CPU fall short, naming pni; exit 1', async () => {
      const baseline = await cli(['baseline', '--config', write('fleet-v2.yml', { hosts: fleet, machineType: 'pc-q35-4.2', disabledFeatures: ['pni'], minimumLevel: 'x86-64-v2' })]);
      expect(baseline.code).toBe(1);
      expect(baseline.stderr).toMatch(/^qemu-cpu baseline: the newest baseline, Opteron_G2-v1( with \d+ extra features?)?, reaches x86-64-v1, below the minimum x86-64-v2: it lacks pni, popcnt, sse4\.1, sse4\.2, ssse3\n$/);
      const check = await cli(['check', '--config', checkFile, '--minimum-level', 'x86-64-v2', '--format', 'json']);
      expect(check.code).toBe(1);
      const report = JSON.parse(check.stdout);
      expect(report.hosts.every((h: { enforceable: boolean }) => h.enforceable)).toBe(true);
      expect(report.x86Level).toEqual(expect.objectContaining({ level: 'x86-64-v1', minimumLevel: 'x86-64-v2', missingForMinimum: ['pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] }));
      expect(report.x86Level.hosts.find((h: { name: string }) => h.name === 'amd-genoa')).toEqual({ name: 'amd-genoa', level: 'x86-64-v1', missingForNext: ['pni', 'popcnt', 'sse4.1', 'sse4.2', 'ssse3'] });
      expect(report.unmet).toEqual([{ kind: 'minimum-level', reason: 'the CPU reaches x86-64-v1, below the minimum x86-64-v2: it lacks pni, popcnt, sse4.1, sse4.2, ssse3' }]);
      const old = await cli(['check', '--config', write('p3-v2.yml', { hosts: fleet.slice(0, 1), model: 'pentium3', machineType: 'pc-q35-4.2', minimumLevel: 'x86-64-v2' })]);
      expect(old.code).toBe(1);
      expect(old.stdout).toMatch(/^  local-real +ok +/m);
      expect(old.stdout).toMatch(/^  x86-64 level: below x86-64-v1 \(not a 64-bit CPU\); x86-64-v1 would need lm, sse2, syscall$/m);
      expect(old.stdout).toMatch(/^FAIL: the CPU reaches below x86-64-v1 \(not a 64-bit CPU\), below the minimum x86-64-v2: it lacks cx16, lahf-lm, lm, pni, popcnt, sse2, sse4\.1, sse4\.2, ssse3, syscall$/m);
      const bad = await cli(['check', '--config', checkFile, '--minimum-level', 'v2']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--minimum-level must be one of x86-64-v1, x86-64-v2, x86-64-v3, x86-64-v4 \(got "v2"\)/);
    });

    it('model auto in a check file checks the baseline; baseline --no-extras gives the model alone', async () => {
      const file = write('auto.yml', { hosts: [fleet[1], fleet[2]], model: 'auto', machineType: 'pc-q35-4.2' });
      const run = await cli(['check', '--config', file, '--format', 'json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ ok: true, model: 'auto', resolvedModel: 'Skylake-Client-v3' }));
      const bare = await cli(['baseline', '--config', file, '--no-extras', '--format', 'json']);
      expect(bare.code).toBe(0);
      expect(JSON.parse(bare.stdout)).toEqual(expect.objectContaining({ ok: true, model: 'Skylake-Client-v3', extraFeatures: [], qemuCpuArg: 'Skylake-Client-v3,enforce' }));
    });

    it('each output format of the registry is a --format of check and baseline: the JSON report\'s rendering alone, the reason on stderr, the exit code the verdict', async () => {
      const file = write('formats.yml', { hosts: [fleet[1], fleet[2]], model: 'Skylake-Client-v3', requiredFeatures: ['avx2'], machineType: 'pc-q35-4.2' });
      const json = await cli(['check', '--config', file, '--format', 'json']);
      const report = JSON.parse(json.stdout) as Renderings;
      const base = await cli(['baseline', '--config', file, '--no-extras', '--format', 'json']);
      const baseline = JSON.parse(base.stdout) as Renderings;
      for (const renderer of RENDERERS) {
        for (const [command, answer, code] of [['check', report, json.code], ['baseline', baseline, base.code]] as const) {
          const { text, reason } = renderer.print(answer);
          const run = await cli([command, '--config', file, '--no-extras', '--format', renderer.format].filter((a) => command === 'baseline' || a !== '--no-extras'));
          expect({ format: renderer.format, command, code: run.code, stdout: run.stdout }).toEqual({ format: renderer.format, command, code, stdout: text === null ? '' : `${text}\n` });
          if (reason !== null) expect(run.stderr).toContain(`qemu-cpu ${command}: ${renderer.format}: ${reason}`);
        }
      }
    });

    it('colour only on a terminal, and not with NO_COLOR', async () => {
      let out = '';
      const io = (env: Record<string, string>) => ({ stdout: (t: string) => void (out += t), stderr: () => undefined, env, isTty: true });
      expect(await main(['check', '--config', withSse4a], io({}))).toBe(1);
      recordOutput('cli', out);
      expect(out).toContain('\u001b[1;31mCANNOT ENFORCE');
      expect(out).toContain('\u001b[32mok');
      out = '';
      expect(await main(['check', '--config', withSse4a], io({ NO_COLOR: '1' }))).toBe(1);
      expect(out).not.toContain('\u001b[');
    });
  });

  describe('could not decide', () => {
    const dead = { name: 'dead', host: '127.0.0.1', port: 1, dialErrorLimit: 1 };

    it('exit 2 when a host cannot be asked and no host refused; the key given inline never shows', async () => {
      const good = { ...fleet[0], privateKeyPath: undefined, privateKey: chain.target.privateKey };
      delete good.privateKeyPath;
      const file = write('dead.yml', { hosts: [good, dead], model: 'pentium3', machineType: 'q35', accelerator: realAccel });
      const text = await cli(['check', '--config', file]);
      expect(text.code).toBe(2);
      expect(text.stdout).toMatch(/^  dead +UNDECIDED +- +- +- +-$/m);
      expect(text.stdout).toMatch(/^  dead: could not connect/m);
      expect(text.stdout).toMatch(/^UNDECIDED: 1 host\(s\) could not be asked: dead$/m);
      const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse((await cli(['check', '--config', file, '--format', 'junit'])).stdout);
      expect(junit.testsuites).toEqual(expect.objectContaining({ tests: '2', failures: '0', errors: '1' }));
      expect(junit.testsuites.testsuite.testcase[1].error.type).toBe('Undecided');
      const gh = await cli(['check', '--config', file, '--format', 'github']);
      expect(gh.code).toBe(2);
      expect(gh.stdout).toMatch(/^::error file=.*,title=qemu-cpu%3A dead could not be asked::dead: could not connect/m);
      const json = await cli(['check', '--config', file, '--format', 'json']);
      expect(JSON.parse(json.stdout).hosts[1]).toEqual(expect.objectContaining({ name: 'dead', enforceable: null, error: expect.stringMatching(/^dead: could not connect/) }));
      // The same as data: programs switch on outcome, stage and kind, never on the words.
      expect(JSON.parse(json.stdout).hosts[1]).toEqual(expect.objectContaining({ outcome: 'undecided', stage: 'connect', kind: 'connection', message: expect.stringMatching(/^dead: could not connect/) }));
      expect(JSON.parse(json.stdout).hosts[0]).toEqual(expect.objectContaining({ outcome: 'can' }));
      expect(JSON.parse(json.stdout).hosts[0].kind).toBeUndefined();
    });

    it('run again on an unchanged host, the gate answers from the fingerprint cache; --no-cache asks QEMU again', async () => {
      const file = write('cached.yml', { hosts: [{ ...fleet[2], name: 'cache-gate' }], model: 'Westmere-v1', requiredFeatures: ['aes'], machineType: 'pc-q35-4.2' });
      await expectNoCacheCycle(async (extra = []) => {
        const r = await cli(['check', '--config', file, '--format', 'json', ...extra]);
        expect(r.code).toBe(0);
        return JSON.parse(r.stdout).hosts[0] as CachedAnswer;
      });
    });

    it('baseline run again on unchanged hosts answers from the fingerprint cache, its ground truth marked so; --no-cache searches again', async () => {
      const file = write('cached-baseline.yml', { hosts: [{ ...fleet[2], name: 'cache-baseline' }], machineType: 'pc-q35-4.2' });
      await expectNoCacheCycle(async (extra = []) => {
        const r = await cli(['baseline', '--config', file, '--format', 'json', ...extra]);
        expect(r.code).toBe(0);
        return JSON.parse(r.stdout).verification.hosts[0] as CachedAnswer;
      });
    });

    it('exit 1 beats 2: a host that refuses decides the gate even while another cannot be asked', async () => {
      const file = write('refuse-and-dead.yml', { hosts: [fleet[2], dead], model: 'EPYC', machineType: 'pc-q35-4.2' });
      const run = await cli(['check', '--config', file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL: 1 of 2 host\(s\) cannot enforce this CPU: intel-a\. 1 host\(s\) could not be asked: dead$/m);
    });

    it('exit 2 for an invalid file, with every problem at once and no host asked', async () => {
      const file = write('invalid.yml', {
        hosts: [{ host: 'kvm 01', port: 0 }],
        model: 'Skylake;reboot',
        requiredFeatures: ['avx9000'],
        machineType: 'q35',
        colour: 'blue',
      });
      const run = await cli(['check', '--config', file]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^qemu-cpu: invalid check file .*invalid\.yml:$/m);
      for (const p of ['hosts.0.host', 'hosts.0.port', 'model', "Unrecognized key\\(s\\) in object: 'colour'"]) expect(run.stderr).toMatch(new RegExp(`^  - ${p}`, 'm'));
      const feature = await cli(['check', '--config', write('feature.yml', { hosts: fleet.slice(0, 1), model: 'pentium3', requiredFeatures: ['avx9000'] })]);
      expect(feature.code).toBe(2);
      expect(feature.stderr).toMatch(/avx9000.*is not a CPU feature QEMU knows/);
      const yamlError = await cli(['check', '--config', write('broken.yml', 'hosts:\n  - host: a\n   port: 2\n')]);
      expect(yamlError.code).toBe(2);
      expect(yamlError.stderr).toMatch(/is not valid YAML.*line 3/);
      expect((await cli(['check', '--config', file, '--format', 'xml'])).stderr).toMatch(/--format must be one of text, json, junit, github/);
      expect((await cli(['check'])).code).toBe(2);
      expect((await cli(['check', '--config', path.join(dir, 'missing.yml')])).stderr).toMatch(/cannot read check file .*missing\.yml \(config\): ENOENT/);
      expect((await cli(['check', '--help'])).stdout).toMatch(/^Usage: qemu-cpu check --config FILE/);
    });

    it('baseline: exit 1 when no model can give a required feature, exit 2 when a host cannot be asked', async () => {
      const none = await cli(['baseline', '--config', write('b1.yml', { hosts: fleet.slice(1), machineType: 'pc-q35-4.2', requiredFeatures: ['sse4a'] }), '--format', 'json']);
      expect(none.code).toBe(1);
      const report = JSON.parse(none.stdout);
      expect(report).toEqual(expect.objectContaining({ ok: false, decided: true, reason: 'a required feature is missing: intel-a lacks sse4a; intel-b lacks sse4a' }));
      expect(none.stderr).toBe('qemu-cpu baseline: a required feature is missing: intel-a lacks sse4a; intel-b lacks sse4a\n');
      const undecided = await cli(['baseline', '--config', write('b2.yml', { hosts: [fleet[1], dead] })]);
      expect(undecided.code).toBe(2);
      expect(undecided.stdout).toMatch(/^# No baseline: 1 host could not be asked\.$/m);
    });
  });

  describe('inventories users already keep', () => {
    it('an Ansible inventory: groups, children, ansible_host/port/user/key and the QEMU binary per host', async () => {
      const t = chain.target;
      const inventory = write('inventory.yml', {
        all: {
          vars: { ansible_user: t.user, ansible_ssh_private_key_file: t.privateKeyPath },
          children: {
            kvm: {
              vars: { ansible_host: t.host, ansible_port: t.port },
              children: {
                kvm_intel: { hosts: { 'xeon-[1:2]': { qemu_cpu_binary: fleet[2].qemuBinary } } },
                kvm_amd: { hosts: { 'epyc-1': { qemu_cpu_binary: fleet[1].qemuBinary }, 'local-1': null } },
              },
            },
            other: { hosts: { 'not-this-one': { ansible_host: '192.0.2.1' } } },
          },
        },
      });
      const file = write('ansible-check.yml', { inventory: { ansible: 'inventory.yml', group: 'kvm', hostDefaults: { knownHostsPath: t.knownHostsPath } }, sshConfig: 'none', model: 'Westmere-v1', machineType: 'pc-q35-4.2' });
      expect(path.dirname(inventory)).toBe(path.dirname(file));
      const run = await cli(['check', '--config', file, '--format', 'json']);
      const report = JSON.parse(run.stdout);
      expect(report.hosts.map((h: { name: string; enforceable: boolean }) => [h.name, h.enforceable])).toEqual([
        ['xeon-1', true],
        ['xeon-2', true],
        ['epyc-1', true],
        // This machine's nested KVM offers no SSE3, so Westmere is too much for it; without /dev/kvm it cannot be asked under KVM at all.
        ['local-1', kvmUsable ? false : null],
      ]);
      expect(run.code).toBe(kvmUsable ? 1 : 2);
    });

    it('an ssh config with HostName, Port, User, IdentityFile, UserKnownHostsFile and a ProxyJump through a second sshd', async () => {
      const { jump, target } = chain;
      const config = write(
        'ssh_config',
        [
          'Host kvm-behind',
          '  HostName 127.0.0.1',
          `  Port ${target.port}`,
          `  User ${target.user}`,
          `  IdentityFile ${target.privateKeyPath}`,
          `  UserKnownHostsFile ${target.knownHostsPath}`,
          '  ProxyJump jumpbox',
          'Host jumpbox',
          '  HostName 127.0.0.1',
          `  Port ${jump.port}`,
          `  IdentityFile ${jump.privateKeyPath}`,
          `  UserKnownHostsFile ${jump.knownHostsPath}`,
          '',
        ].join('\n'),
      );
      const file = write('ssh-check.yml', { sshConfig: path.basename(config), hosts: [{ host: 'kvm-behind', qemuBinary: fleet[2].qemuBinary }], model: 'Skylake-Client-v3', machineType: 'pc-q35-4.2' });
      const run = await cli(['check', '--config', file, '--format', 'json']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).hosts).toEqual([expect.objectContaining({ name: 'kvm-behind', enforceable: true, resolvedModel: 'Skylake-Client-v3', qemuVersion: '4.2.0' })]);
      expect(jump.logs()).toMatch(new RegExp(`direct_tcpip: originator .*, target 127\\.0\\.0\\.1 port ${target.port}`));
    });
  });
});

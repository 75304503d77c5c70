import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RemoteCommandError } from '../errors';
import { LocalTransport } from '../transport';
import { parseHostFacts, readHostFacts } from './hostFacts';
import { FACTS_SCRIPT, LAUNCH_SCRIPT, QEMU_START_LINE, scriptArgv } from './hostScripts';

const OUTPUT = [
  'kernel=6.1.0-18-amd64',
  'arch=x86_64',
  'kvm=rw',
  'binary=/usr/bin/qemu-system-x86_64',
  'binarystat=18397984 1700000000',
  '/sys/module/kvm/parameters/halt_poll_ns:200000',
  '/sys/module/kvm/parameters/empty:',
  '/sys/module/kvm_amd/parameters/nested:1',
  '/sys/module/kvm_amd/parameters/two_lines:a=b',
  '/sys/module/kvm_amd/parameters/two_lines:c',
  '--- cpuinfo',
  'processor\t: 0',
  'flags\t\t: fpu sse',
  '',
].join('\n');

describe('parseHostFacts', () => {
  it('reads every field, kvm parameters as grep -H prints them', () => {
    expect(parseHostFacts(OUTPUT, 'h')).toEqual({
      kernelRelease: '6.1.0-18-amd64',
      arch: 'x86_64',
      kvmAccess: 'rw',
      binary: '/usr/bin/qemu-system-x86_64',
      binaryStat: { size: 18397984, mtime: 1700000000 },
      kvmParams: {
        'kvm/parameters/halt_poll_ns': '200000',
        'kvm/parameters/empty': '',
        'kvm_amd/parameters/nested': '1',
        'kvm_amd/parameters/two_lines': 'a=bc',
      },
      cpuinfo: 'processor\t: 0\nflags\t\t: fpu sse\n',
    });
  });

  it('a missing binary has no stat', () => {
    expect(parseHostFacts(OUTPUT.replace('binarystat=18397984 1700000000', 'binarystat='), 'h').binaryStat).toBeNull();
  });

  it('output that is not the script’s is an error naming the host', () => {
    expect(() => parseHostFacts('hello', 'kvm-01')).toThrow(RemoteCommandError);
    expect(() => parseHostFacts('hello', 'kvm-01')).toThrow(/kvm-01/);
  });
});

describe('the facts script on this machine', () => {
  it('reports every fingerprint key the host holds', async () => {
    const facts = await readHostFacts(new LocalTransport(), undefined, 10_000);
    expect(facts.kernelRelease).toBe(fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    expect(facts.arch).toBe(process.arch === 'x64' ? 'x86_64' : expect.any(String));
    expect(facts.binary).toMatch(/qemu-system-x86_64$/);
    const stat = fs.statSync(facts.binary);
    expect(facts.binaryStat).toEqual({ size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000) });
    expect(facts.kvmAccess).toEqual(fs.existsSync('/dev/kvm') ? expect.stringMatching(/^(rw|denied)$/) : 'missing');
    const params = fs.existsSync('/sys/module/kvm/parameters') ? fs.readdirSync('/sys/module/kvm/parameters') : [];
    for (const p of params) {
      expect(facts.kvmParams[`kvm/parameters/${p}`]).toBe(fs.readFileSync(`/sys/module/kvm/parameters/${p}`, 'utf8').replace(/\n/g, '').slice(0, 256));
    }
    expect(facts.cpuinfo).toMatch(/^processor\s*:\s*0$/m);
    expect(facts.cpuinfo).toMatch(/^flags\s*:/m);
  });
});

describe('QEMU binary discovery without a configured binary (both scripts, as command -v would, with no subshell)', () => {
  const arch = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
  let root: string;
  let searchPath: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-discovery-'));
    const fake = (dir: string, says: string) => {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      fs.writeFileSync(path.join(root, dir, `qemu-system-${arch}`), `#!/bin/sh\necho ${says}\n`, { mode: 0o755 });
    };
    // A directory of the binary's name is no binary; an entry that is a glob pattern is taken literally:
    // with globbing, '[z]' would name z/ and find the wrong binary.
    fs.mkdirSync(path.join(root, 'dirs', `qemu-system-${arch}`), { recursive: true });
    fs.mkdirSync(path.join(root, 'noexec'));
    fs.writeFileSync(path.join(root, 'noexec', `qemu-system-${arch}`), '', { mode: 0o644 });
    fake('z', 'wrong');
    fake('[z]', 'right');
    searchPath = ['/nonexistent', '', path.join(root, 'dirs'), path.join(root, 'noexec'), path.join(root, '[z]'), path.join(root, 'z'), '/usr/bin', '/bin'].join(':');
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (script: string, args: string[]) => {
    const [program, ...rest] = scriptArgv(script, args);
    return spawnSync(program, rest, { cwd: os.tmpdir(), env: { PATH: searchPath }, encoding: 'utf8', input: '' });
  };

  it('the facts script names the first executable file on PATH', () => {
    const out = run(FACTS_SCRIPT, ['']);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(`binary=${path.join(root, '[z]', `qemu-system-${arch}`)}\n`);
    expect(parseHostFacts(out.stdout, 'h').arch).toBe(arch);
  });

  it('the launch script execs the same binary (and says which)', () => {
    const out = run(LAUNCH_SCRIPT, ['tcg', '', '0123456789abcdef', '0', '-S']);
    expect(out.stdout).toBe(`${QEMU_START_LINE}\nright\n`);
    expect(out.stderr).toContain(`binary=${path.join(root, '[z]', `qemu-system-${arch}`)}\n`);
  });

  it("with nothing on PATH, RHEL's /usr/libexec/qemu-kvm is the last resort", () => {
    const out = spawnSync('/bin/sh', ['-c', FACTS_SCRIPT, 'qemu-cpu', ''], { env: { PATH: path.join(root, 'dirs') }, encoding: 'utf8' });
    expect(out.stdout).toContain('binary=/usr/libexec/qemu-kvm\n');
  });
});

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostFacts } from '../launcher';
import { FACTS_SCRIPT } from '../launcher/hostScripts';
import { parseHostFacts } from '../launcher/hostFacts';
import {
  FINGERPRINT_KEYS,
  cacheSlot,
  canonicalJson,
  cpuFlagsHash,
  fingerprintChanges,
  observedFingerprint,
  type Fingerprint,
  type HostIdentity,
} from './fingerprint';
import { hostIdentity } from './probeHost';
import { LocalTransport } from '../transport';

const CPUINFO = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 17
model name	: AMD EPYC 9654 96-Core Processor
stepping	: 1
microcode	: 0xa101148
cpu MHz		: 2396.400
flags		: fpu vme de pse sse sse2 pni ssse3 sse4_1 avx avx2 svm
bogomips	: 4792.80
`;

const FACTS: HostFacts = {
  kernelRelease: '6.1.0-18-amd64',
  arch: 'x86_64',
  kvmAccess: 'rw',
  binary: '/usr/bin/qemu-system-x86_64',
  binaryStat: { size: 18397984, mtime: 1700000000 },
  kvmParams: { 'kvm/parameters/halt_poll_ns': '200000', 'kvm_amd/parameters/nested': '1' },
  cpuinfo: CPUINFO,
};

const VERSION = '0.1.0';
const stored = (facts: HostFacts = FACTS): Fingerprint => ({ ...observedFingerprint(facts, VERSION)!, qemuVersion: '7.2.22' });

/** Each fingerprint key, changed alone: the observation after the change. */
const changedAlone: Record<keyof Fingerprint, () => ReturnType<typeof observedFingerprint>> = {
  qemuBinary: () => observedFingerprint({ ...FACTS, binary: '/usr/libexec/qemu-kvm' }, VERSION),
  qemuBinarySize: () => observedFingerprint({ ...FACTS, binaryStat: { size: 18397985, mtime: 1700000000 } }, VERSION),
  qemuBinaryMtime: () => observedFingerprint({ ...FACTS, binaryStat: { size: 18397984, mtime: 1700000001 } }, VERSION),
  qemuVersion: () => ({ ...observedFingerprint(FACTS, VERSION)!, qemuVersion: '7.2.23' }),
  kernelRelease: () => observedFingerprint({ ...FACTS, kernelRelease: '6.1.0-19-amd64' }, VERSION),
  arch: () => observedFingerprint({ ...FACTS, arch: 'i686' }, VERSION),
  cpuSignature: () => observedFingerprint({ ...FACTS, cpuinfo: CPUINFO.replace('stepping	: 1', 'stepping	: 2') }, VERSION),
  microcode: () => observedFingerprint({ ...FACTS, cpuinfo: CPUINFO.replace('0xa101148', '0xa101150') }, VERSION),
  cpuFlagsHash: () => observedFingerprint({ ...FACTS, cpuinfo: CPUINFO.replace(' avx2 ', ' ') }, VERSION),
  kvmAccess: () => observedFingerprint({ ...FACTS, kvmAccess: 'denied' }, VERSION),
  kvmParams: () => observedFingerprint({ ...FACTS, kvmParams: { ...FACTS.kvmParams, 'kvm_amd/parameters/nested': '0' } }, VERSION),
  qemuCpuVersion: () => observedFingerprint(FACTS, '0.2.0'),
};

describe('the fingerprint', () => {
  it('an unchanged host matches its stored fingerprint, with or without the QEMU version', () => {
    expect(fingerprintChanges(stored(), observedFingerprint(FACTS, VERSION)!)).toEqual([]);
    expect(fingerprintChanges(stored(), { ...observedFingerprint(FACTS, VERSION)!, qemuVersion: '7.2.22' })).toEqual([]);
  });

  it('covers every key the issue names, and each has a change-alone case below', () => {
    expect([...FINGERPRINT_KEYS].sort()).toEqual(Object.keys(changedAlone).sort());
    for (const key of ['qemuBinary', 'qemuBinarySize', 'qemuBinaryMtime', 'qemuVersion', 'kernelRelease', 'microcode', 'cpuFlagsHash', 'kvmAccess', 'kvmParams', 'qemuCpuVersion']) {
      expect(FINGERPRINT_KEYS).toContain(key);
    }
  });

  it.each(Object.keys(changedAlone) as Array<keyof Fingerprint>)('%s changed alone invalidates, and is named', (key) => {
    expect(fingerprintChanges(stored(), changedAlone[key]()!)).toEqual([key]);
  });

  it('a kvm parameter that appears or disappears invalidates', () => {
    const extra = observedFingerprint({ ...FACTS, kvmParams: { ...FACTS.kvmParams, 'kvm/parameters/ignore_msrs': 'N' } }, VERSION)!;
    const fewer = observedFingerprint({ ...FACTS, kvmParams: { 'kvm/parameters/halt_poll_ns': '200000' } }, VERSION)!;
    expect(fingerprintChanges(stored(), extra)).toEqual(['kvmParams']);
    expect(fingerprintChanges(stored(), fewer)).toEqual(['kvmParams']);
  });

  it('what changes all the time does not: cpu MHz, bogomips, the order of flags and of kvm parameters', () => {
    const cpuinfo = CPUINFO.replace('2396.400', '3100.000').replace('4792.80', '4800.00').replace('fpu vme de pse', 'vme fpu pse de');
    const params = Object.fromEntries(Object.entries(FACTS.kvmParams).reverse());
    expect(fingerprintChanges(stored(), observedFingerprint({ ...FACTS, cpuinfo, kvmParams: params }, VERSION)!)).toEqual([]);
  });

  it('the flags hash is of the flag set', () => {
    expect(cpuFlagsHash(['sse', 'avx', 'sse'])).toBe(cpuFlagsHash(['avx', 'sse']));
    expect(cpuFlagsHash(['sse', 'avx'])).not.toBe(cpuFlagsHash(['sse']));
    expect(cpuFlagsHash([])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot vouch for an answer without the binary or a readable cpuinfo', () => {
    expect(observedFingerprint({ ...FACTS, binaryStat: null }, VERSION)).toBeUndefined();
    expect(observedFingerprint({ ...FACTS, cpuinfo: 'garbage' }, VERSION)).toBeUndefined();
  });
});

describe('[cache-vendor-params] the kvm vendor modules\' parameters reach the fingerprint', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-sysmodule-'));
    for (const [module, name, value] of [
      ['kvm', 'halt_poll_ns', '200000'],
      ['kvm_intel', 'nested', 'Y'],
      ['kvm_amd', 'avic', '0'],
      ['kvm_pvm', 'nx_huge_pages', 'N'],
    ]) {
      fs.mkdirSync(path.join(root, module, 'parameters'), { recursive: true });
      fs.writeFileSync(path.join(root, module, 'parameters', name), `${value}\n`);
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** The real facts script over a /sys/module of our own (its paths moved there and back), parsed as a probe parses it. */
  const factsFrom = (sysModule: string): HostFacts => {
    const script = FACTS_SCRIPT.split('/sys/module/').join(`${sysModule}/`);
    const out = execFileSync('sh', ['-c', script, 'qemu-cpu', process.execPath], { encoding: 'utf8' });
    return parseHostFacts(out.split(`${sysModule}/`).join('/sys/module/'), 'local');
  };

  it('kvm, kvm_intel, kvm_amd and kvm_pvm parameters are read, and a change in any one invalidates', () => {
    const facts = factsFrom(root);
    expect(facts.kvmParams).toEqual({
      'kvm/parameters/halt_poll_ns': '200000',
      'kvm_intel/parameters/nested': 'Y',
      'kvm_amd/parameters/avic': '0',
      'kvm_pvm/parameters/nx_huge_pages': 'N',
    });
    const before = { ...observedFingerprint({ ...facts, cpuinfo: CPUINFO }, VERSION)!, qemuVersion: '7.2.22' };
    for (const [module, name] of [['kvm_intel', 'nested'], ['kvm_amd', 'avic'], ['kvm_pvm', 'nx_huge_pages']]) {
      const file = path.join(root, module, 'parameters', name);
      const old = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, 'changed\n');
      expect(fingerprintChanges(before, observedFingerprint({ ...factsFrom(root), cpuinfo: CPUINFO }, VERSION)!)).toEqual(['kvmParams']);
      fs.writeFileSync(file, old);
    }
    expect(fingerprintChanges(before, observedFingerprint({ ...factsFrom(root), cpuinfo: CPUINFO }, VERSION)!)).toEqual([]);
  });
});

describe('the cache slot', () => {
  const identity: HostIdentity = { label: 'kvm-01', ssh: { host: 'kvm-01.example.net', port: 22, user: 'admin', via: null } };
  const request = { machineType: 'none', accelerator: 'kvm', qemuBinary: null };
  const slot = cacheSlot(identity, 'probe', request);

  it('is a SHA-256 digest, stable under key order', () => {
    expect(slot).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheSlot({ ssh: identity.ssh, label: 'kvm-01' }, 'probe', { qemuBinary: null, accelerator: 'kvm', machineType: 'none' })).toBe(slot);
  });

  it.each([
    ['machine type', identity, { ...request, machineType: 'pc-q35-7.2' }],
    ['accelerator', identity, { ...request, accelerator: 'tcg' }],
    ['QEMU binary', identity, { ...request, qemuBinary: '/opt/qemu/bin/qemu-system-x86_64' }],
    ['host label', { ...identity, label: 'kvm-02' }, request],
    ['host', { ...identity, ssh: { ...identity.ssh!, host: 'kvm-02.example.net' } }, request],
    ['port', { ...identity, ssh: { ...identity.ssh!, port: 2222 } }, request],
    ['user', { ...identity, ssh: { ...identity.ssh!, user: 'root' } }, request],
    ['jump host', { ...identity, ssh: { ...identity.ssh!, via: { host: 'bastion', port: 22, user: null } } }, request],
  ] as Array<[string, HostIdentity, typeof request]>)('differs by %s', (_what, id, req) => {
    expect(cacheSlot(id, 'probe', req)).not.toBe(slot);
  });

  it('differs by kind', () => {
    expect(cacheSlot(identity, 'verify', request)).not.toBe(slot);
  });

  it('the host identity holds no credential', () => {
    const id = hostIdentity(new LocalTransport('kvm-01'), {
      host: 'kvm-01.example.net',
      port: 22,
      user: 'admin',
      password: 'hunter2-secret',
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY----- secret',
      privateKeyPassword: 'passphrase-secret',
      perDialTimeout: 15,
      dialErrorLimit: 10,
      insecureSkipHostKeyVerification: false,
      proxy: { host: 'bastion', port: 22, password: 'jump-secret', perDialTimeout: 15, dialErrorLimit: 10, insecureSkipHostKeyVerification: false },
    });
    expect(canonicalJson(id)).not.toMatch(/secret/);
    expect(id).toEqual({ label: 'kvm-01', ssh: { host: 'kvm-01.example.net', port: 22, user: 'admin', via: { host: 'bastion', port: 22, user: null } } });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

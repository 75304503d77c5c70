/**
 * The real Pulumi engine: the `pulumi` CLI and pulumi-language-yaml built
 * from Go modules (scripts/install-pulumi.sh), a file:// backend, the native
 * plugin found through `plugins.providers[].path`, the loopback sshd and
 * real QEMU 7.2 and 10.0. Nothing here imitates the engine.
 *
 * On these machines QEMU 7.2 cannot enforce `erms` (it does not pass it
 * through) and QEMU 10.0 can, on the same kernel; nested KVM gives no `pni`
 * at all. Those two facts make a fitting program, a failing one and a host
 * that changes under a deployed stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { realAccel } from '../../../harness/accel';
import { secondQemu } from '../../../test/support/secondQemu';
import { describeWithPulumi, pulumiStack, scratch, type PulumiStack } from '../../../test/support/pulumiTools';
import { repoRoot } from '../../../harness/paths';

const QEMU_72 = '/usr/bin/qemu-system-x86_64';
const ENGINE_TIMEOUT_MS = 240_000;

interface HostSpec {
  name: string;
  qemuBinary?: string;
}

/** A Pulumi YAML program selecting `model` (+ `required`) on `hosts`, through the plugin in this checkout's bin/. */
function program(sshd: Sshd, select: { model: string; required?: string[]; disabled?: string[]; hosts: HostSpec[] }): string {
  const hosts = select.hosts.map((h) => ({
    name: h.name,
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    privateKey: '${sshKey}',
    knownHostsPath: sshd.knownHostsPath,
    ...(h.qemuBinary ? { qemuBinary: h.qemuBinary } : {}),
  }));
  const doc = {
    name: 'qemu-cpu-engine-test',
    runtime: 'yaml',
    plugins: { providers: [{ name: 'qemu-cpu', path: path.join(repoRoot, 'bin') }] },
    config: { sshKey: { type: 'string', secret: true } },
    resources: {
      guestCpu: {
        type: 'qemu-cpu:index:CpuModelSelection',
        properties: { model: select.model, requiredFeatures: select.required ?? [], disabledFeatures: select.disabled ?? [], machineType: 'q35', accelerator: realAccel, hosts },
      },
    },
    outputs: {
      qemuCpuArg: '${guestCpu.qemuCpuArg}',
      libvirtCpuXml: '${guestCpu.libvirtCpuXml}',
      resolvedModel: '${guestCpu.resolvedModel}',
      enforceable: '${guestCpu.enforceable}',
    },
  };
  // JSON is YAML: no YAML writer needed for a file Pulumi reads.
  return JSON.stringify(doc, null, 2);
}

/** sshd's count of accepted logins so far: how many times a host was asked. */
const logins = (sshd: Sshd) => (sshd.logs().match(/Accepted publickey/g) ?? []).length;

describeWithPulumi('the real Pulumi engine with a YAML program and the native plugin', (bin) => {
  let sshd: Sshd;
  const stacks: PulumiStack[] = [];
  const open = async (text: string) => {
    const stack = await pulumiStack(bin, { 'Pulumi.yaml': text });
    stacks.push(stack);
    await stack.ok(['config', 'set', '--secret', 'sshKey', '--', sshd.privateKey]);
    return stack;
  };
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const s of stacks) s.remove();
    await sshd?.stop();
  });

  it('preview fails on a CPU a host cannot enforce, naming each host and missing feature as host=… missing=…', async () => {
    const stack = await open(program(sshd, { model: 'qemu64', hosts: [{ name: 'kvm-a' }, { name: 'kvm-b' }] }));
    const r = await stack.run(['preview', '--non-interactive']);
    expect(r.code).not.toBe(0);
    for (const host of ['kvm-a', 'kvm-b']) expect(r.output).toMatch(new RegExp(`host=${host} model=qemu64-v1 machine=pc-q35-7\\.2 missing=\\S*pni`));
    expect(r.output).not.toContain(sshd.privateKey.split('\n')[1]);
  }, ENGINE_TIMEOUT_MS);

  it('up creates; outputs, refresh and preview agree; secrets stay encrypted; a changed host is drift and refuses the next up; destroy asks no host', async () => {
    if (!secondQemu) throw new Error('QEMU 10.0 is needed for the drift case (scripts/ensure-qemu10.sh)');
    // A qemuBinary that is QEMU 10.0 today and 7.2 after an "upgrade gone wrong": the host changes, the program does not.
    const wrapperDir = scratch('qemu-wrapper-');
    const wrapper = path.join(wrapperDir, 'qemu-system-x86_64');
    const pointAt = (target: string) => fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${target} "$@"\n`, { mode: 0o755 });
    pointAt(secondQemu);
    const stack = await open(program(sshd, { model: 'pentium3', required: ['erms'], hosts: [{ name: 'kvm-a', qemuBinary: wrapper }, { name: 'kvm-b', qemuBinary: secondQemu }] }));

    const preview = await stack.ok(['preview', '--non-interactive']);
    expect(preview.output).toMatch(/\+ 2 to create/);
    await stack.ok(['up', '--yes', '--non-interactive']);
    const outputs = JSON.parse((await stack.ok(['stack', 'output', '--json', '--show-secrets'])).stdout);
    expect(outputs.qemuCpuArg).toBe('pentium3-v1,+erms,enforce');
    expect(outputs.libvirtCpuXml).toContain('<cpu');
    expect(outputs.enforceable).toBe(true);

    // Right after up, the real engine's refresh and preview see no change.
    await stack.ok(['refresh', '--yes', '--expect-no-changes', '--non-interactive']);
    await stack.ok(['preview', '--expect-no-changes', '--non-interactive']);

    // Secrets: neither the exported state nor the file on disk holds the key or the passphrase in plaintext.
    const exported = (await stack.ok(['stack', 'export'])).stdout;
    const onDisk = readTree(stack.backendDir);
    const keyBody = sshd.privateKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const text of [exported, onDisk]) {
      expect(text).toContain('ciphertext');
      for (const line of sshd.privateKey.split('\n').filter((l) => l.length > 20)) expect(text).not.toContain(line);
      expect(text.replace(/\\n|\s/g, '')).not.toContain(keyBody.slice(0, 40));
      expect(text).not.toContain('qemu-cpu-real-engine-test-passphrase');
    }

    // The host changes: kvm-a's QEMU is 7.2 now, which cannot enforce erms.
    pointAt(QEMU_72);
    const drift = await stack.run(['refresh', '--yes', '--expect-no-changes', '--non-interactive']);
    expect(drift.code).not.toBe(0);
    expect(drift.output).toMatch(/host=kvm-a model=pentium3-v1 machine=pc-q35-7\.2 missing=erms/);
    const refused = await stack.run(['up', '--yes', '--non-interactive']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/host=kvm-a model=pentium3-v1 machine=pc-q35-7\.2 missing=erms/);
    expect(refused.output).not.toMatch(/host=kvm-b /);

    const before = logins(sshd);
    await stack.ok(['destroy', '--yes', '--non-interactive']);
    expect(logins(sshd)).toBe(before);
    fs.rmSync(wrapperDir, { recursive: true, force: true });
  }, ENGINE_TIMEOUT_MS);

  it('examples/yaml: select-cpu comes up with its outputs; preview-fails fails naming each host and avx2', async () => {
    const example = async (name: string) => {
      const text = fs.readFileSync(path.join(repoRoot, 'examples/yaml', name, 'Pulumi.yaml'), 'utf8');
      // The examples find the plugin relative to themselves; this copy lives elsewhere.
      const stack = await open(text.replace('path: ../../../bin', `path: ${path.join(repoRoot, 'bin')}`));
      for (const [key, value] of Object.entries({ hostA: sshd.host, hostB: sshd.host, sshUser: sshd.user, knownHostsPath: sshd.knownHostsPath, accelerator: realAccel })) {
        await stack.ok(['config', 'set', key, '--', value]);
      }
      await stack.ok(['config', 'set', '--type', 'int', 'sshPort', String(sshd.port)]);
      return stack;
    };
    const select = await example('select-cpu');
    const up = await select.ok(['up', '--yes', '--non-interactive']);
    expect(up.output).toContain('qemuCpuArg');
    const outputs = JSON.parse((await select.ok(['stack', 'output', '--json'])).stdout);
    expect(outputs.qemuCpuArg).toBe('pentium3-v1,enforce');
    expect(outputs.resolvedModel).toBe('pentium3-v1');
    // The engine marks an invoke's result secret when an argument was (here the private key): shown only on request.
    expect(outputs.kvm01Usable).toBe('[secret]');
    const shown = JSON.parse((await select.ok(['stack', 'output', '--json', '--show-secrets'])).stdout);
    expect(JSON.stringify(shown.kvm01Usable)).toContain('pentium3-v1');
    await select.ok(['destroy', '--yes', '--non-interactive']);

    const fails = await example('preview-fails');
    const preview = await fails.run(['preview', '--non-interactive']);
    expect(preview.code).not.toBe(0);
    for (const host of ['kvm-01', 'kvm-02']) expect(preview.output).toMatch(new RegExp(`host=${host} model=pentium3-v1 machine=pc-q35-7\\.2 missing=avx2`));
  }, ENGINE_TIMEOUT_MS);

  it("model 'auto' pins a CPU on up and keeps the pin on a later preview and refresh", async () => {
    // Nested KVM here withholds pni from every 64-bit model, and a baseline is never a 32-bit one.
    const stack = await open(program(sshd, { model: 'auto', disabled: ['pni'], hosts: [{ name: 'kvm-a' }] }));
    await stack.ok(['up', '--yes', '--non-interactive'], { timeoutMs: ENGINE_TIMEOUT_MS });
    const pinned = JSON.parse((await stack.ok(['stack', 'output', '--json'])).stdout);
    expect(pinned.resolvedModel).toMatch(/-v\d+$/);
    await stack.ok(['preview', '--expect-no-changes', '--non-interactive'], { timeoutMs: ENGINE_TIMEOUT_MS });
    await stack.ok(['refresh', '--yes', '--expect-no-changes', '--non-interactive'], { timeoutMs: ENGINE_TIMEOUT_MS });
    const after = JSON.parse((await stack.ok(['stack', 'output', '--json'])).stdout);
    expect(after.resolvedModel).toBe(pinned.resolvedModel);
    expect(after.qemuCpuArg).toBe(pinned.qemuCpuArg);
  }, ENGINE_TIMEOUT_MS * 2);
});

/** Every file under dir, concatenated: the backend's state as it lies on disk. */
function readTree(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), 'utf8'))
    .join('\n');
}

import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { kvmUsable } from '../../harness/accel';
import { scratchDir } from '../../harness/paths';

const run = promisify(execFile);

/**
 * The real libvirt (Debian's, installed by scripts/ensure-host-packages.sh),
 * for tests that check the XML the project emits: `virsh domxml-to-native
 * qemu-argv` must accept a domain that embeds it and turn it into the same
 * -cpu as qemuCpuArg.
 *
 * By default the tests use libvirt's embedded QEMU driver
 * (`qemu:///embed?root=DIR`): the same driver code libvirtd runs, inside
 * virsh, with its configuration, state and capabilities cache in a private
 * directory, so no system configuration is touched. Its qemu.conf runs QEMU
 * as root: where /dev/kvm is root's only (no udev, as in containers), the
 * daemon's default user libvirt-qemu cannot open it, libvirt then throws its
 * capabilities cache away on every call ("KVM was enabled when probing ...,
 * but it is not available now") and each domxml-to-native re-probes QEMU
 * (36 s a call, measured here). Set QEMU_CPU_TEST_LIBVIRT_URI=qemu:///system
 * to use the system daemon instead; it is started (`libvirtd -d`) when it is
 * not running.
 */
export const LIBVIRT_URI_ENV = 'QEMU_CPU_TEST_LIBVIRT_URI';

/** libvirt as the tests use it. */
export interface Libvirt {
  /** The connection URI virsh is given. */
  uri: string;
  /** `virsh version` says it: the library's version, e.g. '9.0.0'. */
  version: string;
}

const embedRoot = path.join(scratchDir, 'libvirt-embed');

function embedUri(): string {
  const conf = path.join(embedRoot, 'etc', 'qemu.conf');
  const body = 'user = "root"\ngroup = "root"\n';
  if (!fs.existsSync(conf) || fs.readFileSync(conf, 'utf8') !== body) {
    fs.mkdirSync(path.dirname(conf), { recursive: true });
    fs.writeFileSync(conf, body);
  }
  return `qemu:///embed?root=${embedRoot}`;
}

function virshVersion(uri: string): string {
  const out = execFileSync('virsh', ['-c', uri, 'version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const m = /Using library: libvirt (\S+)/.exec(out);
  if (!m) throw new Error(`virsh version printed no library version: ${out.trim()}`);
  return m[1];
}

/** Start the system libvirtd when it is not answering (root only). */
function ensureDaemon(uri: string): void {
  try {
    virshVersion(uri);
    return;
  } catch {
    execFileSync('libvirtd', ['-d'], { stdio: 'ignore' });
  }
}

/**
 * libvirt ready for domxml-to-native, or undefined (with a note) where virsh
 * is not installed or does not answer. In CI (CI set) that is an error: the
 * suite must show libvirt accepting the XML.
 */
export function ensureLibvirt(): Libvirt | undefined {
  try {
    const uri = process.env[LIBVIRT_URI_ENV] || embedUri();
    if (uri === 'qemu:///system') ensureDaemon(uri);
    return { uri, version: virshVersion(uri) };
  } catch (err) {
    if (process.env.CI) throw err;
    process.stdout.write(`\nqemu-cpu tests: libvirt is not usable here (${(err as Error).message.split('\n')[0]}); tests against libvirt are skipped.\n`);
    return undefined;
  }
}

let cached: Libvirt | undefined | null = null;

/** {@link ensureLibvirt}, asked once per test file. */
export function libvirt(): Libvirt | undefined {
  if (cached === null) cached = ensureLibvirt();
  return cached;
}

/** `it` where libvirt answers, `it.skip` (saying so in its name) elsewhere. */
export function itWithLibvirt(name: string, fn: (lv: Libvirt) => Promise<void>, timeout?: number): void {
  const lv = libvirt();
  if (lv) it(name, () => fn(lv), timeout);
  else it.skip(`${name} (skipped: libvirt is not usable here)`, () => undefined);
}

/**
 * A minimal domain around the project's XML (a <cpu> element, and a
 * <features> element when it has one): KVM where this machine has it, else
 * TCG (libvirt's type 'qemu'); machine type as given.
 */
export function domainXml(cpuXml: string, machineType = 'q35'): string {
  const type = kvmUsable ? 'kvm' : 'qemu';
  return [
    `<domain type='${type}'>`,
    '  <name>qemu-cpu-libvirt-check</name>',
    "  <memory unit='MiB'>64</memory>",
    `  <os><type arch='x86_64' machine='${machineType}'>hvm</type></os>`,
    cpuXml,
    '</domain>',
  ].join('\n');
}

/** libvirt's answer for one domain: the QEMU command line, or its error. */
export type NativeAnswer = { ok: true; argv: string; cpuArg: string } | { ok: false; error: string };

/** The embedded driver holds its root directory's lock while virsh runs: one call at a time. */
let queue: Promise<unknown> = Promise.resolve();

/** `virsh domxml-to-native qemu-argv` on a domain XML (calls are serialized). */
export function domxmlToNative(lv: Libvirt, xml: string): Promise<NativeAnswer> {
  const answer = queue.then(() => convert(lv, xml));
  queue = answer.catch(() => undefined);
  return answer;
}

async function convert(lv: Libvirt, xml: string): Promise<NativeAnswer> {
  const dir = path.join(scratchDir, 'libvirt-domains');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `domain-${process.pid}-${Math.random().toString(36).slice(2)}.xml`);
  fs.writeFileSync(file, xml);
  try {
    const { stdout } = await run('virsh', ['-c', lv.uri, 'domxml-to-native', 'qemu-argv', file], { encoding: 'utf8', timeout: 120_000 });
    const m = / -cpu (\S+)/.exec(stdout);
    if (!m) return { ok: false, error: `libvirt's command line has no -cpu: ${stdout.trim()}` };
    return { ok: true, argv: stdout.trim(), cpuArg: m[1] };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    // virsh prints libvirt's log lines too; the error is the line that says so.
    const lines = (e.stderr || e.message).trim().split('\n');
    return { ok: false, error: lines.find((l) => l.startsWith('error:')) ?? lines[lines.length - 1] };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

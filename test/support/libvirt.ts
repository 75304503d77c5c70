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
  // stdio_handler file: QEMU's output goes to a log file, not to virtlogd (not running here), so `virsh create` can start a domain.
  const body = 'user = "root"\ngroup = "root"\nstdio_handler = "file"\n';
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

/** qemu-system-aarch64's path, or undefined where it is not installed (CI installs it: scripts/ensure-host-packages.sh). */
export const aarch64Emulator: string | undefined = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v qemu-system-aarch64'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** `it` where libvirt answers and qemu-system-aarch64 is installed (in CI both must be), `it.skip` saying why elsewhere. */
export function itWithLibvirtAarch64(name: string, fn: (lv: Libvirt, emulator: string) => Promise<void>, timeout?: number): void {
  if (!aarch64Emulator && process.env.CI) throw new Error('qemu-system-aarch64 is not installed (scripts/ensure-host-packages.sh installs qemu-system-arm)');
  if (!aarch64Emulator) it.skip(`${name} (skipped: qemu-system-aarch64 is not installed)`, () => undefined);
  else itWithLibvirt(name, (lv) => fn(lv, aarch64Emulator), timeout);
}

/**
 * A minimal aarch64 domain around the project's XML (a <cpu> element, and a
 * <features> element when it has one): TCG (libvirt's type 'qemu'; this
 * machine has no arm KVM), machine type virt, qemu-system-aarch64.
 */
export function aarch64DomainXml(cpuXml: string, emulator: string, name = 'qemu-cpu-libvirt-check'): string {
  return [
    "<domain type='qemu'>",
    `  <name>${name}</name>`,
    "  <memory unit='MiB'>128</memory>",
    "  <os><type arch='aarch64' machine='virt'>hvm</type></os>",
    cpuXml,
    `  <devices><emulator>${emulator}</emulator></devices>`,
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

/** A domain XML in a scratch file for virsh, removed after `use`. */
async function withDomainFile<T>(xml: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = path.join(scratchDir, 'libvirt-domains');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `domain-${process.pid}-${Math.random().toString(36).slice(2)}.xml`);
  fs.writeFileSync(file, xml);
  try {
    return await use(file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** virsh's error: it prints libvirt's log lines too; the error is the line that says so. */
function virshError(err: unknown): string {
  const e = err as { stderr?: string; message: string };
  const lines = (e.stderr || e.message).trim().split('\n');
  return lines.find((l) => l.startsWith('error:')) ?? lines[lines.length - 1];
}

function convert(lv: Libvirt, xml: string): Promise<NativeAnswer> {
  return withDomainFile(xml, async (file) => {
    try {
      const { stdout } = await run('virsh', ['-c', lv.uri, 'domxml-to-native', 'qemu-argv', file], { encoding: 'utf8', timeout: 120_000 });
      const m = / -cpu (\S+)/.exec(stdout);
      if (!m) return { ok: false, error: `libvirt's command line has no -cpu: ${stdout.trim()}` };
      return { ok: true, argv: stdout.trim(), cpuArg: m[1] };
    } catch (err) {
      return { ok: false, error: virshError(err) };
    }
  });
}

/** libvirt's answer to starting a domain: QEMU ran it (paused), or the error of libvirt or of QEMU. */
export type StartAnswer = { ok: true } | { ok: false; error: string };

/**
 * `virsh create --paused`, then `destroy`, in one virsh run (the embedded
 * driver lives as long as virsh does): libvirt starts QEMU with its command
 * line, so QEMU itself accepts or refuses the CPU. Serialized with
 * domxmlToNative. The domain's name must not be one a running test uses.
 */
export function startPaused(lv: Libvirt, xml: string): Promise<StartAnswer> {
  const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1];
  if (!name) throw new Error('the domain XML has no <name>');
  const answer = queue.then(() =>
    withDomainFile(xml, async (file): Promise<StartAnswer> => {
      try {
        await run('virsh', ['-q', '-c', lv.uri, `create ${file} --paused; destroy ${name}`], { encoding: 'utf8', timeout: 120_000 });
        return { ok: true };
      } catch (err) {
        // libvirt's error lines, then QEMU's message (which may run over lines); not libvirt's log lines, nor destroy's "failed to get domain".
        const lines = ((err as { stderr?: string }).stderr ?? String(err)).trim().split('\n');
        const said = lines.filter((l) => !/^\d{4}-\d\d-\d\d[ T].*: (debug|info|warning) : /.test(l) && !l.startsWith('error: failed to get domain'));
        return { ok: false, error: said.join(' ') };
      }
    }),
  );
  queue = answer.catch(() => undefined);
  return answer;
}

import { parseArgs } from 'node:util';
import { ConfigError, KeyPassphraseError } from '../../errors';
// The probe layer's modules, not its index: a probe loads no fleet verification or baseline code.
import { probeHost } from '../../probe/probeHost';
import { probeModelLevels } from '../../probe/modelLevels';
import type { ProbeRequestInput } from '../../probe/probeRequest';
import { ACCELERATORS, archProfile, x86LevelOf } from '../../model';
import { EXIT } from './exitCodes';
import { renderModelLevels } from './modelLevelsText';
import { renderProbeSummary } from './probeSummary';
import { DEFAULT_HOST_TIMEOUT_S, RUN_LIMIT_OPTIONS, runLimitFlags } from './runLimits';
import { parseSshTarget } from './sshTarget';
import type { CliIo } from './cliIo';

export const PROBE_USAGE = `Usage: qemu-cpu probe [user@]host[:port] [options]
       qemu-cpu probe [options]            (this machine, no SSH)

Asks QEMU on the host which guest CPU models and features it can really give a VM.
"Usable" means a VM starts: host and max, which QEMU lists as usable from CPUID
alone, get a paused VM (under KVM one: host's, as QEMU's host is max there).
Blockers are grouped by the layer that withholds
them (cpu, kvm-or-qemu, qemu, machine-type, topology, or undecided).

Options:
  -i, --identity FILE        SSH private key file
  -p, --port N               SSH port (default 22)
      --known-hosts FILE     known_hosts file to verify the host key (default ~/.ssh/known_hosts)
      --insecure-skip-host-key-verification
                             accept any host key (man-in-the-middle risk; labs only)
      --connect-timeout S    seconds for the dial: TCP connect, SSH banner, authentication (default 15)
      --host-timeout S       seconds the whole probe may take, connecting included (default 60)
      --machine TYPE         start QEMU with this machine type (default: none)
      --accel ${ACCELERATORS.join('|')}        accelerator (default kvm; tcg is used only when asked for)
      --qemu-binary PATH     absolute path of QEMU on the host
      --json                 print the whole capability model as JSON
      --model-levels         also the x86-64 level each concrete model reaches on the host
                             (one more paused QEMU; never cached)
      --no-cache             ask QEMU even if the fingerprint cache holds an answer (the new answer
                             replaces it; cache: $XDG_CACHE_HOME/qemu-cpu or ~/.cache/qemu-cpu)
  -h, --help                 show this help

Environment: QEMU_CPU_SSH_PASSWORD, QEMU_CPU_SSH_KEY_PASSPHRASE (never on the command line).
Exit codes: 0 probed, 2 could not probe.
`;

/** Where the probe command takes an encrypted key's passphrase from. */
const PASSPHRASE_ENV = 'QEMU_CPU_SSH_KEY_PASSPHRASE';

/** `qemu-cpu probe`: print one host's capabilities. */
export async function probeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      identity: { type: 'string', short: 'i' },
      port: { type: 'string', short: 'p' },
      'known-hosts': { type: 'string' },
      'insecure-skip-host-key-verification': { type: 'boolean' },
      machine: { type: 'string' },
      accel: { type: 'string' },
      'qemu-binary': { type: 'string' },
      ...RUN_LIMIT_OPTIONS,
      json: { type: 'boolean' },
      'model-levels': { type: 'boolean' },
      'no-cache': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(PROBE_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    io.stderr(`qemu-cpu probe: one host at a time (got ${positionals.length})\n${PROBE_USAGE}`);
    return EXIT.undecided;
  }
  const { flags, issues } = runLimitFlags(values);
  if (issues.length > 0) throw new ConfigError({ what: 'invalid qemu-cpu probe arguments', why: issues.join('; '), hint: "Run 'qemu-cpu probe --help'.", issues });
  const request: Record<string, unknown> = {
    machineType: values.machine,
    accelerator: values.accel,
    qemuBinary: values['qemu-binary'],
  };
  if (positionals.length === 1) {
    const target = parseSshTarget(positionals[0]);
    request.connection = {
      host: target.host,
      port: values.port !== undefined ? Number(values.port) : target.port,
      user: target.user,
      privateKeyPath: values.identity,
      privateKeyPassword: io.env[PASSPHRASE_ENV],
      password: io.env.QEMU_CPU_SSH_PASSWORD,
      knownHostsPath: values['known-hosts'],
      perDialTimeout: flags.connectTimeout,
      insecureSkipHostKeyVerification: values['insecure-skip-host-key-verification'],
    };
  } else if (values.identity || values.port || values['known-hosts'] || values['connect-timeout']) {
    io.stderr('qemu-cpu probe: --identity, --port, --known-hosts and --connect-timeout need a host\n');
    return EXIT.undecided;
  }
  const hostTimeoutMs = (flags.hostTimeout ?? DEFAULT_HOST_TIMEOUT_S) * 1000;
  // The probe command's passphrase is the environment's, not a privateKeyPassword field.
  const withSetting = (err: unknown) => {
    throw err instanceof KeyPassphraseError ? err.withSetting(PASSPHRASE_ENV) : err;
  };
  const probeRequest = dropUndefined(request) as ProbeRequestInput;
  // "Usable" here means a VM starts: host and max get a paused VM, one for both under KVM (cached with the answer).
  const caps = await probeHost(probeRequest, { cache: values['no-cache'] ? 'refresh' : 'use', vcpuStartCheck: true, hostTimeoutMs }).catch(withSetting);
  const models = values['model-levels'] ? await probeModelLevels(probeRequest, caps, { hostTimeoutMs }).catch(withSetting) : undefined;
  // The x86-64 levels are derived from the answer, so they are added here rather than stored (or cached) with it.
  const levels = archProfile(caps.arch).hasLevels ? { x86Level: x86LevelOf(caps.hostModel.features) } : {};
  const json = { ...caps, ...levels, ...(models ? { modelLevels: models } : {}) };
  io.stdout(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${renderProbeSummary(caps)}${models ? `\n${renderModelLevels(models)}` : ''}`);
  return EXIT.ok;
}

/** Absent options stay absent, so schema defaults apply. */
function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, dropUndefined(v)]),
  );
}

/**
 * A stand-in QEMU that answers QMP from a transcript recorded from a real
 * QEMU (../shared/fixtures/qmp). Launched by the real launch script, through
 * a wrapper that tests point `qemuBinary` at, so a loopback host can pose as
 * an AMD EPYC with QEMU 9.2, an Intel Skylake with QEMU 4.2, and so on.
 *
 * What it cannot replay it derives, and says so here:
 * - an exact -cpu VM's unavailable features = the model's recorded
 *   unavailable-features, plus requested features the recorded host model
 *   lacks, minus features switched off;
 * - with REPLAY_MODEL_EXPANSIONS set (fleet tests), the static expansion
 *   of a named model comes from a table of real expansions (see
 *   tableExpansion); without it, from the recorded host model;
 * - `fault` modes misbehave on purpose for the fault-injection suite
 *   (docs/reliability.md lists what each one must lead to):
 *   never-greet, hang-after-greet, garbage (non-JSON before the greeting),
 *   huge-line (one 64 MiB line without a line end), exit-mid-reply (exits
 *   half-way through the first reply after negotiation), old-qemu
 *   (CommandNotFound for query-kvm and qom-list-properties, no vCPU
 *   unavailable-features property, like QEMU before 4.1), slow (400 ms per
 *   reply), crash-at-start (an error on stderr, exit 1, no greeting),
 *   stderr-flood (8 MiB of stderr without a line end, then exit 1),
 *   ignore-quit (answers quit but stays, and ignores SIGTERM: only KILL
 *   ends it), no-vcpu (query-cpus-fast answers an empty list),
 *   kvm-disabled (query-kvm says KVM is present but not in use).
 *
 * Invoked as: node replayQemu.js <transcript.json> <kvm|tcg> <fault> [<wrapper path>] -- <QEMU argv...>
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';

interface Exchange {
  execute: string;
  arguments?: unknown;
  reply: { return?: unknown; error?: { class: string; desc: string } };
}

export type ReplayFault =
  | 'none'
  | 'never-greet'
  | 'hang-after-greet'
  | 'garbage'
  | 'huge-line'
  | 'exit-mid-reply'
  | 'old-qemu'
  | 'slow'
  | 'crash-at-start'
  | 'stderr-flood'
  | 'ignore-quit'
  | 'no-vcpu'
  | 'kvm-disabled';

/** Every fault mode, for tests that go through them all. */
export const REPLAY_FAULTS: readonly ReplayFault[] = [
  'none', 'never-greet', 'hang-after-greet', 'garbage', 'huge-line', 'exit-mid-reply', 'old-qemu', 'slow',
  'crash-at-start', 'stderr-flood', 'ignore-quit', 'no-vcpu', 'kvm-disabled',
];

function section(all: Exchange[], which: 'kvm' | 'tcg'): Exchange[] {
  const second = all.findIndex((e, i) => i > 0 && e.execute === 'qmp_capabilities');
  return which === 'kvm' ? all.slice(0, second) : all.slice(second);
}

/**
 * Opt-in (test/support/modelExpansions.ts sets REPLAY_MODEL_EXPANSIONS): a
 * static expansion of a named model from a table of real static
 * expansions, each model's features plus the props asked for. Versioned
 * models (-vN) do not change between QEMU releases, so one QEMU's table
 * serves every recording. Undefined when not enabled or the model is not
 * in the table; the caller then answers as before.
 */
function tableExpansion(args: unknown): Record<string, boolean> | undefined {
  const file = process.env.REPLAY_MODEL_EXPANSIONS;
  const asked = args as { type?: string; model?: { name?: string; props?: Record<string, unknown> } } | undefined;
  const model = asked?.model;
  if (!file || asked?.type !== 'static' || !model?.name) return undefined;
  const table = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string[]>;
  const features = table[model.name];
  if (!features) return undefined;
  const props = Object.entries(model.props ?? {}).filter((e): e is [string, boolean] => typeof e[1] === 'boolean');
  return { ...Object.fromEntries(features.map((f) => [f, true])), ...Object.fromEntries(props) };
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function main(): void {
  // The wrapper passes its own path after the fault, so tests find their fakes in `ps` by it.
  const args = process.argv.slice(2);
  if (args[3] !== '--') args.splice(3, 1);
  const [transcriptPath, which, fault, sep, ...qemuArgv] = args;
  // Like real QEMU, this process lives until quit or a signal: EOF on the QMP stream does not end it.
  setInterval(() => undefined, 1 << 30);
  if (sep !== '--') throw new Error('usage: replayQemu.js transcript kvm|tcg fault -- argv');
  const all = JSON.parse(fs.readFileSync(transcriptPath, 'utf8')) as Exchange[];
  const own = section(all, which as 'kvm' | 'tcg');
  const kvmPart = section(all, 'kvm');
  const find = (execute: string, args?: unknown) =>
    own.find((e) => e.execute === execute && JSON.stringify(e.arguments ?? null) === JSON.stringify(args ?? null)) ??
    kvmPart.find((e) => e.execute === execute && JSON.stringify(e.arguments ?? null) === JSON.stringify(args ?? null));
  const version = (find('query-version')?.reply.return ?? { qemu: { major: 0, minor: 0, micro: 0 }, package: 'replay' }) as object;
  const cpuSpec = argValue(qemuArgv, '-cpu');
  const machine = argValue(qemuArgv, '-machine') ?? 'none';
  const definitions = (find('query-cpu-definitions')?.reply.return ?? []) as Array<{ name: string; 'unavailable-features'?: string[] }>;
  const hostExpansion = (own.find((e) => e.execute === 'query-cpu-model-expansion')?.reply.return as { model: { props: Record<string, unknown> } } | undefined)?.model.props ?? {};
  const write = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\r\n');

  // An exact -cpu VM: what the real QEMU would filter, derived from the recording.
  let unavailable: string[] = [];
  let enabled: Record<string, boolean> = {};
  if (cpuSpec) {
    const [model, ...switches] = cpuSpec.split(',');
    const def = definitions.find((d) => d.name === model);
    if (!def) {
      process.stderr.write(`qemu-system-x86_64: unable to find CPU model '${model}'\n`);
      process.exit(1);
    }
    const on = switches.filter((s) => s.startsWith('+')).map((s) => s.slice(1));
    const off = new Set(switches.filter((s) => s.startsWith('-')).map((s) => s.slice(1)));
    unavailable = [...new Set([...(def['unavailable-features'] ?? []), ...on.filter((f) => hostExpansion[f] !== true)])].filter((f) => !off.has(f));
    enabled = Object.fromEntries(Object.entries(hostExpansion).filter(([, v]) => typeof v === 'boolean').map(([k, v]) => [k, v === true && !off.has(k) && !unavailable.includes(k)]));
    if (switches.includes('enforce') && unavailable.length > 0) {
      for (const f of unavailable) process.stderr.write(`qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.00H:EAX.${f} [bit 0]\n`);
      process.exit(1);
    }
  }

  if (fault === 'crash-at-start') {
    process.stderr.write(`qemu-system-x86_64: -machine ${machine}: replay: this QEMU crashed at start-up on purpose\n`);
    return process.exit(1);
  }
  if (fault === 'stderr-flood') {
    const chunk = Buffer.alloc(1 << 20, 'e');
    let sent = 0;
    const pump = (): void => {
      while (sent < 8) {
        sent++;
        if (!process.stderr.write(chunk)) return void process.stderr.once('drain', pump);
      }
      process.stderr.write('\nqemu-system-x86_64: replay: the last words after a flood\n', () => process.exit(1));
    };
    return pump();
  }
  if (fault === 'ignore-quit') process.on('SIGTERM', () => undefined);
  if (fault === 'never-greet') return;
  if (fault === 'garbage') {
    process.stdout.write('this is not QMP at all\r\n');
    return;
  }
  if (fault === 'huge-line') {
    const chunk = Buffer.alloc(1 << 20, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < 64 && process.stdout.write(chunk)) sent++;
      if (sent < 64) process.stdout.once('drain', () => { sent++; pump(); });
    };
    pump();
    return;
  }
  write({ QMP: { version, capabilities: ['oob'] } });
  if (fault === 'hang-after-greet') return;

  const rl = readline.createInterface({ input: process.stdin });
  let queue: Promise<unknown> = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      if (fault === 'slow') await new Promise((r) => setTimeout(r, 400));
      let cmd: { execute: string; arguments?: Record<string, unknown>; id?: unknown };
      try {
        cmd = JSON.parse(line);
      } catch {
        return write({ error: { class: 'GenericError', desc: 'JSON parse error' } });
      }
      const id = cmd.id;
      const reply = (r: object) => write(id === undefined ? r : { ...r, id });
      if (fault === 'exit-mid-reply' && cmd.execute !== 'qmp_capabilities') {
        process.stdout.write('{"return": [{"name": "qemu64", "unavail');
        process.exit(0);
      }
      if (fault === 'old-qemu' && (cmd.execute === 'query-kvm' || cmd.execute === 'qom-list-properties')) {
        return reply({ error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } });
      }
      switch (cmd.execute) {
        case 'qmp_capabilities':
          return reply({ return: {} });
        case 'quit':
          reply({ return: {} });
          if (fault === 'ignore-quit') return;
          write({ timestamp: { seconds: 0, microseconds: 0 }, event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
          return process.exit(0);
        case 'query-kvm':
          if (fault === 'kvm-disabled') return reply({ return: { present: true, enabled: false } });
          return reply(find('query-kvm')?.reply ?? { error: { class: 'CommandNotFound', desc: 'The command query-kvm has not been found' } });
        case 'query-cpus-fast':
          if (fault === 'no-vcpu') return reply({ return: [] });
          return reply({ return: cpuSpec ? [{ 'cpu-index': 0, 'qom-path': '/machine/unattached/device[0]', target: 'x86_64' }] : [] });
        case 'qom-get':
          if (fault === 'old-qemu') return reply({ error: { class: 'GenericError', desc: "Property 'x86_64-cpu.unavailable-features' not found" } });
          return reply({ return: unavailable });
        case 'query-machines': {
          const recorded = find('query-machines');
          return reply(recorded ? recorded.reply : { return: [{ name: machine }] });
        }
        case 'query-cpu-model-expansion': {
          const recorded = find(cmd.execute, cmd.arguments);
          if (recorded) return reply(recorded.reply);
          const fromTable = tableExpansion(cmd.arguments);
          if (fromTable) return reply({ return: { model: { name: 'base', props: fromTable } } });
          return reply({ return: { model: { name: 'base', props: cpuSpec ? enabled : hostExpansion } } });
        }
        default: {
          const recorded = find(cmd.execute, cmd.arguments);
          if (recorded) return reply(recorded.reply);
          return reply({ error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } });
        }
      }
    });
  });
  rl.on('close', () => {
    // Like real QEMU: EOF on the QMP stream does not end the process (the timer above keeps it).
  });
}

if (require.main === module) main();

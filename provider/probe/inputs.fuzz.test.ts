/**
 * Input fuzzing (docs/reliability.md, "Bad input"): every user-supplied
 * string — CPU model, feature, machine type, host, user, QEMU binary path,
 * and whole YAML configs — is either rejected with a clear message (a
 * ConfigError listing each problem by its field) or handled, and never
 * reaches a host's shell as anything but a validated, quoted positional
 * parameter of one of qemu-cpu's fixed scripts.
 *
 * A recording transport stands in for the host: it keeps every argv the
 * probe service hands to `spawn` and every connection it would dial, and
 * runs nothing. The quoting of those argvs is proven separately
 * (provider/transport/shellQuote.fuzz.test.ts).
 *
 * Test names carry the input's id from docs/reliability.md in brackets.
 */
import fc from 'fast-check';
import * as YAML from 'yaml';
import { probeHost, verifySelection, parseInput, SelectionInputsSchema, ProbeRequestSchema, type SelectionReport } from '.';
import { TransportPool } from './transportPool';
import { ConfigError, QemuCpuError, RemoteCommandError } from '../errors';
import { FACTS_SCRIPT, KILL_SCRIPT, LAUNCH_SCRIPT } from '../launcher/hostScripts';
import { BINARY_PATH_PATTERN, CPU_MODEL_PATTERN, FEATURE_PATTERN, MACHINE_TYPE_PATTERN } from '../launcher/launchOptions';
import { HOSTNAME_PATTERN, USERNAME_PATTERN, type Connection, type Transport } from '../transport';
import { parseSshTarget } from '../surfaces/cli/sshTarget';
import { parseYamlText } from '../inventory/yamlFile';
import { resolveSelectionInputs } from '../inventory/resolveSelection';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from '../../test/support/paths';
import { recordOutput } from '../../test/support/secretSink';

/** Everything the probe service asked of the (pretend) hosts during one run. */
class Recorder {
  readonly argvs: string[][] = [];
  readonly connections: Connection[] = [];

  transport(label: string): Transport {
    return {
      label,
      remote: true,
      state: 'open',
      spawn: async (argv) => {
        this.argvs.push([...argv]);
        throw new RemoteCommandError({ host: label, stage: 'exec', what: 'recorded, not run' });
      },
      close: async () => undefined,
    };
  }

  pool(): TransportPool {
    return new TransportPool({ idleMs: 1 }, async (c) => {
      this.connections.push(c);
      return this.transport(c.name ?? c.host);
    });
  }
}

const QEMU_FLAGS = new Set(['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', '-accel', '-cpu', '-smp', '1', '-m', '64', '-qmp', 'stdio']);
const CPU_ARG = new RegExp(`^${CPU_MODEL_PATTERN.source.slice(1, -1)}(,[+-]${FEATURE_PATTERN.source.slice(1, -1)})*(,enforce)?$`);
const validBinary = (b: string) => b === '' || (BINARY_PATH_PATTERN.test(b) && !b.split('/').includes('..'));

/**
 * The one shape a command may have: `sh -c <fixed script> qemu-cpu <args>`,
 * every arg a constant or a value that passed its strict pattern.
 */
function expectSafeArgv(argv: readonly string[]): void {
  expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
  expect([LAUNCH_SCRIPT, FACTS_SCRIPT, KILL_SCRIPT]).toContain(argv[2]);
  expect(argv[3]).toBe('qemu-cpu');
  const args = argv.slice(4);
  const ok = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`unvalidated ${what} reached spawn: ${JSON.stringify(argv)}`);
  };
  if (argv[2] === FACTS_SCRIPT) {
    ok(args.length === 1 && validBinary(args[0]), 'binary path');
  } else if (argv[2] === KILL_SCRIPT) {
    ok(args.length === 3 && ['TERM', 'KILL'].includes(args[0]) && /^\d*$/.test(args[1]) && /^[0-9a-f]{16}$/.test(args[2]), 'kill arguments');
  } else {
    ok(['kvm', 'tcg'].includes(args[0]), 'accelerator');
    ok(validBinary(args[1]), 'binary path');
    ok(/^[0-9a-f]{16}$/.test(args[2]) && ['0', '1'].includes(args[3]), 'launch tag');
    ok(/^[1-9]\d{0,5}$/.test(args[4]), 'launch lifetime');
    const qemu = args.slice(5);
    for (let i = 0; i < qemu.length; i++) {
      const prev = qemu[i - 1];
      if (prev === '-machine') ok(MACHINE_TYPE_PATTERN.test(qemu[i]), 'machine type');
      else if (prev === '-accel') ok(['kvm', 'tcg'].includes(qemu[i]), 'accelerator');
      else if (prev === '-cpu') ok(CPU_ARG.test(qemu[i]), '-cpu argument');
      else ok(QEMU_FLAGS.has(qemu[i]), 'QEMU option');
    }
  }
}

function expectSafeConnection(c: Connection): void {
  expect(c.host).toMatch(HOSTNAME_PATTERN);
  if (c.user !== undefined) expect(c.user).toMatch(USERNAME_PATTERN);
  expect(Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535).toBe(true);
}

/** A rejection is a ConfigError whose message lists each problem as "field.path: message". */
function expectClearRejection(err: unknown, field?: RegExp): void {
  expect(err).toBeInstanceOf(ConfigError);
  const e = err as ConfigError;
  expect(e.stage).toBe('config');
  // Every problem is named; none is drowned in an echo of the input.
  for (const issue of e.issues) expect(issue.length).toBeLessThan(400);
  expect(e.message.length).toBeLessThan(600 + 400 * e.issues.length);
  // One line without control characters: a hostile value cannot forge log lines (or CI workflow commands).
  expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
  if (e.issues.length > 0) {
    for (const issue of e.issues) expect(issue).toMatch(/^[\w.[\]-]*:? ?\S/);
    if (field) expect(e.issues.some((i) => field.test(i))).toBe(true);
  }
}

/** A field that is mostly a plausible value and sometimes hostile, so that whole inputs get through often enough. */
const field = (...valid: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: userString });

// Strings a user (or an attacker writing a config) could supply.
const SHELL_ALPHABET = [...'aZ09._-/+,:@ ;|&$`\'"\\\n\t\r*?[]{}()<>~#!=%^'];
const ATTACKS = [
  '$(touch /tmp/pwned)', '`id`', "'; rm -rf / #", '"; id; "', 'a;b', 'a|b', 'a&&b', '$HOME', '${IFS}', '\nid', 'x\0y',
  'q35,accel=tcg', 'pc-q35-7.2,kernel=/etc/shadow', 'host,+avx2', '-machine', '--help', '../../../bin/sh', '/usr/bin/../../bin/sh',
  '/usr/bin/qemu-system-x86_64;id', '/usr/bin/qemu system', 'Skylake-Client,enforce', '-cpu', 'none -S', 'é', '💥', ' ', '',
];
const userString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...SHELL_ALPHABET), maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ATTACKS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('Skylake-Client', 'q35', 'avx2', '/usr/bin/qemu-system-x86_64', 'kvm-01', 'admin'), fc.constantFrom(...ATTACKS)).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.constantFrom('Skylake-Client', 'pentium3', 'qemu64-v1', 'q35', 'pc-q35-7.2', 'avx2', 'sse4_1', 'lahf-lm', '/usr/bin/qemu-system-x86_64', 'kvm-01.example.net', '::1', 'root') },
);

describe('fuzz: the CPU selection (model, features, machine type, hosts) through verifySelection', () => {
  it('[input-selection] every string is rejected with a clear message or reaches hosts only validated', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          model: field('Skylake-Client', 'pentium3', 'qemu64-v1', 'EPYC-Milan', 'auto'),
          requiredFeatures: fc.array(field('avx2', 'sse4_1', 'lahf-lm', 'pclmuldq'), { maxLength: 2 }),
          disabledFeatures: fc.array(field('hle', 'rtm'), { maxLength: 1 }),
          machineType: field('q35', 'pc-q35-7.2', 'pc-i440fx-2.0', 'none'),
          host: field('kvm-01.example.net', '10.0.0.1', '::1', 'h'),
          user: field('admin', 'root', '_svc.qemu-cpu'),
          qemuBinary: field('/usr/bin/qemu-system-x86_64', '/usr/libexec/qemu-kvm', '/opt/q/bin/qemu+x'),
          accelerator: fc.constantFrom('kvm', 'tcg', 'KVM', 'tcg;id'),
        }),
        async ({ host, user, qemuBinary, ...cpu }) => {
          const recorder = new Recorder();
          const raw = { ...cpu, hosts: [{ host, user, qemuBinary }] };
          let inputs;
          try {
            inputs = parseInput(SelectionInputsSchema, raw, 'CPU selection');
          } catch (err) {
            recordOutput('probe:fuzz:selection', err);
            expectClearRejection(err);
            expect(recorder.argvs).toEqual([]);
            return;
          }
          const pool = recorder.pool();
          try {
            const outcome: SelectionReport | Error = await verifySelection({ ...inputs, model: inputs.model }, { pool }).catch((e: Error) => e);
            recordOutput('probe:fuzz:selection', outcome);
            if (outcome instanceof Error) {
              // Feature names QEMU does not know are a config problem, found before any host is asked.
              expectClearRejection(outcome, /Features: /);
              expect(recorder.connections).toEqual([]);
              return;
            }
            expect(outcome.hosts).toHaveLength(1);
            expect(outcome.hosts[0].enforceable).toBeNull();
          } finally {
            await pool.closeAll();
          }
          expect(recorder.connections.length).toBeGreaterThan(0);
          reached++;
          for (const c of recorder.connections) expectSafeConnection(c);
          for (const argv of recorder.argvs) expectSafeArgv(argv);
          if (inputs.model !== 'auto') {
            for (const argv of recorder.argvs.filter((a) => a[2] === LAUNCH_SCRIPT)) expect(argv[argv.indexOf('-cpu') + 1].split(',')[0]).toBe(inputs.model);
          }
        },
      ),
      { numRuns: 400 },
    );
    // Not vacuous: some inputs were accepted and went all the way to a host.
    expect(reached).toBeGreaterThan(20);
  });
});

describe('fuzz: the probe request (host, user, machine type, binary path) through probeHost', () => {
  it('[input-probe] every string is rejected with a clear message or reaches the host only validated', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          host: field('kvm-01.example.net', '10.0.0.1', '::1', 'h'),
          user: fc.option(field('admin', 'root'), { nil: undefined }),
          machineType: fc.option(field('q35', 'pc-q35-7.2', 'none'), { nil: undefined }),
          qemuBinary: fc.option(field('/usr/bin/qemu-system-x86_64', '/usr/libexec/qemu-kvm'), { nil: undefined }),
          name: fc.option(field('kvm-01', 'rack1/kvm-01'), { nil: undefined }),
        }),
        async ({ host, user, machineType, qemuBinary, name }) => {
          const recorder = new Recorder();
          const pool = recorder.pool();
          try {
            const err = await probeHost({ connection: { host, user, name }, machineType, qemuBinary }, { pool }).then(
              () => new Error('the recording host answered'),
              (e: unknown) => e,
            );
            recordOutput('probe:fuzz:probe', err);
            expect(err).toBeInstanceOf(QemuCpuError);
            if (err instanceof ConfigError) {
              expectClearRejection(err);
              expect(recorder.connections).toEqual([]);
              expect(recorder.argvs).toEqual([]);
              return;
            }
            // Accepted: the only way it ends here is the recording host refusing to run anything.
            expect(err).toBeInstanceOf(RemoteCommandError);
          } finally {
            await pool.closeAll();
          }
          expect(recorder.connections).toHaveLength(1);
          reached++;
          expectSafeConnection(recorder.connections[0]);
          expect(recorder.argvs.length).toBeGreaterThanOrEqual(1);
          for (const argv of recorder.argvs) expectSafeArgv(argv);
          if (qemuBinary !== undefined) for (const argv of recorder.argvs) expect(argv).toContain(qemuBinary);
          if (machineType !== undefined) {
            for (const argv of recorder.argvs.filter((a) => a[2] === LAUNCH_SCRIPT)) expect(argv[argv.indexOf('-machine') + 1]).toBe(machineType);
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(reached).toBeGreaterThan(10);
  });

  it('[input-cli-target] the CLI\'s [user@]host[:port] argument is rejected clearly or yields a valid host, user and port', () => {
    fc.assert(
      fc.property(fc.oneof(userString, fc.tuple(userString, fc.constantFrom('@', ':', '@[', ']:'), userString).map((p) => p.join(''))), (target) => {
        let parsed;
        try {
          parsed = parseSshTarget(target);
        } catch (err) {
          expectClearRejection(err);
          return;
        }
        const request = ProbeRequestSchema.safeParse({ connection: { host: parsed.host, user: parsed.user, port: parsed.port } });
        if (!request.success) return;
        expectSafeConnection(request.data.connection as Connection);
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzz: YAML configs (a `qemu-cpu check` file) through the CLI\'s loader', () => {
  let emptyDir: string;
  beforeAll(() => {
    fs.mkdirSync(scratchDir, { recursive: true });
    emptyDir = fs.mkdtempSync(path.join(scratchDir, 'fuzz-home-'));
  });
  afterAll(() => fs.rmSync(emptyDir, { recursive: true, force: true }));

  const scalar = fc.oneof(userString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(userString, scalar, { maxKeys: 3 }));
  /** A plausible check file, then up to two of its fields replaced by anything at all. */
  const validConfig = fc.record({
    model: fc.constantFrom('Skylake-Client', 'pentium3', 'auto'),
    requiredFeatures: fc.array(fc.constantFrom('avx2', 'sse4_1', 'lahf-lm'), { maxLength: 2 }),
    machineType: fc.constantFrom('q35', 'pc-q35-7.2'),
    accelerator: fc.constantFrom('kvm', 'tcg'),
    concurrency: fc.integer({ min: 1, max: 256 }),
    hosts: fc.array(
      fc.record({ host: fc.constantFrom('kvm-01.example.net', '10.1.2.3', '::1'), user: fc.constantFrom('admin', 'root'), port: fc.integer({ min: 1, max: 65535 }), qemuBinary: fc.constantFrom('/usr/bin/qemu-system-x86_64') }, { requiredKeys: ['host'] }),
      { minLength: 1, maxLength: 3 },
    ),
  });
  const PATHS = ['model', 'requiredFeatures', 'requiredFeatures.0', 'machineType', 'accelerator', 'concurrency', 'hosts', 'hosts.0', 'hosts.0.host', 'hosts.0.user', 'hosts.0.port', 'hosts.0.qemuBinary', 'hosts.0.password', 'hosts.0.name', 'extra', 'hosts.0.__proto__', 'inventory'];
  const config = fc.tuple(validConfig, fc.array(fc.tuple(fc.constantFrom(...PATHS), value), { maxLength: 2 })).map(([base, edits]) => {
    const doc = structuredClone(base) as Record<string, unknown>;
    for (const [where, v] of edits) {
      const keys = where.split('.');
      let node: Record<string, unknown> = doc;
      for (const k of keys.slice(0, -1)) {
        if (node[k] === null || typeof node[k] !== 'object') node[k] = {};
        node = node[k] as Record<string, unknown>;
      }
      Object.defineProperty(node, keys[keys.length - 1], { value: v, enumerable: true, writable: true, configurable: true });
    }
    return doc;
  });
  /** Text-level damage a hand-edited file may carry. */
  const damage = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom( '\n  - : :', '\n\t', ': [', '\n"', '\n--- !!js/function "x"', '\nhosts: *anchor', '\n? a', '\n<<: {}', '\n%TAG ! x', '\x00') });

  it('[input-yaml] any check-file text is a ConfigError naming lines or fields, or a selection that reaches hosts validated', async () => {
    // yaml reports complex keys through process warnings; they are expected here.
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let rejected = 0;
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(config, damage, fc.nat(), async (doc, junk, at) => {
        const text = YAML.stringify(doc); // undefined members (no extra) are left out
        const cut = at % (text.length + 1);
        const damaged = text.slice(0, cut) + junk + text.slice(cut);
        // The CLI's own path: parse the text, then resolve and validate it (no inventory, an empty home).
        let inputs;
        try {
          inputs = await resolveSelectionInputs(parseYamlText(damaged, 'check file fuzz.yaml'), { baseDir: emptyDir, homeDir: emptyDir, what: 'check file fuzz.yaml' });
        } catch (err) {
          recordOutput('probe:fuzz:yaml', err);
          expectClearRejection(err);
          rejected++;
          return;
        }
        const recorder = new Recorder();
        const pool = recorder.pool();
        try {
          const outcome: SelectionReport | Error = await verifySelection({ ...inputs, model: inputs.model }, { pool }).catch((e: Error) => e);
          recordOutput('probe:fuzz:yaml', outcome);
          if (outcome instanceof Error) expectClearRejection(outcome, /Features: /);
          else expect(outcome.hosts).toHaveLength(inputs.hosts.length);
        } finally {
          await pool.closeAll();
        }
        if (recorder.connections.length > 0) reached++;
        for (const c of recorder.connections) expectSafeConnection(c);
        for (const argv of recorder.argvs) expectSafeArgv(argv);
      }),
      { numRuns: 300 },
    ).finally(() => warnings.mockRestore());
    expect(rejected).toBeGreaterThan(10);
    expect(reached).toBeGreaterThan(10);
  });

  it('[input-yaml] anchors without a definition and alias bombs are ConfigErrors, not crashes', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)].join('\n');
    for (const text of ['model: *nowhere', bomb, 'hosts: [', 'model: a\nmodel: b']) {
      let err: unknown;
      try {
        parseYamlText(text, 'check file bad.yaml');
      } catch (e) {
        err = e;
      }
      recordOutput('probe:fuzz:yaml', err);
      expectClearRejection(err);
      expect((err as Error).message).toMatch(/^check file bad\.yaml is not valid YAML \(config\)/);
    }
  });
});

describe('the argv invariant itself', () => {
  it('[input-selection] rejects argvs that carry an unvalidated value', () => {
    const tag = ['0123456789abcdef', '1', '128'];
    const launch = (extra: string[]) => ['sh', '-c', LAUNCH_SCRIPT, 'qemu-cpu', 'kvm', '', ...tag, '-S', '-machine', ...extra];
    expect(() => expectSafeArgv(launch(['q35;id']))).toThrow(/machine type/);
    expect(() => expectSafeArgv(['sh', '-c', LAUNCH_SCRIPT, 'qemu-cpu', 'kvm', '/usr/bin/x;id', ...tag, '-S'])).toThrow(/binary path/);
    expect(() => expectSafeArgv(['sh', '-c', LAUNCH_SCRIPT, 'qemu-cpu', 'kvm', '', ...tag, '-cpu', 'host,kernel=/x'])).toThrow(/-cpu argument/);
    expect(() => expectSafeArgv(['sh', '-c', LAUNCH_SCRIPT, 'qemu-cpu', 'kvm', '', 'x;id', '1', '128', '-S'])).toThrow(/launch tag/);
    expect(() => expectSafeArgv(['sh', '-c', LAUNCH_SCRIPT, 'qemu-cpu', 'kvm', '', '0123456789abcdef', '1', '1;id', '-S'])).toThrow(/launch lifetime/);
    expect(() => expectSafeArgv(['sh', '-c', 'echo $1', 'qemu-cpu'])).toThrow();
    expectSafeArgv(launch(['pc-q35-7.2', '-cpu', 'Skylake-Client-v4,+avx2,-hle,enforce', '-qmp', 'stdio']));
  });
});

/**
 * The example programs of examples/typescript, run under mocks with Pulumi's
 * real dynamic-provider host standing in for the provider side of the
 * engine, against a real loopback sshd and real QEMU: what README.md says
 * they print is what they print.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../harness/paths';
import { recordOutput, registerSecret } from '../../../harness/secretSink';
import { startSshd, type Sshd } from '../../../harness/sshd';
import {
  checkFailureLine,
  engineCheck,
  engineCreate,
  settle,
  startDynamicProviderHost,
  useMocks,
  type DynamicProviderHost,
  type NewResource,
} from '../../../test/support/pulumiEngine';
import { describeWithKvm } from '../../../harness/accel';

const README = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const example = (name: string) => path.join(repoRoot, 'dist/examples/typescript', name, 'index.js');

/** The fenced block that follows `<!-- example-output: NAME -->` in README.md. */
function documented(name: string): string {
  const m = new RegExp(`<!-- example-output: ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!m) throw new Error(`README.md documents no output for ${name}`);
  return m[1];
}

let sshd: Sshd;
let host: DynamicProviderHost;

beforeAll(async () => {
  [sshd, host] = await Promise.all([startSshd(), startDynamicProviderHost()]);
  [sshd.privateKey, sshd.privateKeyPassphrase].forEach(registerSecret);
});
afterAll(async () => {
  if (host) recordOutput('provider/dynamic host stderr', host.stderr());
  await Promise.all([host?.stop(), sshd?.stop()]);
});

/** The stack configuration of both examples: two hosts (here both this machine, under two names) and the key as a secret. */
function config(extra: Record<string, string> = {}): { config: Record<string, string>; secretKeys: string[] } {
  const { host: address, port, user, knownHostsPath } = sshd.connection();
  const hosts = ['kvm-a', 'kvm-b'].map((name) => ({ name, host: address, port, user, knownHostsPath }));
  return { config: { hosts: JSON.stringify(hosts), sshPrivateKey: sshd.privateKey, ...extra }, secretKeys: ['sshPrivateKey'] };
}

/** The engine side of `pulumi up` (preview: `pulumi preview`) for the dynamic resources; diagnostics collects its error lines. */
function engine(preview: boolean, diagnostics: string[]): NewResource {
  return async ({ type, name, inputs }) => {
    if (preview) {
      const { inputs: checked, failures } = await engineCheck(host, inputs);
      // A failed Check fails the preview with these lines; the program's outputs stay unknown.
      diagnostics.push(...failures.map((f) => checkFailureLine(type, name, f, checked)));
      return { id: '', state: {} };
    }
    const result = await engineCreate(host, inputs);
    if (!('id' in result)) throw new Error(JSON.stringify(result.failures));
    const { __provider: _provider, ...outputs } = result.outputs;
    return { id: result.id, state: outputs };
  };
}

// README.md shows what the examples print on the machines this project is built on: nested KVM. Under TCG they print something else.
describeWithKvm('examples/typescript', () => {
  it('select-cpu: `pulumi stack output --json` prints what the README shows', async () => {
    await useMocks({ project: 'qemu-cpu-select', ...config({ disabledFeatures: '["sse3"]' }), newResource: engine(false, []) });
    const program = require(example('select-cpu')) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const key of Object.keys(program).sort()) {
      const settled = await settle(program[key]);
      outputs[key] = settled.known ? (settled.secret ? '[secret]' : settled.value) : '[unknown]';
    }
    recordOutput('provider/example select-cpu outputs', outputs);
    expect(outputs).toEqual(JSON.parse(documented('select-cpu')));
  });

  it('preview-fails: `pulumi preview` fails with the errors the README shows, one per host', async () => {
    const diagnostics: string[] = [];
    await useMocks({ project: 'qemu-cpu-preview-fails', preview: true, ...config(), newResource: engine(true, diagnostics) });
    const program = require(example('preview-fails')) as Record<string, unknown>;
    expect(await settle(program.qemuCpuArg)).toEqual({ known: false, secret: false });
    recordOutput('provider/example preview-fails diagnostics', diagnostics);
    expect(diagnostics).toHaveLength(2);
    const shown = documented('preview-fails')
      .split('\n')
      .map((l) => l.trim().replace(/^error: /, ''))
      .filter((l) => l.includes('has a problem'));
    expect(shown).toEqual(diagnostics);
  });
});

/**
 * schema.json against Pulumi's own tools: the plugin serves it unchanged to
 * the real CLI (`pulumi package get-schema`), Pulumi's binder validates it
 * (and rejects broken ones), and Pulumi's generators turn it into exactly
 * the SDKs committed in sdk/ (regenerate with `npm run schema`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../harness/paths';
import { describeWithPulumi, scratch } from '../../../test/support/pulumiTools';

const run = promisify(execFile);
const LANGUAGES = ['nodejs', 'python', 'go'] as const;
/** What builds and installs leave beside the generated files; never generated, never compared. */
const NOT_GENERATED = new Set(['bin', 'node_modules', '__pycache__', 'build', 'dist']);

/** Every generated file under dir, by path relative to it. */
function tree(dir: string, rel = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (NOT_GENERATED.has(e.name) || e.name.endsWith('.egg-info')) continue;
    const p = path.join(rel, e.name);
    if (e.isDirectory()) for (const [k, v] of tree(dir, p)) files.set(k, v);
    else files.set(p, fs.readFileSync(path.join(dir, p), 'utf8'));
  }
  return files;
}

describeWithPulumi("schema.json and the SDKs, by Pulumi's own tools", (bin) => {
  const schemaPath = path.join(repoRoot, 'schema.json');

  it('`pulumi package get-schema` of the plugin is schema.json', async () => {
    const home = scratch('pulumi-home-');
    const { stdout } = await run(path.join(bin, 'pulumi'), ['package', 'get-schema', path.join(repoRoot, 'bin/pulumi-resource-qemu-cpu')], {
      env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(JSON.parse(stdout)).toEqual(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("sdk/nodejs, sdk/python and sdk/go are what Pulumi's generators make of schema.json", async () => {
    const out = scratch('gen-sdk-');
    await run(path.join(bin, 'qemu-cpu-gen-sdk'), [schemaPath, out]);
    for (const language of LANGUAGES) {
      const generated = tree(path.join(out, language));
      const committed = tree(path.join(repoRoot, 'sdk', language));
      expect([language, [...committed.keys()].sort()]).toEqual([language, [...generated.keys()].sort()]);
      for (const [file, text] of generated) expect([language, file, committed.get(file)]).toEqual([language, file, text]);
    }
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('the Go SDK compiles (module github.com/qemu-cpu/qemu-cpu/sdk, sdk/go.mod), with the Go that built the Pulumi tools', async () => {
    // -mod=readonly: go.mod and go.sum as committed must be enough; a build that wants to change them fails.
    // -trimpath as scripts/install-pulumi.sh builds: the Pulumi Go SDK it compiled is then reused from the build cache.
    await run('go', ['build', '-mod=readonly', '-trimpath', './...'], { cwd: path.join(repoRoot, 'sdk'), env: { ...process.env, GOFLAGS: '' }, maxBuffer: 16 * 1024 * 1024 });
  }, 300_000);

  it("Pulumi's binder rejects a schema with a dangling type reference or a token without a module", async () => {
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    const dir = scratch('bad-schema-');
    const broken = {
      dangling: { ...schema, types: { ...schema.types, 'qemu-cpu:index:Extra': { type: 'object', properties: { x: { $ref: '#/types/qemu-cpu:index:Nowhere' } } } } },
      token: { ...schema, types: { ...schema.types, 'no-colons': { type: 'object', properties: {} } } },
    };
    for (const [name, spec] of Object.entries(broken)) {
      const file = path.join(dir, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify(spec));
      const failed = await run(path.join(bin, 'qemu-cpu-gen-sdk'), [file, path.join(dir, name)]).then(
        () => 'accepted',
        (err: { stderr: string }) => err.stderr,
      );
      expect([name, failed]).toEqual([name, expect.stringContaining('not a valid Pulumi package schema')]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

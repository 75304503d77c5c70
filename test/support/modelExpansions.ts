import * as fs from 'node:fs';
import * as path from 'node:path';
import { qmpFixturesDir, scratchDir } from '../../harness/paths';
import { rawQmp } from '../../harness/rawQmp';

/**
 * A table of real static expansions of every named model (model → features
 * on), asked of this machine's QEMU once and cached, for replay hosts that
 * must answer "what does this model give a guest" as QEMU does
 * (REPLAY_MODEL_EXPANSIONS in replayQemu.ts). Under KVM when this machine
 * has it: named models then carry KVM's default features (kvmclock, ...),
 * as they do on the KVM hosts the recordings come from.
 */
export async function modelExpansionsFile(): Promise<string> {
  const file = path.join(scratchDir, 'replay', 'model-expansions.json');
  if (fs.existsSync(file)) return file;
  const accel = fs.existsSync('/dev/kvm') ? 'kvm' : 'tcg';
  const args = ['-machine', 'none', '-accel', accel];
  const [definitions] = (await rawQmp(args, [{ execute: 'query-cpu-definitions' }])) as Array<Array<{ name: string; 'alias-of'?: string }>>;
  const names = definitions.filter((d) => !d['alias-of'] && !['host', 'max', 'base'].includes(d.name)).map((d) => d.name);
  const expansions = (await rawQmp(args, names.map((name) => ({ execute: 'query-cpu-model-expansion', arguments: { type: 'static', model: { name } } })))) as Array<{
    model: { props: Record<string, unknown> };
  }>;
  const table = Object.fromEntries(names.map((name, i) => [name, Object.entries(expansions[i].model.props).filter(([, v]) => v === true).map(([k]) => k).sort()]));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename: another worker may be reading it.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(table));
  fs.renameSync(tmp, file);
  return file;
}

/**
 * A replay QEMU (KVM section of a recorded transcript) that answers named
 * models' static expansions from the table. `tag` gives it a directory of
 * its own, so a test can find its processes.
 */
export async function fleetQemuBinary(fixture: string, tag: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(tag)) throw new Error(`fleet tag must be a short word: ${tag}`);
  const table = await modelExpansionsFile();
  const dir = path.join(scratchDir, 'replay', `fleet-${fixture.replace(/[^A-Za-z0-9.]/g, '_')}-${tag}`);
  const file = path.join(dir, 'qemu-system-x86_64');
  const script = path.join(__dirname, 'replayQemu.js');
  const body = `#!/bin/sh\nexport REPLAY_MODEL_EXPANSIONS='${table}'\nexec '${process.execPath}' '${script}' '${path.join(qmpFixturesDir, fixture)}' kvm none -- "$@"\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== body) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, body, { mode: 0o755 });
    fs.renameSync(tmp, file);
  }
  return file;
}

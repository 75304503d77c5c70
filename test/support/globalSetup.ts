import * as fs from 'node:fs';
import * as path from 'node:path';
import { qemuPids } from './qemuProcesses';
import { scratchDir } from './paths';
import { resetSink } from './secretSink';

/** Remember which QEMU processes predate the suite, so teardown can prove the suite left none. */
export default async function globalSetup(): Promise<void> {
  fs.mkdirSync(scratchDir, { recursive: true });
  resetSink();
  fs.writeFileSync(path.join(scratchDir, 'qemu-before.json'), JSON.stringify(qemuPids()));
}

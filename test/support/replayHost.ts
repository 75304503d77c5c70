import * as fs from 'node:fs';
import * as path from 'node:path';
import { qmpFixturesDir, scratchDir } from './paths';
import type { ReplayFault } from './replayQemu';

/**
 * Write an executable that poses as QEMU, replaying one recorded transcript,
 * and return its absolute path for `qemuBinary`. The name matches the
 * launcher's binary pattern; the real launch script runs it under setpriv.
 */
export function replayQemuBinary(fixture: string, accel: 'kvm' | 'tcg' = 'kvm', fault: ReplayFault = 'none'): string {
  const dir = path.join(scratchDir, 'replay', `${fixture.replace(/[^A-Za-z0-9.]/g, '_')}-${accel}-${fault}`);
  const file = path.join(dir, 'qemu-system-x86_64');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const script = path.join(__dirname, 'replayQemu.js');
    const transcript = path.join(qmpFixturesDir, fixture);
    fs.writeFileSync(file, `#!/bin/sh\nexec node '${script}' '${transcript}' ${accel} ${fault} -- "$@"\n`, { mode: 0o755 });
  }
  return file;
}

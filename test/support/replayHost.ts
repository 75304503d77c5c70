import * as fs from 'node:fs';
import * as path from 'node:path';
import { qmpFixturesDir, scratchDir } from '../../harness/paths';
import type { ReplayFault } from './replayQemu';

/**
 * Write an executable that poses as QEMU, replaying one recorded transcript,
 * and return its absolute path for `qemuBinary`. The name matches the
 * launcher's binary pattern; the real launch script runs it under setpriv.
 * A `tag` gives the binary a directory of its own, so a test can find the
 * processes it started (their command line holds the path) among others.
 */
export function replayQemuBinary(fixture: string, accel: 'kvm' | 'tcg' = 'kvm', fault: ReplayFault = 'none', tag?: string): string {
  if (tag !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(tag)) throw new Error(`replay tag must be a short word: ${tag}`);
  const dir = path.join(scratchDir, 'replay', `${fixture.replace(/[^A-Za-z0-9.]/g, '_')}-${accel}-${fault}${tag ? `-${tag}` : ''}`);
  // Named as the recorded QEMU was: qemu-system-aarch64 for the arm recording.
  const file = path.join(dir, fixture.includes('.aarch64.') ? 'qemu-system-aarch64' : 'qemu-system-x86_64');
  const script = path.join(__dirname, 'replayQemu.js');
  const transcript = path.join(qmpFixturesDir, fixture);
  // process.execPath: the sshd session's PATH need not hold node.
  const body = `#!/bin/sh\nexec '${process.execPath}' '${script}' '${transcript}' ${accel} ${fault} "$0" -- "$@"\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== body) {
    fs.mkdirSync(dir, { recursive: true });
    // Write then rename: a concurrent test must never exec a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, body, { mode: 0o755 });
    fs.renameSync(tmp, file);
  }
  return file;
}

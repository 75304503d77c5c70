import { randomBytes } from 'node:crypto';
import { registerSecret } from '../../harness/secretSink';

let password: string | undefined;

/**
 * The suite's test password (per process), registered with the secret sink
 * on first use. Authentication-failure tests send it; no output may hold it.
 * The test sshd's user has no usable password, so it never logs anyone in.
 */
export function testPassword(): string {
  if (password === undefined) {
    password = `qc-pw-${randomBytes(12).toString('base64url')}`;
    registerSecret(password);
  }
  return password;
}

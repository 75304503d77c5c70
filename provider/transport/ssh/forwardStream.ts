import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';

/**
 * Open a direct-tcpip channel from a jump host to host:port (what `ssh -J`
 * does), to carry the next hop's SSH connection. Fails with a client-timeout
 * error when the jump host does not answer within `timeoutMs`.
 */
export function forwardStream(jump: Client, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(Object.assign(new Error('the jump host did not open the forwarded channel in time'), { level: 'client-timeout' }));
    }, timeoutMs);
    try {
      // The originator address is informational only; sshd logs it.
      jump.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        clearTimeout(timer);
        if (timedOut) stream?.destroy();
        else if (err) reject(err);
        else resolve(stream);
      });
    } catch (err) {
      clearTimeout(timer);
      reject(err);
    }
  });
}

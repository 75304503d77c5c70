import { TransportPool } from '../provider/probe';
import { registerSecret } from './secretSink';
import { startSshd, type Sshd, type SshdOptions } from './sshd';

/** A loopback sshd for a block of tests, and the pool its tests connect through. */
export interface LoopbackSshd {
  /** The running sshd: there from the block's first hook on. */
  readonly sshd: Sshd;
  /** Closed after the block's tests, before the sshd stops. */
  readonly pool: TransportPool;
}

/**
 * A real loopback sshd (throwaway keys) and a connection pool for the tests
 * of the describe block, or file, that calls this: the sshd starts before
 * them, its keys and passphrase registered with the secret sink so that no
 * recorded output may show them; after them the pool closes, then the sshd
 * stops. Call it before the block's own hooks that use it: jest runs
 * beforeAll hooks in the order they are declared.
 */
export function loopbackSshd(options: SshdOptions = {}): LoopbackSshd {
  let started: Sshd | undefined;
  const pool = new TransportPool();
  beforeAll(async () => {
    started = await startSshd(options);
    [started.privateKey, started.privateKeyEncrypted, started.privateKeyPassphrase].forEach(registerSecret);
  });
  afterAll(async () => {
    await pool.closeAll();
    await started?.stop();
  });
  return {
    get sshd(): Sshd {
      if (!started) throw new Error('loopbackSshd: the sshd starts in beforeAll; use it inside a hook or a test');
      return started;
    },
    pool,
  };
}

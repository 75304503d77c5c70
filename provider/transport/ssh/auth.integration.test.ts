import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { AuthenticationError, ConfigError, QemuCpuError } from '../../errors';
import { generateKeyPair, startSshd, type KeyPair, type Sshd } from '../../../harness/sshd';
import { runToEnd } from '../../../test/support/sshdOutput';
import type { ConnectionInput } from '../connectionSchema';
import { SshTransport } from './sshTransport';

let sshd: Sshd;
let stranger: KeyPair;
const savedAgent = process.env.SSH_AUTH_SOCK;

beforeAll(async () => {
  // Tests choose their credentials; an agent of the developer's must not join in.
  delete process.env.SSH_AUTH_SOCK;
  [sshd, stranger] = await Promise.all([startSshd({ passwordAuth: true }), generateKeyPair()]);
});

afterAll(async () => {
  if (savedAgent !== undefined) process.env.SSH_AUTH_SOCK = savedAgent;
  await sshd?.stop();
});

async function works(connection: ConnectionInput): Promise<void> {
  const transport = await SshTransport.connect(connection);
  try {
    expect((await runToEnd(transport, ['echo', 'ok'])).stdout).toBe('ok\n');
  } finally {
    await transport.close();
  }
}

async function failure(connection: ConnectionInput, debug?: (m: string) => void): Promise<QemuCpuError> {
  const err = await SshTransport.connect(connection, debug && { logger: { debug } }).then(
    async (t) => {
      await t.close();
      throw new Error('connected although it should have failed');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QemuCpuError);
  return err as QemuCpuError;
}

describe('authentication', () => {
  it('uses an encrypted private key with its passphrase', async () => {
    await works(sshd.connection({ privateKey: sshd.privateKeyEncrypted, privateKeyPassword: sshd.privateKeyPassphrase }));
  });

  it('reads privateKeyPath, plain or encrypted', async () => {
    await works(sshd.connection({ privateKey: undefined, privateKeyPath: sshd.privateKeyPath }));
    await works(
      sshd.connection({ privateKey: undefined, privateKeyPath: sshd.privateKeyEncryptedPath, privateKeyPassword: sshd.privateKeyPassphrase }),
    );
  });

  it('uses an ssh-agent at agentSocketPath', async () => {
    const socket = path.join(sshd.dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));
      const env = { ...process.env, SSH_AUTH_SOCK: socket };
      await new Promise<void>((resolve, reject) => {
        const add = spawn('ssh-add', ['-q', sshd.privateKeyPath], { env, stdio: 'ignore' });
        add.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-add exited ${code}`))));
      });
      await works(sshd.connection({ privateKey: undefined, agentSocketPath: socket }));
    } finally {
      agent.kill();
    }
  });

  it('fails with AuthenticationError for a key the host does not know, without retrying', async () => {
    const log: string[] = [];
    const err = await failure(sshd.connection({ privateKey: stranger.privateKey, dialErrorLimit: 5 }), (m) => log.push(m));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.stage).toBe('auth');
    expect(err.message).toContain(`127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(`refused user ${sshd.user}`);
    expect(err.message).toMatch(/tried publickey; the server accepts publickey, password/);
    expect(log.filter((m) => /retrying/.test(m))).toEqual([]);
  });

  it('[ssh-wrong-password-hint] fails with AuthenticationError for a wrong password, and the hint is about the password, not authorized_keys', async () => {
    const err = await failure(sshd.connection({ privateKey: undefined, password: 'not-the-password-123' }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toMatch(/tried password/);
    expect(err.hint).toBe('Check the user name and the password.');
    const both = await failure(sshd.connection({ privateKey: stranger.privateKey, password: 'not-the-password-123' }));
    expect(both.hint).toBe(`Check the user name, that the public key is in ~${sshd.user}/.ssh/authorized_keys on the host and the password.`);
  });

  it('says what to configure when no credentials are given', async () => {
    const err = await failure(sshd.connection({ privateKey: undefined }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toMatch(/no credentials were configured/);
    expect(err.hint).toMatch(/privateKey, privateKeyPath or password/);
  });

  it('rejects an encrypted key without passphrase, a wrong passphrase and a non-key as ConfigError, before dialing', async () => {
    const cases: Array<[Partial<ConnectionInput>, RegExp]> = [
      [{ privateKey: sshd.privateKeyEncrypted }, /privateKey is encrypted.*Set privateKeyPassword/],
      [{ privateKey: sshd.privateKeyEncrypted, privateKeyPassword: 'wrong-passphrase' }, /privateKeyPassword does not decrypt/],
      [{ privateKey: 'not a key' }, /not a private key/],
      [{ privateKey: stranger.publicKeyLine }, /public key, not a private key|not a private key/],
      [{ privateKey: undefined, privateKeyPath: path.join(sshd.dir, 'absent') }, /cannot read privateKeyPath.*ENOENT/],
      [{ privateKeyPath: sshd.privateKeyPath }, /both set/],
    ];
    for (const [overrides, message] of cases) {
      const err = await failure(sshd.connection({ port: 1, ...overrides }));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(message);
    }
  });

  it('never puts a password, passphrase or private key into an error', async () => {
    const password = 'Sup3r-Secret-Pa55word';
    const passphrase = sshd.privateKeyPassphrase;
    const secretsOf = (key: string) => key.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
    const needles = [password, passphrase, ...secretsOf(sshd.privateKey), ...secretsOf(sshd.privateKeyEncrypted), ...secretsOf(stranger.privateKey)];
    const attempts: Array<Partial<ConnectionInput>> = [
      { privateKey: stranger.privateKey, password, privateKeyPassword: passphrase },
      { privateKey: sshd.privateKeyEncrypted, privateKeyPassword: `${passphrase}x`, password },
      { privateKey: sshd.privateKeyEncrypted, password },
      { privateKey: `${stranger.privateKey}garbage`, password },
      { password, privateKey: undefined },
      { password, knownHostsPath: path.join(sshd.dir, 'absent') },
      { password, hostKey: stranger.publicKeyLine, privateKeyPassword: passphrase },
      { password, port: 1, dialErrorLimit: 1, privateKeyPassword: passphrase },
      { password: 42 as unknown as string, privateKeyPassword: passphrase },
      { proxy: { host: '127.0.0.1', port: 1, password, privateKey: sshd.privateKey, dialErrorLimit: 1 }, password },
    ];
    const texts: string[] = [];
    for (const overrides of attempts) {
      const err = await failure(sshd.connection(overrides));
      texts.push(err.message, JSON.stringify(err), inspect(err, { depth: 10 }), String(err.stack));
    }
    expect(texts.length).toBe(attempts.length * 4);
    for (const text of texts) {
      for (const needle of needles) expect(text.includes(needle)).toBe(false);
    }
  });
});


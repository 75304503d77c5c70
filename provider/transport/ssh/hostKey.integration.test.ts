import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostKeyError } from '../../errors';
import { generateKeyPair, startSshd, type Sshd } from '../../../harness/sshd';
import { runToEnd } from '../../../test/support/sshdOutput';
import type { ConnectionInput } from '../connectionSchema';
import { LocalTransport } from '../localTransport';
import { openTransport } from '../openTransport';
import { hashKnownHostsName } from './knownHosts';
import { SshTransport } from './sshTransport';

let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.stop();
});

/** Connect, run `echo ok`, close. */
async function works(connection: ConnectionInput, onWarning?: (m: string) => void): Promise<void> {
  const transport = await SshTransport.connect(connection, { onWarning });
  try {
    expect((await runToEnd(transport, ['echo', 'ok'])).stdout).toBe('ok\n');
  } finally {
    await transport.close();
  }
}

function knownHosts(text: string): string {
  const file = path.join(sshd.dir, `known_hosts-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(file, text);
  return file;
}

async function refusal(connection: ConnectionInput): Promise<HostKeyError> {
  const err = await SshTransport.connect(connection).then(
    async (t) => {
      await t.close();
      throw new Error('connected although the host key should have been refused');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostKeyError);
  return err as HostKeyError;
}

describe('host-key verification', () => {
  it('accepts the key listed in known_hosts as [host]:port', async () => {
    await works(sshd.connection());
  });

  it('refuses an unknown key, naming the host and the SHA256 fingerprint, with a way to trust it', async () => {
    const err = await refusal(sshd.connection({ knownHostsPath: knownHosts(`# nothing yet\n[127.0.0.1]:1 ${sshd.hostKeyLine}\n`) }));
    expect(err.stage).toBe('host-key');
    expect(err.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(err.message).toContain(`127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(err.message).toMatch(/not known/);
    expect(err.message).toContain(`ssh-keyscan -p ${sshd.port}`);
    expect(err.message).toContain('hostKey');
  });

  it('refuses an unknown key when known_hosts does not exist', async () => {
    const err = await refusal(sshd.connection({ knownHostsPath: path.join(sshd.dir, 'absent') }));
    expect(err.message).toMatch(/absent \(missing\)/);
  });

  it('refuses a changed key, saying so, with both fingerprints', async () => {
    const old = await generateKeyPair();
    const err = await refusal(sshd.connection({ knownHostsPath: knownHosts(`[127.0.0.1]:${sshd.port} ${old.publicKeyLine}\n`) }));
    expect(err.message).toMatch(/CHANGED/);
    expect(err.message).toMatch(/man-in-the-middle/);
    expect(err.message).toContain(old.fingerprint);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
  });

  it('refuses a key marked @revoked even where another line trusts it', async () => {
    const file = knownHosts(`[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n@revoked * ${sshd.hostKeyLine}\n`);
    expect((await refusal(sshd.connection({ knownHostsPath: file }))).message).toMatch(/REVOKED/);
  });

  it('[ssh-host-cert-authority] a host trusted only by @cert-authority is refused, saying ssh2 cannot negotiate host certificates and how to pin or list the key', async () => {
    const file = knownHosts(`@cert-authority [127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`);
    const err = await refusal(sshd.connection({ knownHostsPath: file }));
    expect(err.message).toContain(`refused the host key of 127.0.0.1:${sshd.port}: known_hosts trusts it only through a certificate authority (host-key)`);
    expect(err.message).toContain(`${file}:1 is a @cert-authority line for it, and ssh2, qemu-cpu's SSH library, cannot negotiate host certificates`);
    expect(err.hint).toContain(`set the connection's hostKey to "${sshd.hostKeyFingerprint}"`);
    expect(err.hint).toMatch(new RegExp(`list the plain key in known_hosts: ssh-keyscan -p ${sshd.port} -t \\S+ 127\\.0\\.0\\.1 >> `));
    // What the hint says works: the pinned key, or the plain line beside the @cert-authority one.
    await works(sshd.connection({ knownHostsPath: file, hostKey: sshd.hostKeyFingerprint }));
    await works(sshd.connection({ knownHostsPath: knownHosts(`@cert-authority [127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n[127.0.0.1]:${sshd.port} ${sshd.hostKeyLine}\n`) }));
  });

  it('accepts a hashed known_hosts entry', async () => {
    const hashed = hashKnownHostsName(`[127.0.0.1]:${sshd.port}`, randomBytes(20));
    await works(sshd.connection({ knownHostsPath: knownHosts(`${hashed} ${sshd.hostKeyLine}\n`) }));
  });

  it('accepts a comma list entry among others', async () => {
    const other = await generateKeyPair();
    const file = knownHosts(`kvm1 ${other.publicKeyLine}\nkvm2,[127.0.0.1]:${sshd.port},[localhost]:${sshd.port} ${sshd.hostKeyLine}\n`);
    await works(sshd.connection({ knownHostsPath: file }));
  });

  it('accepts hostKey given as a public key line or as a fingerprint, ignoring known_hosts', async () => {
    const none = path.join(sshd.dir, 'absent');
    await works(sshd.connection({ hostKey: sshd.hostKeyLine, knownHostsPath: none }));
    await works(sshd.connection({ hostKey: `${sshd.hostKeyLine} root@lab`, knownHostsPath: none }));
    await works(sshd.connection({ hostKey: sshd.hostKeyFingerprint, knownHostsPath: none }));
  });

  it('refuses a host whose key differs from hostKey', async () => {
    const other = await generateKeyPair();
    for (const hostKey of [other.publicKeyLine, other.fingerprint]) {
      const err = await refusal(sshd.connection({ hostKey }));
      expect(err.message).toMatch(/differs from the configured hostKey/);
      expect(err.message).toContain(other.fingerprint);
      expect(err.message).toContain(sshd.hostKeyFingerprint);
    }
  });

  it('rejects a hostKey that is neither a key line nor a fingerprint, before dialing', async () => {
    await expect(SshTransport.connect(sshd.connection({ hostKey: 'MD5:aa:bb' }))).rejects.toMatchObject({ stage: 'config' });
  });

  it('with insecureSkipHostKeyVerification accepts any key but warns loudly on every connection', async () => {
    const warnings: string[] = [];
    const connection = sshd.connection({ insecureSkipHostKeyVerification: true, knownHostsPath: path.join(sshd.dir, 'absent') });
    await works(connection, (m) => warnings.push(m));
    await works(connection, (m) => warnings.push(m));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/WARNING.*DISABLED/);
    expect(warnings[0]).toContain(`127.0.0.1:${sshd.port}`);
    expect(warnings[0]).toContain(sshd.hostKeyFingerprint);
  });

  it('openTransport gives an SshTransport for a connection and a LocalTransport without one', async () => {
    const remote = await openTransport(sshd.connection());
    expect(remote).toBeInstanceOf(SshTransport);
    await remote.close();
    expect(await openTransport(undefined)).toBeInstanceOf(LocalTransport);
  });

  // Last: it replaces the shared sshd's host key.
  it('refuses the host after it restarts with a new key (restartWithNewHostKey)', async () => {
    const { oldHostKeyFingerprint } = await sshd.restartWithNewHostKey();
    const err = await refusal(sshd.connection());
    expect(err.message).toMatch(/CHANGED/);
    expect(err.message).toContain(oldHostKeyFingerprint);
    expect(err.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(err.fingerprint).not.toBe(oldHostKeyFingerprint);
  });
});

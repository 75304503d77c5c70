import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DisconnectedError, RemoteCommandError } from '../../errors';
import { startSshd, type Sshd } from '../../../harness/sshd';
import { collectOutput, runToEnd } from '../../../test/support/sshdOutput';
import { SshTransport } from './sshTransport';

let sshd: Sshd;
let transport: SshTransport;

beforeAll(async () => {
  sshd = await startSshd({ maxSessions: 4 });
  transport = await SshTransport.connect(sshd.connection(), { maxChannels: 3 });
});

afterAll(async () => {
  await transport?.close();
  await sshd?.stop();
});

const HOSTILE = [
  'two words',
  "it's",
  '"double" and \'single\'',
  '$(id -u)',
  '`id -u`',
  '${HOME}',
  'a;b && c || d | e',
  'line one\nline two',
  '*',
  '\\back\\slash',
  '-n',
  '',
  ' leading and trailing ',
  '#not a comment',
  '>redirect',
  'ünïcødé ✓',
];

describe('SshTransport exec', () => {
  it('runs echo with its arguments', async () => {
    const out = await runToEnd(transport, ['echo', 'hello', 'world']);
    expect(out).toEqual({ stdout: 'hello world\n', stderr: '', status: { code: 0, signal: null } });
  });

  it('passes every hostile argument as one literal argv element', async () => {
    const out = await runToEnd(transport, ['sh', '-c', 'for a in "$@"; do printf "<%s>" "$a"; done', 'sh', ...HOSTILE]);
    expect(out.stdout).toBe(HOSTILE.map((a) => `<${a}>`).join(''));
    expect(out.status.code).toBe(0);
  });

  it('does not execute an injection attempt', async () => {
    const marker = path.join(os.tmpdir(), `pwned-${randomBytes(8).toString('hex')}`);
    const attempts = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `'; touch ${marker}; '`, `\ntouch ${marker}\n`];
    const out = await runToEnd(transport, ['echo', ...attempts]);
    expect(out.stdout).toBe(`${attempts.join(' ')}\n`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('reports exit codes, stderr and signals', async () => {
    expect(await runToEnd(transport, ['sh', '-c', 'echo oops >&2; exit 7'])).toEqual({
      stdout: '',
      stderr: 'oops\n',
      status: { code: 7, signal: null },
    });
    const killed = await runToEnd(transport, ['sh', '-c', 'kill -TERM $$']);
    expect(killed.status).toEqual({ code: null, signal: 'TERM' });
  });

  it('streams stdin to the process and ends it with EOF', async () => {
    const input = `${'x'.repeat(100_000)}\nend\n`;
    const out = await runToEnd(transport, ['cat'], input);
    expect(out.stdout).toBe(input);
  });

  it('settles exit without anyone reading the output', async () => {
    const proc = await transport.spawn(['echo', 'unread']);
    proc.stdin.end();
    await expect(proc.exit).resolves.toEqual({ code: 0, signal: null });
  });

  it('runs 20 spawns at once over one connection, beyond sshd MaxSessions, by queueing', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runToEnd(transport, ['sh', '-c', 'sleep 0.05; echo "$1"', 'sh', String(i)])),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(results.every((r) => r.status.code === 0)).toBe(true);
  });

  it('abandon() drops the channel and settles exit at once', async () => {
    const proc = await transport.spawn(['sleep', '30']);
    proc.abandon();
    await expect(proc.exit).resolves.toEqual({ code: null, signal: null });
    // The slot is free again: the queue still moves.
    expect((await runToEnd(transport, ['echo', 'after'])).stdout).toBe('after\n');
  });

  it('refuses an invalid argv without contacting the host', async () => {
    await expect(transport.spawn([])).rejects.toBeInstanceOf(RemoteCommandError);
    await expect(transport.spawn([''])).rejects.toBeInstanceOf(RemoteCommandError);
    await expect(transport.spawn(['echo', 'a\0b'])).rejects.toMatchObject({ stage: 'exec', host: `127.0.0.1:${sshd.port}` });
  });

  it('close() is idempotent, ends running processes and refuses later spawns', async () => {
    const own = await SshTransport.connect(sshd.connection());
    const proc = await own.spawn(['sleep', '30']);
    const output = collectOutput(proc);
    await Promise.all([own.close(), own.close()]);
    await own.close();
    expect(own.connected).toBe(false);
    await expect(output).resolves.toMatchObject({ status: { code: null } });
    await expect(own.spawn(['true'])).rejects.toBeInstanceOf(DisconnectedError);
  });
});

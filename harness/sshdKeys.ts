import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratchDir } from './paths';

/** An ed25519 key pair made by ssh-keygen. */
export interface KeyPair {
  /** OpenSSH-format private key text. */
  readonly privateKey: string;
  /** "ssh-ed25519 AAAA..." without a comment. */
  readonly publicKeyLine: string;
  /** "SHA256:..." as ssh-keygen -l prints it: an oracle independent of the transport's code. */
  readonly fingerprint: string;
}

/** The client keys shared by every test sshd of a process. */
export interface ClientKeys extends KeyPair {
  readonly privateKeyEncrypted: string;
  readonly passphrase: string;
}

/** Write an unencrypted ed25519 key pair to dir/name and dir/name.pub. */
export async function keygen(dir: string, name: string): Promise<KeyPair> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file]);
  const publicKeyLine = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const listing = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
  const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(listing)?.[0];
  if (!fingerprint) throw new Error(`ssh-keygen -l printed no fingerprint: ${listing}`);
  return { privateKey: fs.readFileSync(file, 'utf8'), publicKeyLine, fingerprint };
}

/** A fresh key pair that no test sshd authorizes. */
export async function generateKeyPair(): Promise<KeyPair> {
  fs.mkdirSync(scratchDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(scratchDir, 'keygen-'));
  try {
    return await keygen(dir, 'id_ed25519');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Run a program; resolve with its output, reject with it on a non-zero exit. */
export function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')} failed: ${out}`))));
  });
}

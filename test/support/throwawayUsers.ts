import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processesWithEnv } from '../../harness/sshdProcessTree';

/** A process of some user, read from /proc. */
export interface UserProcess {
  readonly pid: number;
  /** The command line, arguments joined by spaces. */
  readonly args: string;
}

/** Every live (not zombie) process whose real uid is `uid`. Cheap enough to poll: one stat per process. */
export function processesOf(uid: number): UserProcess[] {
  const found: UserProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID belongs to the process's effective uid; the status file then says the real one.
      if (fs.statSync(`/proc/${entry}`).uid !== uid) continue;
      const status = fs.readFileSync(`/proc/${entry}/status`, 'latin1');
      const realUid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(realUid) !== uid || /^State:\s+Z/m.test(status)) continue;
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), args });
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Every live process whose environment holds `entry` (NAME=value), e.g. a test sshd's sessionEnv. */
export function processesCarrying(entry: string): UserProcess[] {
  return processesWithEnv(entry).flatMap(({ pid }) => {
    try {
      if (/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))) return [];
      return [{ pid, args: fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim() }];
    } catch {
      return []; // gone
    }
  });
}

/** What a throwaway user is made of. */
export interface ThrowawayUserSpec {
  /** The login name; must start with the caller's prefix. */
  readonly name: string;
  /** Its login shell, an absolute path. */
  readonly shell: string;
  /** Files to put in its home, path relative to the home, and their text. */
  readonly files?: Readonly<Record<string, string>>;
}

/** A user created with useradd, for real login shells behind a test sshd. */
export interface ThrowawayUser {
  readonly name: string;
  readonly uid: number;
  readonly home: string;
  readonly shell: string;
}

/**
 * Create users (root only) with homes under `homesDir`, after removing any
 * left by an earlier run that died. Remove them with {@link removeUsers}.
 */
export function createUsers(homesDir: string, specs: readonly ThrowawayUserSpec[]): ThrowawayUser[] {
  removeUsers(specs.map((s) => s.name));
  return specs.map((spec) => {
    const home = path.join(homesDir, spec.name);
    // Password '*': no password login, but not locked ('!'), which sshd without PAM refuses even for keys.
    execFileSync('useradd', ['--create-home', '--home-dir', home, '--shell', spec.shell, '--user-group', '--password', '*', spec.name], { stdio: 'pipe' });
    const uid = Number(execFileSync('id', ['-u', spec.name], { encoding: 'utf8' }).trim());
    for (const [file, text] of Object.entries(spec.files ?? {})) {
      const target = path.join(home, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    execFileSync('chown', ['-R', `${spec.name}:${spec.name}`, home]);
    return { name: spec.name, uid, home, shell: spec.shell };
  });
}

/** SIGKILL each user's processes (by pid) and delete the users that exist. Never throws. */
export function removeUsers(names: readonly string[]): void {
  for (const name of names) {
    let uid: number;
    try {
      uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    } catch {
      continue; // no such user
    }
    for (const p of processesOf(uid)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      execFileSync('userdel', ['--force', name], { stdio: 'pipe' });
    } catch {
      /* reported by the next createUsers, which fails on a user that is still there */
    }
  }
}

/** Resolve with the first value `probe` returns that is not undefined, polling every `everyMs`; undefined after `ms`. */
export async function pollFor<T>(probe: () => T | undefined, ms: number, everyMs = 25): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

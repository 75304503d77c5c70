/**
 * Quoting (docs/reliability.md, "Bad input"): over SSH an argv becomes one
 * command line that the user's login shell parses. For random strings —
 * every Unicode character but NUL, shell syntax, quotes, newlines — the
 * quoted words come back out of a real shell (dash and bash, and through a
 * real sshd) exactly as they went in: nothing is ever interpreted.
 *
 * Test names carry the input's id from docs/reliability.md in brackets.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { shellJoin, shellQuote } from './shellQuote';
import { SshTransport } from './ssh';
import { scriptArgv } from '../launcher/hostScripts';
import { startSshd, type Sshd } from '../../harness/sshd';
import { runToEnd } from '../../test/support/sshdOutput';

const SHELLY = [...'\'"\\`$(){}[]<>|&;*?~#!=%^ \t\n\r\u001b-'];
/** Any well-formed Unicode string without NUL, with shell syntax over-represented. */
const word = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...SHELLY, 'a', 'é', '💥'), maxLength: 40 }),
    fc.constantFrom("'", "''", "'\\''", '$(id)', '`id`', '${IFS}', '\\', '-e', '--', '%s', '\n', ' '),
  )
  .filter((s) => !s.includes('\0') && (s as string & { isWellFormed(): boolean }).isWellFormed());

const SHELLS = ['sh', 'bash'].filter((sh) => spawnSync(sh, ['-c', 'exit 0']).status === 0);

/** What `<shell> -c "printf '%s\0' <quoted words>"` prints, split at the NULs. */
function throughShell(shell: string, words: readonly string[]): string[] {
  const out = spawnSync(shell, ['-c', shellJoin(['printf', '%s\\0', ...words])], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  expect(out.status).toBe(0);
  return out.stdout.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it.each(SHELLS)('[input-shell-quoting] round-trips random words through a real %s', (shell) => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 40 }), (words) => {
        expect(throughShell(shell, words)).toEqual(words);
      }),
      { numRuns: 60 },
    );
  });

  it("[input-shell-quoting] round-trips one word through sh -c 'printf %s \"$1\"'", () => {
    fc.assert(
      fc.property(word, (w) => {
        const out = spawnSync('sh', ['-c', `sh -c 'printf %s "$1"' qemu-cpu ${shellQuote(w)}`], { encoding: 'utf8' });
        expect(out.stdout).toBe(w);
      }),
      { numRuns: 40 },
    );
  });

  it('[input-shell-quoting] refuses a NUL byte instead of truncating the word', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(() => shellQuote(`${a}\0${b}`)).toThrow(/NUL/);
      }),
      { numRuns: 50 },
    );
  });
});

describe('an argv over SSH', () => {
  let sshd: Sshd;
  let transport: SshTransport;
  beforeAll(async () => {
    sshd = await startSshd();
    transport = await SshTransport.connect(sshd.connection());
  });
  afterAll(async () => {
    await transport?.close();
    await sshd?.stop();
  });

  it('[input-shell-quoting] reaches the remote program word for word, as a plain argv and as script parameters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(word, { minLength: 1, maxLength: 10 }), async (words) => {
        const plain = await runToEnd(transport, ['printf', '%s\\0', ...words]);
        expect(plain.stdout.split('\0').slice(0, -1)).toEqual(words);
        // The shape every qemu-cpu command has: a fixed script, values as positional parameters.
        const script = await runToEnd(transport, scriptArgv('printf "%s\\0" "$@"', words));
        expect(script.stdout.split('\0').slice(0, -1)).toEqual(words);
      }),
      { numRuns: 25 },
    );
  });

  it('[input-shell-quoting] refuses an argv with a NUL byte before anything reaches the host', async () => {
    await expect(transport.spawn(['printf', '%s', 'a\0b'])).rejects.toThrow(/NUL byte/);
  });
});

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, ParsedKey } from 'ssh2';
import { ConfigError, KeyPassphraseError } from '../../errors';
import { expandHome } from './expandHome';
import { parseKey } from './ssh2Client';

/** The connection fields authentication looks at. */
export interface AuthFields {
  readonly label: string;
  readonly user?: string;
  readonly password?: string;
  readonly privateKey?: string;
  readonly privateKeyPath?: string;
  readonly privateKeyPassword?: string;
  readonly agentSocketPath?: string;
}

/** Everything needed to authenticate one hop, secrets already decoded. */
export interface AuthPlan {
  readonly username: string;
  /** The methods to try, in order. */
  readonly methods: readonly AnyAuthMethod[];
  /** Human names of the methods offered, for messages ("publickey", "agent", "password"). */
  readonly offered: readonly string[];
  /** Secret values (password, passphrase, key text, including a key read from privateKeyPath) to keep out of messages. */
  readonly secrets: readonly string[];
}

/**
 * Read and decrypt the private key (once, not on every dial attempt: bcrypt
 * key derivation is slow) and line up the methods: key, agent, then password.
 */
export async function loadAuthPlan(fields: AuthFields): Promise<AuthPlan> {
  const username = fields.user ?? os.userInfo().username;
  const methods: AnyAuthMethod[] = [];
  const secrets = [fields.password, fields.privateKeyPassword, fields.privateKey].filter((s): s is string => !!s);
  const key = await loadPrivateKey(fields, secrets);
  if (key) methods.push({ type: 'publickey', username, key });
  const agent = fields.agentSocketPath ?? process.env.SSH_AUTH_SOCK;
  if (agent) methods.push({ type: 'agent', username, agent });
  const password = fields.password;
  if (password !== undefined) {
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      // Answer only what looks like a password prompt: one hidden question.
      prompt: (_name, _instructions, _lang, prompts, finish) =>
        finish(prompts.length === 1 && !prompts[0].echo ? [password] : []),
    });
  }
  const offered = [...new Set(methods.map((m) => (m.type === 'keyboard-interactive' ? 'password' : m.type)))];
  return { username, methods, offered, secrets };
}

async function loadPrivateKey(fields: AuthFields, secrets: string[]): Promise<ParsedKey | undefined> {
  if (fields.privateKey !== undefined && fields.privateKeyPath !== undefined) {
    throw new ConfigError({ host: fields.label, what: 'privateKey and privateKeyPath are both set', hint: 'Give one of them.' });
  }
  let data: string | Buffer | undefined = fields.privateKey;
  const source = fields.privateKeyPath === undefined ? 'privateKey' : `privateKeyPath ${fields.privateKeyPath}`;
  if (fields.privateKeyPath !== undefined) {
    try {
      data = await fs.readFile(expandHome(fields.privateKeyPath));
    } catch (err) {
      throw new ConfigError({ host: fields.label, what: `cannot read ${source}`, why: (err as NodeJS.ErrnoException).code ?? 'read failed', cause: err });
    }
  }
  if (data === undefined) return undefined;
  if (Buffer.isBuffer(data)) secrets.push(data.toString('utf8'));
  const parsed = parseKey(data, fields.privateKeyPassword);
  // ssh2's parse errors name the problem, never the key or passphrase; still, only known phrasings are passed on.
  if (parsed instanceof Error) throw keyError(fields, source, parsed.message);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key.isPrivateKey()) {
    throw new ConfigError({ host: fields.label, what: `${source} holds a public key, not a private key` });
  }
  return key;
}

function keyError(fields: AuthFields, source: string, message: string): ConfigError {
  // Boundary: ssh2's own parse-error words (external text; it has no error codes for them), read where they enter.
  if (/no passphrase given/i.test(message)) return new KeyPassphraseError({ host: fields.label, problem: 'missing', keySource: source });
  if (/passphrase/i.test(message)) return new KeyPassphraseError({ host: fields.label, problem: 'wrong', keySource: source });
  return new ConfigError({
    host: fields.label,
    what: `${source} is not a private key ssh2 can read`,
    why: /^[\w .,:()-]{1,120}$/.test(message) ? message : undefined,
    hint: 'Give an OpenSSH or PEM private key (ed25519, ECDSA or RSA).',
  });
}

/** The server's view of the authentication, filled in as it goes. */
export interface AuthProgress {
  /** Methods the server said it accepts, once it said so. */
  serverAllows?: readonly AuthenticationType[];
}

/**
 * An ssh2 auth handler that tries the plan's methods in order, skipping those
 * the server has said it does not accept, and records what the server accepts.
 */
export function authHandler(plan: AuthPlan, progress: AuthProgress): AuthHandlerMiddleware {
  const queue = [...plan.methods];
  let first = true;
  return (authsLeft, _partialSuccess, next) => {
    if (authsLeft) progress.serverAllows = authsLeft;
    if (first && queue.length === 0) {
      first = false;
      // Ask with "none" so the failure can say which methods the server accepts.
      return next({ type: 'none', username: plan.username });
    }
    first = false;
    while (queue.length > 0) {
      const method = queue.shift()!;
      const wireName = method.type === 'agent' ? 'publickey' : method.type;
      if (!authsLeft || authsLeft.includes(wireName)) return next(method);
    }
    // ssh2 takes false as "no more methods".
    return next(false as unknown as AnyAuthMethod);
  };
}

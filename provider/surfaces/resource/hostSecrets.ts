import { z } from 'zod';
import { SECRET_CONNECTION_FIELDS } from '../../transport';
import { HostEntrySchema, type HostEntry } from '../../probe';

type SecretField = (typeof SECRET_CONNECTION_FIELDS)[number];
const secretMask = Object.fromEntries(SECRET_CONNECTION_FIELDS.map((f) => [f, true])) as { [K in SecretField]: true };

const ProxySchema = HostEntrySchema.shape.proxy.unwrap();

/** A host entry without its secrets (on the host and on its jump host): what may be shown and stored in plaintext. */
export const PublicHostEntrySchema = HostEntrySchema.omit(secretMask)
  .extend({ proxy: ProxySchema.omit(secretMask).optional().describe('The jump host, without its secrets.') })
  .describe('A KVM host as asked: the SSH connection without password, privateKey and privateKeyPassword.');
export type PublicHostEntry = z.infer<typeof PublicHostEntrySchema>;

/** Only the secrets of a host entry. */
export const HostCredentialsSchema = HostEntrySchema.pick(secretMask)
  .extend({ proxy: ProxySchema.pick(secretMask).strict().optional().describe("The jump host's secrets.") })
  .strict()
  .describe("A host's SSH secrets: password, privateKey, privateKeyPassword (and its jump host's).");
export type HostCredentials = z.infer<typeof HostCredentialsSchema>;

function pickSecrets<T extends Record<string, unknown>>(entry: T): { secrets: Partial<Record<SecretField, string>>; rest: Omit<T, SecretField> } {
  const secrets: Partial<Record<SecretField, string>> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if ((SECRET_CONNECTION_FIELDS as readonly string[]).includes(key)) {
      if (value !== undefined) secrets[key as SecretField] = value as string;
    } else rest[key] = value;
  }
  return { secrets, rest: rest as Omit<T, SecretField> };
}

/** Split a host entry into what may be shown and what must stay secret. */
export function splitHostSecrets(entry: HostEntry): { host: PublicHostEntry; credentials: HostCredentials } {
  const { secrets, rest } = pickSecrets(entry);
  const credentials: HostCredentials = { ...secrets };
  const host: PublicHostEntry = { ...rest, proxy: undefined };
  if (entry.proxy) {
    const proxy = pickSecrets(entry.proxy);
    host.proxy = proxy.rest;
    if (Object.keys(proxy.secrets).length > 0) credentials.proxy = proxy.secrets;
  }
  if (host.proxy === undefined) delete host.proxy;
  return { host, credentials };
}

/** The inverse of {@link splitHostSecrets}. */
export function mergeHostSecrets(host: PublicHostEntry, credentials: HostCredentials | undefined): HostEntry {
  const { proxy: proxySecrets, ...secrets } = credentials ?? {};
  const merged: HostEntry = { ...host, ...secrets } as HostEntry;
  if (host.proxy) merged.proxy = { ...host.proxy, ...proxySecrets };
  return merged;
}

/** Apply `seal` to every secret value of a host entry (e.g. to mark it secret on a wire), keeping the shape. */
export function sealHostSecrets<T extends Record<string, unknown>>(entry: T, seal: (secret: unknown) => unknown): T {
  const out: Record<string, unknown> = { ...entry };
  for (const f of SECRET_CONNECTION_FIELDS) if (out[f] !== undefined) out[f] = seal(out[f]);
  const proxy = out.proxy;
  if (proxy !== null && typeof proxy === 'object' && !Array.isArray(proxy)) out.proxy = sealHostSecrets(proxy as Record<string, unknown>, seal);
  return out as T;
}

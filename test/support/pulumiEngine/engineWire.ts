import { createCipheriv, randomBytes } from 'node:crypto';

/* eslint-disable @typescript-eslint/no-var-requires */
const rpc = require('@pulumi/pulumi/runtime/rpc') as { unknownValue: string; specialSigKey: string; specialSecretSig: string };
const { isUnknown } = require('@pulumi/pulumi/output') as { isUnknown: (v: unknown) => boolean };

/** Pulumi's wire values (runtime/rpc in @pulumi/pulumi). */
export const UNKNOWN = rpc.unknownValue;

/** True for `{[sigKey]: secretSig, value}`. */
export function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return v !== null && typeof v === 'object' && (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;
}

function mapDeep(value: unknown, leaf: (v: unknown) => unknown | undefined): unknown {
  const replaced = leaf(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, leaf));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDeep(v, leaf)]));
  return value;
}

/**
 * What the engine sends a provider whose Configure said acceptSecrets=false
 * (the dynamic-provider host says so): secrets unwrapped to their plain
 * values; unknowns (the SDK's `unknown` object under mocks) as the sentinel.
 */
export function toProviderWire<T>(value: T): T {
  return mapDeep(value, (v) => {
    if (isSecretEnvelope(v)) return toProviderWire(v.value);
    if (isUnknown(v)) return UNKNOWN;
    return undefined;
  }) as T;
}

const stateKey = randomBytes(32);

/**
 * What the engine writes to its checkpoint: every secret a provider returned
 * (or the program marked) encrypted, as the passphrase and cloud secrets
 * managers do. This is the "serialized state" a test may record.
 */
export function toPersistedState<T>(value: T): T {
  return mapDeep(value, (v) => {
    if (!isSecretEnvelope(v)) return undefined;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', stateKey, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(v.value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { [rpc.specialSigKey]: rpc.specialSecretSig, ciphertext: Buffer.concat([iv, body]).toString('base64') };
  }) as T;
}

/** The value with every secret envelope's content removed: what a reader sees of it without the stack's secrets key. */
export function outsideSecrets(value: unknown): unknown {
  return mapDeep(value, (v) => (isSecretEnvelope(v) ? '[secret]' : undefined));
}

/**
 * Pulumi's wire encoding of secrets and unknowns inside google.protobuf.Struct
 * values, taken from @pulumi/pulumi's own runtime (runtime/rpc): a secret is
 * `{[specialSigKey]: specialSecretSig, value}`, an unknown a sentinel string.
 * The plugin's Configure answers acceptSecrets=true, so the engine sends
 * secrets in that envelope and expects secret outputs in it.
 */
const rpc = require('@pulumi/pulumi/runtime/rpc') as { unknownValue: string; specialSigKey: string; specialSecretSig: string };

function isSecretEnvelope(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;
}

/** Strip secret envelopes, returning the plain value and whether any secret was found. */
export function unwrapSecrets(value: unknown): { plain: unknown; hadSecret: boolean } {
  let hadSecret = false;
  const walk = (v: unknown): unknown => {
    if (isSecretEnvelope(v)) {
      hadSecret = true;
      return walk(v.value);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { plain: walk(value), hadSecret };
}

/** Wrap a value as a secret for the engine. */
export function wrapSecret(value: unknown): Record<string, unknown> {
  return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

/** Pulumi's unknown sentinel. */
export function isUnknown(value: unknown): boolean {
  return value === rpc.unknownValue;
}

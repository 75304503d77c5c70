import type { ResourceContext } from '../resource';

/**
 * How values look on the dynamic provider's wire, from @pulumi/pulumi's own
 * encoding (runtime/rpc): an unknown is a sentinel string, a secret an object
 * marked with a signature key. The engine sends this provider no secrets
 * (its Configure answers acceptSecrets=false) but keeps any secret the
 * provider returns, encrypted in the state.
 */
export function dynamicWire(): ResourceContext {
  // Required lazily: only the dynamic-provider host process needs it. The encoding is the plugin's too (pulumiWire).
  const { isUnknown, wrapSecret } = require('../pulumiWire/secrets') as typeof import('../pulumiWire/secrets');
  return { isUnknown, wrapSecret };
}

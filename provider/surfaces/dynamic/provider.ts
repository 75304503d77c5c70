import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';

/**
 * The compiled handlers, by absolute path. Pulumi serializes the provider's
 * functions with the values they capture; this string is the only capture,
 * so no client, socket or module object travels into the state. `__dirname`
 * itself would not do: the serializer leaves it uncaptured, and inside the
 * dynamic-provider host it names the host, not this package. A program run
 * from the TypeScript sources (ts-node) gets the compiled twin under dist/,
 * since the host runs plain Node.
 */
const HANDLERS = fs.existsSync(path.join(__dirname, 'handlers.js'))
  ? path.join(__dirname, 'handlers.js')
  : path.resolve(__dirname, '../../../dist/provider/surfaces/dynamic/handlers.js');

/**
 * CpuModelSelection's dynamic provider. Each method requires the handlers
 * at call time, inside the dynamic-provider host process. Delete requires
 * nothing: it touches nothing, so it works even with a provider serialized
 * by an older checkout whose files have moved.
 */
export const cpuModelSelectionProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    return require(HANDLERS).check(olds, news);
  },
  async diff(id, olds, news) {
    return require(HANDLERS).diff(id, olds, news);
  },
  async create(inputs) {
    return require(HANDLERS).create(inputs);
  },
  async read(id, props) {
    return require(HANDLERS).read(id, props);
  },
  async update(id, olds, news) {
    return require(HANDLERS).update(id, olds, news);
  },
  async delete() {
    // Nothing was made on any host.
  },
};

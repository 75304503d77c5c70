import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as pulumiProvider from '@pulumi/pulumi/provider';
import { QemuCpuError } from '../../errors';
import { probeHost, ProbeRequestSchema, qemuCpuVersion } from '../../probe';
import { checkSelection, createSelection, deleteSelection, diffSelection, readSelection, updateSelection, type ResourceContext } from '../resource';
import { FUNCTION_TOKEN, RESOURCE_TOKEN } from './packageSchema';
import { isUnknown, unwrapSecrets, wrapSecret, type EngineLog } from '../pulumiWire';

/** schema.json, as committed at the package root (dist/provider/surfaces/plugin → root). */
const SCHEMA_PATH = path.resolve(__dirname, '../../../../schema.json');

/** What the semantics need from this wire: the same shared code as the dynamic provider, with the plugin's encoding. */
const wire: ResourceContext = { isUnknown, wrapSecret };

type Props = Record<string, unknown>;
const plain = (v: unknown): Props => (unwrapSecrets(v).plain ?? {}) as Props;

function requireResource(urn: string): void {
  const type = urn.split('::')[2]?.split('$').pop();
  if (type !== RESOURCE_TOKEN) throw new Error(`unknown resource type ${type ?? urn}: this provider offers ${RESOURCE_TOKEN}`);
}

/**
 * The native provider: CpuModelSelection and getHostCpuCapabilities for
 * every Pulumi language, over @pulumi/pulumi/provider's gRPC server. Secret
 * inputs arrive in Pulumi's envelope and are unwrapped before the shared
 * semantics run; secret outputs (the hosts' credentials) are wrapped again.
 */
export function nativeProvider(log: EngineLog): pulumiProvider.Provider {
  const report = async (urn: string, what: string, failures: ReadonlyArray<{ reason: string }>) => {
    if (failures.length === 0) return log.log('info', `qemu-cpu: ${what}: every host can enforce the CPU`, urn);
    for (const f of failures) await log.log('warning', `qemu-cpu: ${what}: ${f.reason}`, urn);
  };
  return {
    version: qemuCpuVersion(),
    getSchema: async () => fs.readFileSync(SCHEMA_PATH, 'utf8'),

    async check(urn, olds, news) {
      requireResource(urn);
      await log.log('info', 'qemu-cpu: asking the hosts whether they can enforce the CPU', urn);
      const { inputs, failures, messages } = await checkSelection(plain(news), wire, plain(olds));
      for (const m of messages) await log.log(m.severity, `qemu-cpu: ${m.message}`, urn);
      await report(urn, 'check', failures);
      return { inputs, failures };
    },

    async diff(_id, urn, olds, news) {
      requireResource(urn);
      return diffSelection(plain(olds), plain(news), wire);
    },

    async create(urn, inputs) {
      requireResource(urn);
      return createSelection(plain(inputs), wire);
    },

    async read(id, urn, props) {
      requireResource(urn);
      const result = await readSelection(id, plain(props), wire);
      await report(urn, 'refresh', ((result.props.failures as string[] | undefined) ?? []).map((reason) => ({ reason })));
      return result;
    },

    async update(id, urn, olds, news) {
      requireResource(urn);
      return updateSelection(id, plain(olds), plain(news), wire);
    },

    async delete(_id, urn) {
      requireResource(urn);
      await deleteSelection();
    },

    async invoke(token, inputs) {
      if (token !== FUNCTION_TOKEN) throw new Error(`unknown function ${token}: this provider offers ${FUNCTION_TOKEN}`);
      const args = plain(inputs);
      const parsed = ProbeRequestSchema.safeParse(args);
      if (!parsed.success) {
        return { failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ''), reason: `${i.path.join('.')}: ${i.message}` })) };
      }
      try {
        return { outputs: await probeHost(parsed.data) };
      } catch (err) {
        if (err instanceof QemuCpuError) return { failures: [{ property: 'connection', reason: err.message }] };
        throw err;
      }
    },
  };
}

import { CpuModelExpansionReplySchema } from '../model';
import type { Transport } from '../transport';
import type { LaunchOptions } from './launchOptions';
import { QemuSession } from './qemuSession';

/**
 * The features each named model's definition turns on: one paused QEMU
 * (`-machine none` unless told otherwise) and, pipelined, a static
 * `query-cpu-model-expansion` per name. A static expansion is the
 * definition itself (not filtered by the host); what the host cannot give
 * is the model's unavailable-features, from the capability probe.
 *
 * @returns per name, in order, the boolean props that are on, sorted.
 */
export async function expandModels(transport: Transport, opts: LaunchOptions, names: readonly string[]): Promise<Array<{ name: string; features: string[] }>> {
  const session = await QemuSession.start(transport, opts);
  try {
    const replies = await Promise.all(
      names.map((name) => session.qmp.execute('query-cpu-model-expansion', { type: 'static', model: { name } }, CpuModelExpansionReplySchema)),
    );
    return replies.map((reply, i) => ({
      name: names[i],
      features: Object.entries(reply.model.props ?? {})
        .filter(([, on]) => on === true)
        .map(([f]) => f)
        .sort(),
    }));
  } catch (err) {
    throw await session.explain(err);
  } finally {
    await session.shutdown();
  }
}

import { connectEngineLog, silentLog, type EngineLog } from '../pulumiWire';
import { nativeProvider } from './nativeProvider';

/**
 * `pulumi-resource-qemu-cpu [engine-address]`: the engine starts the plugin
 * with its own address, reads the port the plugin prints, and calls it over
 * gRPC. Warnings (such as host-key verification skipped) go to the engine's
 * Log service when an engine address is given.
 */
export async function main(args: string[]): Promise<void> {
  const engineAddress = args.find((a) => !a.startsWith('-'));
  const log: EngineLog = engineAddress ? connectEngineLog(engineAddress) : silentLog;
  process.on('warning', (w) => void log.log('warning', `qemu-cpu: ${w.message}`));
  const { main: serve } = await import('@pulumi/pulumi/provider');
  await serve(nativeProvider(log), args);
}

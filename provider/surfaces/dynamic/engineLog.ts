import { connectEngineLog, silentLog, type EngineLog } from '../pulumiWire/engineLog';

/**
 * The engine's Log service, seen from inside Pulumi's dynamic-provider host.
 * The engine starts that host (pulumi-resource-pulumi-nodejs, i.e. node
 * .../cmd/dynamic-provider/index.js) with its own address as the last
 * argument, as it starts every plugin, but the host does not hand it to the
 * provider; the handlers read it from the command line. Elsewhere (no such
 * argument) messages go nowhere. A dynamic provider is not told the
 * resource's URN, so messages are logged for the stack; they name the hosts.
 */
let log: EngineLog | undefined;

export function dynamicEngineLog(argv: readonly string[] = process.argv): EngineLog {
  if (log) return log;
  const address = engineAddress(argv);
  log = address ? connectEngineLog(address) : silentLog;
  return log;
}

/** The engine's address among the dynamic-provider host's arguments, if this process is that host. */
export function engineAddress(argv: readonly string[]): string | undefined {
  if (!/[\\/]dynamic-provider(?:[\\/]index\.js)?$/.test(argv[1] ?? '')) return undefined;
  const address = [...argv.slice(2)].reverse().find((a) => /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])?:\d{1,5}$/.test(a));
  // Older engines give only ":port".
  return address?.startsWith(':') ? `127.0.0.1${address}` : address;
}

import type { ConnectionInput, Connection } from './connectionSchema';
import { LocalTransport } from './localTransport';
import { SshTransport, type SshConnectOptions } from './ssh';
import type { Transport } from './transport';

/**
 * The transport for a host: SSH when a connection is given, this machine
 * when not.
 */
export async function openTransport(connection: Connection | ConnectionInput | undefined, options: SshConnectOptions = {}): Promise<Transport> {
  return connection === undefined ? new LocalTransport() : SshTransport.connect(connection, options);
}

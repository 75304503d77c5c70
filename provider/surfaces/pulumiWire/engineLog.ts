import * as grpc from '@grpc/grpc-js';

/** The engine's log severities (pulumirpc.LogSeverity). */
export type Severity = 'debug' | 'info' | 'warning' | 'error';

/** Sends messages to the engine's Log service, so they show in `pulumi preview`/`up` next to the resource. */
export interface EngineLog {
  log(severity: Severity, message: string, urn?: string): Promise<void>;
  close(): void;
}

/** A log that goes nowhere: no engine address was given (e.g. a test driving the plugin directly). */
export const silentLog: EngineLog = { log: async () => undefined, close: () => undefined };

/** Connect to the engine at `address` (host:port), as given to the plugin on its command line. */
export function connectEngineLog(address: string): EngineLog {
  // Required lazily: the generated stubs are large and only needed when an engine is present.
  const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb');
  const enginePb = require('@pulumi/pulumi/proto/engine_pb');
  const client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
  const severities: Record<Severity, number> = {
    debug: enginePb.LogSeverity.DEBUG,
    info: enginePb.LogSeverity.INFO,
    warning: enginePb.LogSeverity.WARNING,
    error: enginePb.LogSeverity.ERROR,
  };
  return {
    log: (severity, message, urn) =>
      new Promise((resolve) => {
        const req = new enginePb.LogRequest();
        req.setSeverity(severities[severity]);
        req.setMessage(message);
        if (urn) req.setUrn(urn);
        // A lost log line must not fail the operation it describes.
        client.log(req, () => resolve());
      }),
    close: () => client.close(),
  };
}

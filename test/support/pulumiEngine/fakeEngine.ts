import * as grpc from '@grpc/grpc-js';

/* eslint-disable @typescript-eslint/no-var-requires */
const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb');
const emptyproto = require('google-protobuf/google/protobuf/empty_pb');

/** One message a provider sent to the engine's Log service. */
export interface EngineLogEntry {
  severity: 'debug' | 'info' | 'warning' | 'error';
  message: string;
  urn: string;
}

/** The engine's side of pulumirpc.Engine, as far as a provider uses it: Log. */
export interface FakeEngine {
  address: string;
  logs: EngineLogEntry[];
  stop(): Promise<void>;
}

export async function startFakeEngine(): Promise<FakeEngine> {
  const logs: EngineLogEntry[] = [];
  const severities = ['debug', 'info', 'warning', 'error'] as const;
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'fake engine' }, null);
  server.addService(engineGrpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<any, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      logs.push({ severity: severities[call.request.getSeverity()] ?? 'info', message: call.request.getMessage(), urn: call.request.getUrn() });
      cb(null, new emptyproto.Empty());
    },
    getRootResource: unimplemented,
    setRootResource: unimplemented,
    startDebugging: unimplemented,
    requireDebugging: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    logs,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { repoRoot } from '../../../harness/paths';

/* eslint-disable @typescript-eslint/no-var-requires */
const provrpc = require('@pulumi/pulumi/proto/provider_grpc_pb');
const provproto = require('@pulumi/pulumi/proto/provider_pb');
const structproto = require('google-protobuf/google/protobuf/struct_pb');


type Props = Record<string, unknown>;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** A running provider process and the engine's side of its gRPC interface. Values go in and come out as Struct-decoded JavaScript. */
export interface ProviderProcess {
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }>;
  diff(id: string, olds: Props, news: Props): Promise<{ changes: 'none' | 'some' | 'unknown'; replaces: string[]; deleteBeforeReplace: boolean }>;
  create(properties: Props): Promise<{ id: string; properties: Props }>;
  read(id: string, properties: Props): Promise<{ id: string; properties: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ properties: Props }>;
  delete(id: string, properties: Props): Promise<void>;
  getSchema(): Promise<string>;
  invoke(token: string, args: Props): Promise<{ outputs: Props | undefined; failures: CheckFailure[] }>;
  /** Everything the process printed on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Struct.fromJavaScript rejects undefined; the engine never sends it. */
function toStruct(value: Props): unknown {
  return structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

function call<Req, Res>(client: grpc.Client, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method](req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** How the engine starts a provider: the program, its arguments (the engine's address among them) and the URN it sends. */
export interface ProviderLaunch {
  command: string;
  args: string[];
  urn: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Start a provider process as the engine does, read the gRPC port it prints
 * on stdout, connect, and call Configure as the engine calls it first.
 */
export async function startProviderProcess(launch: ProviderLaunch): Promise<ProviderProcess> {
  const URN = launch.urn;
  const child: ChildProcess = spawn(launch.command, launch.args, {
    cwd: repoRoot,
    env: launch.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`provider printed no port in time:\n${stderr}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`provider exited (${code}):\n${stderr}`));
    });
  });
  const client: grpc.Client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const configure = new provproto.ConfigureRequest();
  configure.setArgs(toStruct({}));
  await call(client, 'configure', configure);

  return {
    async check(olds, news) {
      const req = new provproto.CheckRequest();
      req.setUrn(URN);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const res = await call<unknown, any>(client, 'check', req);
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, olds, news) {
      const req = new provproto.DiffRequest();
      req.setId(id);
      req.setUrn(URN);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const res = await call<unknown, any>(client, 'diff', req);
      const kinds = provproto.DiffResponse.DiffChanges;
      const changes = res.getChanges() === kinds.DIFF_SOME ? 'some' : res.getChanges() === kinds.DIFF_NONE ? 'none' : 'unknown';
      return { changes, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
    },
    async create(properties) {
      const req = new provproto.CreateRequest();
      req.setUrn(URN);
      req.setProperties(toStruct(properties));
      const res = await call<unknown, any>(client, 'create', req);
      return { id: res.getId(), properties: res.getProperties().toJavaScript() };
    },
    async read(id, properties) {
      const req = new provproto.ReadRequest();
      req.setId(id);
      req.setUrn(URN);
      req.setProperties(toStruct(properties));
      const res = await call<unknown, any>(client, 'read', req);
      return { id: res.getId(), properties: res.getProperties().toJavaScript() };
    },
    async update(id, olds, news) {
      const req = new provproto.UpdateRequest();
      req.setId(id);
      req.setUrn(URN);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const res = await call<unknown, any>(client, 'update', req);
      return { properties: res.getProperties().toJavaScript() };
    },
    async delete(id, properties) {
      const req = new provproto.DeleteRequest();
      req.setId(id);
      req.setUrn(URN);
      req.setProperties(toStruct(properties));
      await call(client, 'delete', req);
    },
    async getSchema() {
      const req = new provproto.GetSchemaRequest();
      const res = await call<unknown, any>(client, 'getSchema', req);
      return res.getSchema();
    },
    async invoke(token, args) {
      const req = new provproto.InvokeRequest();
      req.setTok(token);
      req.setArgs(toStruct(args));
      const res = await call<unknown, any>(client, 'invoke', req);
      return {
        outputs: res.getReturn()?.toJavaScript(),
        failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    stderr: () => stderr,
    async stop() {
      client.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

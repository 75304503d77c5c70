import type { TransportPool } from '../../probe';

/**
 * What a surface tells the resource semantics about its wire. The dynamic
 * provider and the native plugin both receive google.protobuf.Struct values,
 * so both pass Pulumi's unknown sentinel and secret envelope here; plain
 * callers (tests, the CLI) pass nothing.
 */
export interface ResourceContext {
  /** The connection pool hosts are asked over; default the process-wide one. */
  pool?: TransportPool;
  /** True for a value not known yet (during a preview). Default: nothing is unknown. */
  isUnknown?: (value: unknown) => boolean;
  /** Mark a value secret for the engine. Default: leave it as is. */
  wrapSecret?: (value: unknown) => unknown;
}

/** The context with its defaults filled in. */
export interface ResolvedContext {
  pool: TransportPool | undefined;
  isUnknown: (value: unknown) => boolean;
  wrapSecret: (value: unknown) => unknown;
}

export function resolveContext(ctx: ResourceContext = {}): ResolvedContext {
  return { pool: ctx.pool, isUnknown: ctx.isUnknown ?? (() => false), wrapSecret: ctx.wrapSecret ?? ((v) => v) };
}

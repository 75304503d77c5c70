import type { Duplex } from 'node:stream';
import { backoffDelay, mayRetry } from './backoff';
import { dialOnce, type DialResult, type HopPlan } from './dial';
import { dialError } from './dialError';
import { classifyDialError } from './dialFailure';

/** A connected, authenticated hop. */
export type ConnectedHop = Extract<DialResult, { ok: true }>;

/** How to reach a hop and what to tell the caller on the way. */
export interface HopRoute {
  /** Open the stream to dial over (a jump host's forwarded channel); absent for a direct TCP connection. */
  readonly openStream?: () => Promise<Duplex>;
  /** The jump host's label, for messages. */
  readonly via?: string;
  readonly secrets: readonly (string | undefined)[];
  readonly debug: (message: string) => void;
}

/**
 * Dial a hop, retrying only sshd's MaxStartups drops (a close or reset
 * before the handshake, or "too many connections") with backoff, up to
 * dialErrorLimit attempts. Everything else is final on the first attempt:
 * a refused port, a timeout (so a dead host costs one perDialTimeout), an
 * unreachable or unknown host, host keys and authentication.
 */
export async function connectHop(plan: HopPlan, route: HopRoute): Promise<ConnectedHop> {
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(plan, route);
    if (result.ok) {
      route.debug(`${plan.label}: connected on attempt ${attempt}`);
      return result;
    }
    const { failure } = result;
    if (!failure.retryable || !mayRetry(attempt, plan.dialErrorLimit)) {
      throw dialError(failure, {
        label: plan.label,
        host: plan.host,
        port: plan.port,
        username: plan.auth.username,
        offered: plan.auth.offered,
        serverAllows: result.serverAllows,
        timeoutSeconds: plan.timeoutMs / 1000,
        attempts: attempt,
        via: route.via,
        secrets: route.secrets,
      });
    }
    const delay = backoffDelay(attempt);
    route.debug(`${plan.label}: dial attempt ${attempt} failed (${failure.kind}); retrying in ${delay} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function attemptOnce(plan: HopPlan, route: HopRoute): Promise<DialResult> {
  if (!route.openStream) return dialOnce(plan);
  let stream: Duplex;
  try {
    stream = await route.openStream();
  } catch (err) {
    return { ok: false, failure: classifyDialError(err) };
  }
  return dialOnce(plan, stream);
}

/** First retry delay. */
export const BACKOFF_BASE_MS = 100;
/** Longest delay between two dial attempts. */
export const BACKOFF_CAP_MS = 2000;

/**
 * The wait before dial attempt `attempt + 1`: exponential from
 * {@link BACKOFF_BASE_MS}, capped at {@link BACKOFF_CAP_MS}, with "equal
 * jitter" (between half and all of it) so many probes of one overloaded
 * sshd do not retry in lockstep.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether another attempt is allowed after `attempts` failed ones; a limit of -1 (or below) means no limit. */
export function mayRetry(attempts: number, dialErrorLimit: number): boolean {
  return dialErrorLimit < 0 || attempts < dialErrorLimit;
}

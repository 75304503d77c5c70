import { backoffDelay, BACKOFF_CAP_MS, mayRetry } from './backoff';
import { classifyDialError } from './dialFailure';
import { redact } from './redact';

describe('backoffDelay', () => {
  it('doubles from 100 ms, capped at 2 s, with jitter between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => backoffDelay(n, () => 1))).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect([1, 2, 6].map((n) => backoffDelay(n, () => 0))).toEqual([50, 100, 1000]);
    for (let i = 0; i < 100; i++) expect(backoffDelay(20)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
  });

  it('counts attempts against dialErrorLimit; -1 is unlimited', () => {
    expect(mayRetry(2, 3)).toBe(true);
    expect(mayRetry(3, 3)).toBe(false);
    expect(mayRetry(1, 0)).toBe(false);
    expect(mayRetry(1000, -1)).toBe(true);
  });
});

describe('classifyDialError', () => {
  const err = (message: string, extra: object = {}) => Object.assign(new Error(message), extra);

  it("retries only what sshd's MaxStartups drop looks like: a close or reset before the handshake, or 'too many connections'", () => {
    expect(classifyDialError(err('read ECONNRESET', { code: 'ECONNRESET' }))).toMatchObject({ kind: 'reset', retryable: true });
    expect(classifyDialError(err('Connection lost before handshake', { level: 'protocol' }))).toMatchObject({ kind: 'reset', retryable: true });
    expect(classifyDialError(err('Too many connections', { code: 12 }))).toMatchObject({ kind: 'disconnected', retryable: true });
  });

  it('never retries a refused port, a timeout or an unreachable host: the answer would only come later', () => {
    expect(classifyDialError(err('connect ECONNREFUSED', { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'refused', retryable: false });
    expect(classifyDialError(err('connect ETIMEDOUT', { code: 'ETIMEDOUT' }))).toMatchObject({ kind: 'timeout', retryable: false });
    expect(classifyDialError(err('connect EHOSTUNREACH', { code: 'EHOSTUNREACH' }))).toMatchObject({ kind: 'unreachable', retryable: false });
    expect(classifyDialError(err('Timed out while waiting for handshake', { level: 'client-timeout' }))).toMatchObject({
      kind: 'timeout',
      retryable: false,
    });
    expect(classifyDialError(err('(SSH) Channel open failure: Connection refused', { reason: 2 }))).toMatchObject({ kind: 'refused', retryable: false });
  });

  it('never retries authentication, host keys, unknown names or handshake failures', () => {
    expect(classifyDialError(err('All configured authentication methods failed', { level: 'client-authentication' }))).toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    expect(classifyDialError(err('getaddrinfo ENOTFOUND x', { code: 'ENOTFOUND' }))).toMatchObject({ kind: 'dns', retryable: false });
    expect(classifyDialError(err('Handshake failed: no matching host key format', { level: 'handshake' }))).toMatchObject({
      kind: 'protocol',
      retryable: false,
    });
    const hostKeyError = {} as never;
    expect(classifyDialError(err('Host denied (verification failed)', { level: 'handshake' }), hostKeyError)).toMatchObject({
      kind: 'host-key',
      retryable: false,
    });
  });
});

describe('redact', () => {
  it('removes secrets, and every long line of a multi-line secret', () => {
    const key = '-----BEGIN KEY-----\nAAAABBBBCCCCDDDDEEEE\nFFFFGGGGHHHHIIIIJJJJ\n-----END KEY-----';
    expect(redact('pw=hunter22 line FFFFGGGGHHHHIIIIJJJJ', ['hunter22', key, undefined])).toBe('pw=[redacted] line [redacted]');
  });
});

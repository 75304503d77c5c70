import { PassThrough, Writable } from 'node:stream';
import { z } from 'zod';
import { DisconnectedError, QmpCommandError, QmpProtocolError, TimeoutError } from '../errors';
import { FAKE_GREETING, FakeQemu } from './fakeQemu.testkit';
import { QmpClient, type QmpClientOptions } from './qmpClient';
import type { QmpEvent } from './decoder';
import { VersionInfoSchema } from '../model';

const fakes: FakeQemu[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterEach(() => {
  for (const fake of fakes.splice(0)) fake.destroy();
});
afterAll(async () => {
  await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function fake(): FakeQemu {
  const qemu = new FakeQemu();
  fakes.push(qemu);
  return qemu;
}

async function connected(options: Partial<QmpClientOptions> = {}): Promise<{ qemu: FakeQemu; client: QmpClient }> {
  const qemu = fake();
  qemu.acceptCapabilities();
  qemu.greet();
  const client = await QmpClient.connect(qemu.io, { host: 'hostA', ...options });
  return { qemu, client };
}

const event = (name: string, seconds = 1): QmpEvent => ({ event: name, timestamp: { seconds, microseconds: 0 } });
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Record every timer armed from now on; `live()` counts those neither fired
 * nor cleared (Node marks both as _destroyed).
 */
function trackTimers(): { live: () => number; restore: () => void } {
  const real = global.setTimeout;
  const created: NodeJS.Timeout[] = [];
  const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
    const timer = real(fn, ms);
    created.push(timer);
    return timer;
  }) as unknown as typeof setTimeout);
  return {
    live: () => created.filter((t) => !(t as unknown as { _destroyed: boolean })._destroyed).length,
    restore: () => spy.mockRestore(),
  };
}

/** A QEMU whose stdin breaks (EPIPE) once `broken` is set. */
function breakableQemu(): { qemu: FakeQemu; output: Writable; breakPipe: () => void } {
  const qemu = fake();
  let broken = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (broken) callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      else qemu.stdin.write(chunk, callback);
    },
  });
  return { qemu, output, breakPipe: () => (broken = true) };
}

describe('QmpClient handshake', () => {
  it('reads the greeting, then sends qmp_capabilities with an id and no arguments', async () => {
    const { qemu, client } = await connected();
    expect(client.greeting).toEqual(FAKE_GREETING.QMP);
    expect(client.greeting.version.qemu.major).toBe(9);
    expect(qemu.received).toEqual([{ execute: 'qmp_capabilities', id: 1 }]);
    expect(client.host).toBe('hostA');
    client.close();
    await client.closed;
  });

  it('times out waiting for the greeting', async () => {
    const qemu = fake();
    const timers = trackTimers();
    const error = await QmpClient.connect(qemu.io, { host: 'hostA', greetingTimeoutMs: 30 }).catch((e: unknown) => e);
    timers.restore();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ stage: 'qmp-greeting', host: 'hostA', timeoutMs: 30 });
    expect(qemu.stdout.listenerCount('data')).toBe(0);
    expect(timers.live()).toBe(0);
  });

  it('rejects the greeting wait at once when QEMU exits first', async () => {
    const qemu = fake();
    const pending = QmpClient.connect(qemu.io, { host: 'hostA' });
    qemu.end();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DisconnectedError);
    expect(error).toMatchObject({ stage: 'qmp-greeting' });
    expect((error as Error).message).toContain('QEMU closed the QMP stream before sending its greeting');
  });

  it('rejects a reply before the greeting', async () => {
    const qemu = fake();
    qemu.send({ return: {}, id: 1 });
    const error = await QmpClient.connect(qemu.io, { host: 'hostA' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as Error).message).toContain('before its greeting');
  });

  it('turns a refused qmp_capabilities into a qmp-negotiate error', async () => {
    const qemu = fake();
    qemu.autoReplies.set('qmp_capabilities', (c) => ({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete' }, id: c.id }));
    qemu.greet();
    const error = await QmpClient.connect(qemu.io, { host: 'hostA' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect(error).toMatchObject({ stage: 'qmp-negotiate' });
    expect((error as Error).cause).toBeInstanceOf(QmpCommandError);
    expect((error as Error).message).toContain('CommandNotFound: Capabilities negotiation is already complete');
  });

  it('times out negotiation with stage qmp-negotiate', async () => {
    const qemu = fake();
    qemu.greet();
    const error = await QmpClient.connect(qemu.io, { host: 'hostA', commandTimeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ stage: 'qmp-negotiate' });
    expect((error as Error).message).toContain('qmp_capabilities');
  });
});

describe('QmpClient commands', () => {
  it('gives each command a unique id and matches replies by id, in any order', async () => {
    const { qemu, client } = await connected();
    const a = client.execute('query-version', undefined, VersionInfoSchema);
    const b = client.execute('query-target', { extra: [1] }, z.object({ arch: z.string() }));
    const first = await qemu.nextCommand();
    const second = await qemu.nextCommand();
    expect(first).toEqual({ execute: 'query-version', id: 2 });
    expect(second).toEqual({ execute: 'query-target', arguments: { extra: [1] }, id: 3 });
    qemu.send({ return: { arch: 'x86_64' }, id: second.id });
    qemu.send({ return: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'pkg' }, id: first.id });
    await expect(b).resolves.toEqual({ arch: 'x86_64' });
    await expect(a).resolves.toEqual({ qemu: { major: 7, minor: 2, micro: 22 }, package: 'pkg' });
    client.close();
  });

  it('delivers events that arrive before, between and after replies', async () => {
    const seen: string[] = [];
    const qemu = fake();
    qemu.acceptCapabilities();
    qemu.send(event('EARLY'));
    qemu.greet();
    const client = await QmpClient.connect(qemu.io, { host: 'hostA', onEvent: (e) => seen.push(e.event) });
    const a = client.execute('a', undefined, z.number());
    const b = client.execute('b', undefined, z.number());
    const ca = await qemu.nextCommand();
    const cb = await qemu.nextCommand();
    qemu.send(`${JSON.stringify(event('BEFORE'))}\r\n${JSON.stringify({ return: 1, id: ca.id })}\r\n`);
    qemu.send({ ...event('BETWEEN', 5), data: { k: 'v' } });
    qemu.send({ return: 2, id: cb.id });
    await expect(a).resolves.toBe(1);
    await expect(b).resolves.toBe(2);
    qemu.send(event('AFTER'));
    await tick();
    expect(seen).toEqual(['EARLY', 'BEFORE', 'BETWEEN', 'AFTER']);
    expect(client.events.map((e) => e.event)).toEqual(seen);
    expect(client.events[2]).toEqual({ event: 'BETWEEN', data: { k: 'v' }, timestamp: { seconds: 5, microseconds: 0 } });
    client.close();
  });

  it('survives an onEvent callback that throws', async () => {
    const { qemu, client } = await connected({ onEvent: () => { throw new Error('consumer bug'); } });
    const reply = client.execute('x', undefined, z.literal('ok'));
    const c = await qemu.nextCommand();
    qemu.send(event('BOOM'));
    qemu.send({ return: 'ok', id: c.id });
    await expect(reply).resolves.toBe('ok');
    client.close();
  });

  it('turns an error reply into a typed QmpCommandError', async () => {
    const { qemu, client } = await connected();
    const reply = client.execute('query-cpu-model-expansion', { type: 'static', model: { name: 'nope' } }, z.unknown());
    const c = await qemu.nextCommand();
    qemu.send({ error: { class: 'GenericError', desc: "CPU model 'nope' not found" }, id: c.id });
    const error = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpCommandError);
    expect(error).toMatchObject({
      errorClass: 'GenericError',
      desc: "CPU model 'nope' not found",
      command: 'query-cpu-model-expansion',
      host: 'hostA',
      stage: 'qmp-command',
    });
    expect((error as Error).message).toBe(
      "hostA: QMP command query-cpu-model-expansion failed with GenericError (qmp-command): CPU model 'nope' not found.",
    );
    // The session goes on.
    const next = client.execute('y', undefined, z.null());
    qemu.send({ return: null, id: (await qemu.nextCommand()).id });
    await expect(next).resolves.toBeNull();
    client.close();
  });

  it('lists every schema issue in one QmpProtocolError naming the command and host', async () => {
    const { qemu, client } = await connected();
    const schema = z.object({ name: z.string(), count: z.number(), tags: z.array(z.string()) });
    const reply = client.execute('query-thing', undefined, schema);
    const c = await qemu.nextCommand();
    qemu.send({ return: { name: 7, tags: ['a', 3] }, id: c.id });
    const error = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    const message = (error as Error).message;
    expect(message).toContain('hostA: ');
    expect(message).toContain('query-thing');
    expect(message).toContain('return.name: Expected string, received number');
    expect(message).toContain('return.count: Required');
    expect(message).toContain('return.tags.1: Expected string, received number');
    expect(client.isClosed).toBe(false);
    client.close();
  });

  it('times out one command, ignores its late reply, and keeps going', async () => {
    const { qemu, client } = await connected();
    const timers = trackTimers();
    const slow = client.execute('slow', undefined, z.unknown(), { timeoutMs: 25 });
    const c = await qemu.nextCommand();
    const error = await slow.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ stage: 'qmp-command', timeoutMs: 25, host: 'hostA' });
    expect((error as Error).message).toContain('QMP command slow got no reply');
    qemu.send({ return: 'late', id: c.id });
    const fast = client.execute('fast', undefined, z.string());
    qemu.send({ return: 'ok', id: (await qemu.nextCommand()).id });
    await expect(fast).resolves.toBe('ok');
    expect(client.isClosed).toBe(false);
    timers.restore();
    expect(timers.live()).toBe(0);
    client.close();
  });

  it('rejects every pending call with DisconnectedError when QEMU exits, and later calls at once', async () => {
    const { qemu, client } = await connected();
    const timers = trackTimers();
    const calls = ['query-a', 'query-b', 'query-c'].map((name) => client.execute(name, undefined, z.unknown()).catch((e: unknown) => e));
    timers.restore();
    expect(timers.live()).toBe(3);
    await qemu.nextCommand();
    qemu.end();
    const errors = await Promise.all(calls);
    errors.forEach((error, i) => {
      expect(error).toBeInstanceOf(DisconnectedError);
      expect(error).toMatchObject({ stage: 'qmp-command', host: 'hostA' });
      expect((error as Error).message).toContain(`QEMU closed the QMP stream while query-${'abc'[i]} was pending`);
    });
    await client.closed;
    expect(timers.live()).toBe(0);
    const later = await client.execute('query-d', undefined, z.unknown()).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(DisconnectedError);
    expect((later as Error).message).toContain('query-d was not sent');
  });

  it('treats an input stream error as a disconnect', async () => {
    const { qemu, client } = await connected();
    const call = client.execute('query-a', undefined, z.unknown()).catch((e: unknown) => e);
    qemu.stdout.destroy(new Error('channel reset'));
    const error = await call;
    expect(error).toBeInstanceOf(DisconnectedError);
    expect((error as Error).message).toContain('channel reset');
  });

  it.each([
    ['a garbage line', 'Segmentation fault\r\n', 'not JSON'],
    ['a reply with an unknown id', '{"return": {}, "id": 999}\r\n', 'unknown id'],
    ['a reply without an id', '{"error": {"class": "GenericError", "desc": "JSON parse error"}}\r\n', 'GenericError: JSON parse error'],
    ['a second greeting', `${JSON.stringify(FAKE_GREETING)}\r\n`, 'second QMP greeting'],
    ['an oversized message', `{"return": "${'x'.repeat(300)}`, 'longer than the limit'],
  ])('fails the whole session on %s', async (_name, text, expected) => {
    const { qemu, client } = await connected({ maxMessageBytes: 256 });
    const calls = [client.execute('one', undefined, z.unknown()), client.execute('two', undefined, z.unknown())].map((p) => p.catch((e: unknown) => e));
    await qemu.nextCommand();
    qemu.send(text);
    const errors = await Promise.all(calls);
    for (const [i, error] of errors.entries()) {
      expect(error).toBeInstanceOf(QmpProtocolError);
      expect(error).toMatchObject({ stage: 'qmp-protocol', host: 'hostA' });
      expect((error as Error).message).toContain(expected);
      expect((error as Error).message).toContain(`while ${['one', 'two'][i]} was pending`);
    }
    await client.closed;
    const later = await client.execute('three', undefined, z.unknown()).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(QmpProtocolError);
    expect((later as Error).message).toContain(expected);
  });

  it('treats a failed write (EPIPE) as a disconnect', async () => {
    const { qemu, output, breakPipe } = breakableQemu();
    qemu.acceptCapabilities();
    qemu.greet();
    const client = await QmpClient.connect({ input: qemu.stdout, output }, { host: 'hostA' });
    const first = client.execute('query-a', undefined, z.unknown()).catch((e: unknown) => e);
    await qemu.nextCommand();
    breakPipe();
    const error = await client.execute('query-b', undefined, z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DisconnectedError);
    expect((error as Error).message).toContain('hostA: QEMU stopped reading QMP commands while query-b was pending (qmp-command): write EPIPE.');
    expect(await first).toBeInstanceOf(DisconnectedError);
    await client.closed;
  });

  it('mentions a message cut off by the end of the stream', async () => {
    const { qemu, client } = await connected();
    const call = client.execute('query-a', undefined, z.unknown()).catch((e: unknown) => e);
    await qemu.nextCommand();
    qemu.send('{"return": {"na');
    qemu.end();
    expect(((await call) as Error).message).toContain('it ended inside a message, after 15 bytes of it');
  });

  it('close() is idempotent, rejects pending calls, and resolves closed', async () => {
    const { client } = await connected();
    const pending = client.execute('query-a', undefined, z.unknown()).catch((e: unknown) => e);
    client.close();
    client.close(new Error('ignored'));
    const error = await pending;
    expect(error).toBeInstanceOf(DisconnectedError);
    expect((error as Error).message).toContain('closed while query-a was pending');
    await client.closed;
  });

  it('close(reason) rejects pending and later calls with that reason', async () => {
    const { client } = await connected();
    const reason = new TimeoutError({ stage: 'launch', what: 'probe budget spent', timeoutMs: 1 });
    const pending = client.execute('query-a', undefined, z.unknown()).catch((e: unknown) => e);
    client.close(reason);
    expect(await pending).toBe(reason);
    expect(await client.execute('query-b', undefined, z.unknown()).catch((e: unknown) => e)).toBe(reason);
  });
});

describe('QmpClient.executeQuit', () => {
  it('resolves on the reply and ends the session', async () => {
    const { qemu, client } = await connected();
    const quit = client.executeQuit();
    const c = await qemu.nextCommand();
    expect(c.execute).toBe('quit');
    qemu.send({ ...event('SHUTDOWN'), data: { guest: false, reason: 'host-qmp-quit' } });
    qemu.send({ return: {}, id: c.id });
    await expect(quit).resolves.toBeUndefined();
    await client.closed;
    expect(client.events.map((e) => e.event)).toEqual(['SHUTDOWN']);
    await expect(client.execute('query-a', undefined, z.unknown())).rejects.toBeInstanceOf(DisconnectedError);
  });

  it('resolves when QEMU closes the stream without replying', async () => {
    const { qemu, client } = await connected();
    const quit = client.executeQuit();
    await qemu.nextCommand();
    qemu.end();
    await expect(quit).resolves.toBeUndefined();
  });

  it('resolves when writing quit hits EPIPE', async () => {
    const { qemu, output, breakPipe } = breakableQemu();
    qemu.acceptCapabilities();
    qemu.greet();
    const client = await QmpClient.connect({ input: qemu.stdout, output }, { host: 'hostA' });
    breakPipe();
    await expect(client.executeQuit()).resolves.toBeUndefined();
    await expect(client.execute('query-a', undefined, z.unknown())).rejects.toBeInstanceOf(DisconnectedError);
  });

  it('still rejects on garbage', async () => {
    const { qemu, client } = await connected();
    const quit = client.executeQuit();
    await qemu.nextCommand();
    qemu.send('garbage\n');
    await expect(quit).rejects.toBeInstanceOf(QmpProtocolError);
  });
});

describe('QmpClient over already-closed streams', () => {
  it('rejects connect at once', async () => {
    const input = new PassThrough();
    input.end();
    input.resume();
    await new Promise((r) => input.once('end', r));
    const error = await QmpClient.connect({ input, output: new PassThrough() }, { host: 'hostA' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DisconnectedError);
  });
});

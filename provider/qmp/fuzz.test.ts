import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { QemuCpuError, QmpProtocolError } from '../errors';
import { repoRoot } from '../../harness/paths';
import { decodeQmpLine, type QmpMessage } from './decoder';
import { FakeQemu } from './fakeQemu.testkit';
import { LineFramer } from './framer';
import { QmpClient } from './qmpClient';
import {
  CpuModelExpansionReplySchema,
  EmptyReplySchema,
  KvmInfoSchema,
  QueryCpuDefinitionsReplySchema,
  QueryMachinesReplySchema,
  TargetInfoSchema,
  VersionInfoSchema,
} from '../model';

interface Exchange {
  execute: string;
  arguments?: Record<string, unknown>;
  reply: Record<string, unknown>;
}

const fixturesDir = path.resolve(repoRoot, '../shared/fixtures/qmp');
const transcripts = fs
  .readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.qmp.json'))
  .sort()
  .map((name) => ({ name, exchanges: JSON.parse(fs.readFileSync(path.join(fixturesDir, name), 'utf8')) as Exchange[] }));
const exchanges = transcripts.flatMap((t) => t.exchanges.map((exchange) => ({ file: t.name, ...exchange })));

const SCHEMAS: Record<string, z.ZodTypeAny> = {
  qmp_capabilities: EmptyReplySchema,
  'query-version': VersionInfoSchema,
  'query-target': TargetInfoSchema,
  'query-kvm': KvmInfoSchema,
  'qom-list-properties': z.array(z.object({ name: z.string(), type: z.string() }).passthrough()),
  'query-machines': QueryMachinesReplySchema,
  'query-cpu-definitions': QueryCpuDefinitionsReplySchema,
  'query-cpu-model-expansion': CpuModelExpansionReplySchema,
};

/**
 * Frame and decode a whole byte stream fed in the given pieces; throws only if the layer does.
 * The stream is a session's middle (its greeting came before), so no line is skipped as a login shell's.
 */
function frameAndDecode(chunks: Uint8Array[], maxMessageBytes?: number): { messages: QmpMessage[]; errors: QmpProtocolError[] } {
  const framer = new LineFramer({ maxMessageBytes, beforeGreeting: false });
  const messages: QmpMessage[] = [];
  const errors: QmpProtocolError[] = [];
  const take = (out: { lines: string[]; error?: QmpProtocolError }): void => {
    for (const line of out.lines) {
      const decoded = decodeQmpLine(line, 'fuzz');
      if (decoded.ok) messages.push(decoded.message);
      else errors.push(decoded.error);
    }
    if (out.error) errors.push(out.error);
  };
  for (const chunk of chunks) take(framer.push(chunk));
  take(framer.end());
  for (const error of errors) {
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect(error.stage).toBe('qmp-protocol');
  }
  return { messages, errors };
}

/** Cut a buffer at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    pieces.push(bytes.subarray(start, p));
    start = p;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** Every path to an object member inside a JSON value. */
function memberPaths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(value)) value.forEach((v, i) => memberPaths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      out.push([...prefix, key]);
      memberPaths(v, [...prefix, key], out);
    }
  }
  return out;
}

function withoutMember(value: unknown, memberPath: (string | number)[]): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of memberPath.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  delete node[memberPath[memberPath.length - 1]];
  return copy;
}

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; mask: number } | { kind: 'delete'; pick: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

/** The reply line QEMU would have sent for an exchange, mutated. */
function mutatedReply(exchange: Exchange, id: number, mutation: Mutation): Buffer {
  const reply = { ...exchange.reply, id };
  if (mutation.kind === 'delete') {
    const paths = memberPaths(reply);
    return Buffer.from(`${JSON.stringify(withoutMember(reply, paths[mutation.pick % paths.length]))}\r\n`);
  }
  const bytes = Buffer.from(`${JSON.stringify(reply)}\r\n`);
  if (mutation.kind === 'truncate') return bytes.subarray(0, mutation.at % bytes.length);
  const flipped = Buffer.from(bytes);
  flipped[mutation.at % flipped.length] ^= mutation.mask;
  return flipped;
}

const qmpishLine = fc
  .dictionary(fc.constantFrom('QMP', 'return', 'error', 'event', 'id', 'timestamp', 'data', 'class', 'desc'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })
  .map((o) => JSON.stringify(o));

describe('[qmp-random-replies] fuzz: framer and decoder', () => {
  it('yield messages or typed errors for random bytes split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 1, max: 128 }), (bytes, offsets, max) => {
        frameAndDecode(cut(bytes, offsets), max);
      }),
      { numRuns: 300 },
    );
  });

  it('frame random text identically however it is split', () => {
    const lineArb = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), qmpishLine);
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 6 }), fc.array(fc.constantFrom('\r\n', '\n'), { minLength: 6, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 5 }), (lines, ends, offsets) => {
        const clean = lines.map((l) => l.replace(/[\r\n]/g, ''));
        const bytes = Buffer.from(clean.map((l, i) => l + ends[i]).join(''), 'utf8');
        const whole = frameAndDecode([bytes]);
        const split = frameAndDecode(cut(bytes, offsets));
        expect(split.messages).toEqual(whole.messages);
        expect(split.errors.map((e) => e.message)).toEqual(whole.errors.map((e) => e.message));
        expect(whole.messages.length + whole.errors.length).toBe(clean.filter((l) => l.trim() !== '').length);
      }),
      { numRuns: 200 },
    );
  });

  it('decode QMP-shaped random JSON to a message or a typed error', () => {
    fc.assert(
      fc.property(qmpishLine, (line) => {
        const result = decodeQmpLine(line);
        if (!result.ok) expect(result.error).toBeInstanceOf(QmpProtocolError);
      }),
      { numRuns: 300 },
    );
  });

  it('decode every recorded reply unchanged', () => {
    expect(exchanges.length).toBeGreaterThanOrEqual(50);
    for (const exchange of exchanges) {
      const { messages, errors } = frameAndDecode([Buffer.from(`${JSON.stringify({ ...exchange.reply, id: 1 })}\r\n`)]);
      expect(errors).toEqual([]);
      expect(messages).toHaveLength(1);
    }
  });

  it('decode mutated recorded replies to a message or a typed error', () => {
    fc.assert(
      fc.property(fc.nat(exchanges.length - 1), mutationArb, fc.array(fc.nat(), { maxLength: 3 }), (index, mutation, offsets) => {
        const { messages, errors } = frameAndDecode(cut(mutatedReply(exchanges[index], 1, mutation), offsets));
        expect(messages.length + errors.length).toBeGreaterThanOrEqual(mutation.kind === 'truncate' ? 0 : 1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('[qmp-random-replies] fuzz: client', () => {
  type Outcome = { value: unknown } | { error: unknown };
  const settle = (p: Promise<unknown>): Promise<Outcome> => p.then((value) => ({ value }), (error: unknown) => ({ error }));
  const expectTyped = (outcome: Outcome): void => {
    if ('error' in outcome) expect(outcome.error).toBeInstanceOf(QemuCpuError);
  };

  it('settles every call with a value or a typed error whatever QEMU sends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), qmpishLine.map((l) => Buffer.from(`${l}\r\n`))), { maxLength: 6 }),
        fc.boolean(),
        async (greet, chunks, endStream) => {
          const qemu = new FakeQemu();
          try {
            qemu.acceptCapabilities();
            if (greet) qemu.greet();
            const connecting = settle(QmpClient.connect(qemu.io, { host: 'fuzz', greetingTimeoutMs: 1000, commandTimeoutMs: 1000, maxMessageBytes: 256 }));
            let calls: Promise<Outcome>[] = [];
            if (greet) {
              const connected = await connecting;
              expect(connected).toHaveProperty('value');
              const client = (connected as { value: QmpClient }).value;
              calls = [settle(client.execute('a', undefined, z.unknown())), settle(client.execute('b', { x: 1 }, z.string()))];
              for (const chunk of chunks) qemu.stdout.write(chunk);
              if (endStream) qemu.end();
              else client.close();
            } else {
              for (const chunk of chunks) qemu.stdout.write(chunk);
              qemu.end();
              calls = [connecting];
            }
            for (const outcome of await Promise.all(calls)) expectTyped(outcome);
          } finally {
            qemu.destroy();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('replays every recorded exchange through the client with its schema', async () => {
    const qemu = new FakeQemu();
    try {
      qemu.acceptCapabilities();
      qemu.greet();
      const client = await QmpClient.connect(qemu.io, { host: 'replay' });
      // The transcripts hold their own qmp_capabilities exchanges.
      qemu.autoReplies.clear();
      for (const exchange of exchanges) {
        const call = client.execute(exchange.execute, exchange.arguments, SCHEMAS[exchange.execute]);
        const c = await qemu.nextCommand();
        expect({ execute: c.execute, arguments: c.arguments }).toEqual({ execute: exchange.execute, arguments: exchange.arguments });
        qemu.send({ ...exchange.reply, id: c.id });
        await expect(call).resolves.toBeDefined();
      }
      client.close();
    } finally {
      qemu.destroy();
    }
  }, 10_000);

  it('settles mutated recorded replies with a value or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(exchanges.length - 1), mutationArb, async (index, mutation) => {
        const exchange = exchanges[index];
        const qemu = new FakeQemu();
        try {
          qemu.acceptCapabilities();
          qemu.greet();
          const client = await QmpClient.connect(qemu.io, { host: 'fuzz' });
          qemu.autoReplies.clear();
          const call = settle(client.execute(exchange.execute, exchange.arguments, SCHEMAS[exchange.execute]));
          const c = await qemu.nextCommand();
          qemu.stdout.write(mutatedReply(exchange, c.id as number, mutation));
          // A truncated reply never completes: QEMU exiting is what settles it.
          qemu.end();
          const outcome = await call;
          expectTyped(outcome);
          if ('error' in outcome && !(outcome.error instanceof QmpProtocolError)) {
            expect(outcome.error).toHaveProperty('stage', expect.stringMatching(/^qmp-/));
          }
        } finally {
          qemu.destroy();
        }
      }),
      { numRuns: 60 },
    );
  }, 10_000);
});

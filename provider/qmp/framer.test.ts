import { QmpProtocolError } from '../errors';
import { DEFAULT_MAX_MESSAGE_BYTES, LineFramer, MAX_BYTES_BEFORE_GREETING, MAX_LINES_BEFORE_GREETING } from './framer';

const MESSAGES = [
  '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian €"}, "capabilities": ["oob"]}}',
  '{"return": {"model-id": "Ünïcødé 𝄞 CPU"}, "id": 1}',
  '{"event": "SHUTDOWN", "data": {"guest": false}, "timestamp": {"seconds": 1, "microseconds": 2}}',
  '{"return": {}, "id": 2}',
];
// \r\n (QMP's terminator), a bare \n, and blank lines in between.
const STREAM = Buffer.from(`${MESSAGES[0]}\r\n\r\n${MESSAGES[1]}\n\n   \r\n${MESSAGES[2]}\r\n${MESSAGES[3]}\r\n`, 'utf8');

function feed(framer: LineFramer, chunks: Buffer[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) {
    const out = framer.push(chunk);
    expect(out.error).toBeUndefined();
    lines.push(...out.lines);
  }
  return lines;
}

describe('LineFramer', () => {
  it('frames a stream split at every byte offset, multibyte characters and \\r\\n included', () => {
    expect(STREAM.length).toBeGreaterThan(Buffer.byteLength(MESSAGES.join(''), 'latin1'));
    for (let i = 0; i <= STREAM.length; i++) {
      const framer = new LineFramer();
      expect(feed(framer, [STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual(MESSAGES);
      expect(framer.pendingBytes).toBe(0);
    }
  });

  it('frames a short message split three ways at every pair of offsets', () => {
    const short = Buffer.from('{"return": "é€𝄞"}\r\n', 'utf8');
    for (let i = 0; i <= short.length; i++) {
      for (let j = i; j <= short.length; j++) {
        const lines = feed(new LineFramer(), [short.subarray(0, i), short.subarray(i, j), short.subarray(j)]);
        expect(lines).toEqual(['{"return": "é€𝄞"}']);
      }
    }
  });

  it('frames a stream fed one byte at a time, as Uint8Array', () => {
    const framer = new LineFramer();
    const lines: string[] = [];
    for (const byte of STREAM) lines.push(...framer.push(new Uint8Array([byte])).lines);
    expect(lines).toEqual(MESSAGES);
  });

  it('skips blank lines and accepts bare \\n', () => {
    const framer = new LineFramer();
    expect(framer.push(Buffer.from('\n\r\n \t\r\n{"a":1}\n{"b":2}\r\n\n')).lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(framer.end()).toEqual({ lines: [] });
  });

  it('accepts a line of exactly maxMessageBytes, even when its \\r arrives alone', () => {
    const framer = new LineFramer({ maxMessageBytes: 10, beforeGreeting: false });
    expect(framer.push(Buffer.from('0123456789\r')).error).toBeUndefined();
    expect(framer.pendingBytes).toBe(11);
    expect(framer.push(Buffer.from('\n')).lines).toEqual(['0123456789']);
    expect(new LineFramer({ maxMessageBytes: 10, beforeGreeting: false }).push(Buffer.from('0123456789\r\n')).lines).toEqual(['0123456789']);
  });

  it('fails on a complete line one byte over the limit, keeping the lines before it', () => {
    const framer = new LineFramer({ maxMessageBytes: 10, host: 'h1' });
    const out = framer.push(Buffer.from('{"ok":1}\r\n0123456789A\r\n{"never":1}\r\n'));
    expect(out.lines).toEqual(['{"ok":1}']);
    expect(out.error).toBeInstanceOf(QmpProtocolError);
    expect(out.error?.stage).toBe('qmp-protocol');
    expect(out.error?.host).toBe('h1');
    expect(out.error?.message).toContain('longer than the limit of 10 bytes');
  });

  it('fails as soon as a 64 MiB line passes the default limit, with bounded memory', () => {
    const mib = 1024 * 1024;
    const chunk = Buffer.alloc(mib, 0x61); // reused: the framer must not need 64 distinct MiB
    const framer = new LineFramer();
    expect(framer.maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    let failedAt = -1;
    let maxPending = 0;
    let firstError: QmpProtocolError | undefined;
    for (let i = 0; i < 64; i++) {
      const out = framer.push(chunk);
      maxPending = Math.max(maxPending, framer.pendingBytes);
      expect(framer.pendingBytes).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES + mib);
      if (out.error && failedAt < 0) {
        failedAt = i;
        firstError = out.error;
      }
      if (failedAt >= 0) {
        expect(out.error).toBe(firstError);
        expect(out.lines).toEqual([]);
        expect(framer.pendingBytes).toBe(0);
      }
    }
    // 32 MiB is still within the limit; the 33rd MiB passes it.
    expect(failedAt).toBe(32);
    expect(maxPending).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    expect(firstError?.message).toContain(`longer than the limit of ${DEFAULT_MAX_MESSAGE_BYTES} bytes`);
    expect(firstError!.message.length).toBeLessThan(600);
    expect(framer.push(Buffer.from('{"return":{}}\r\n')).error).toBe(firstError);
  });

  it('rejects invalid UTF-8', () => {
    const out = new LineFramer().push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
    expect(out.error).toBeInstanceOf(QmpProtocolError);
    expect(out.error?.message).toContain('not valid UTF-8');
  });

  it('reports a truncated message at end of stream', () => {
    const framer = new LineFramer();
    expect(framer.push(Buffer.from('{"return": {}, "id": 1}\r\n{"ret')).lines).toHaveLength(1);
    const out = framer.end();
    expect(out.error).toBeInstanceOf(QmpProtocolError);
    expect(out.error?.message).toContain('{\\"ret');
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new LineFramer({ maxMessageBytes: 0 })).toThrow(RangeError);
  });

  describe('before the greeting', () => {
    // What ~/.bashrc, ~/.zshenv or fish's config print on a real host, invalid UTF-8 and a lone '}' included.
    const NOISE = Buffer.concat([Buffer.from('Welcome to kvm-03!\r\n  \n$ fortune: ü\n}\n'), Buffer.from([0xff, 0xfe, 0x0a])]);

    it('skips lines that are not QMP, split anywhere, then frames the greeting and what follows', () => {
      const stream = Buffer.concat([NOISE, STREAM]);
      for (let i = 0; i <= stream.length; i++) {
        const framer = new LineFramer();
        expect(feed(framer, [stream.subarray(0, i), stream.subarray(i)])).toEqual(MESSAGES);
        expect(framer.skipped).toBe(4);
        expect(framer.endedBeforeGreeting()).toBeUndefined();
      }
    });

    it('skips nothing after the greeting: a later line that is not JSON goes to the decoder', () => {
      const framer = new LineFramer();
      expect(framer.push(Buffer.from(`${MESSAGES[0]}\r\nSegmentation fault\r\n`)).lines).toEqual([MESSAGES[0], 'Segmentation fault']);
    });

    it(`skips at most ${MAX_LINES_BEFORE_GREETING} lines, then fails naming the startup files`, () => {
      const line = (i: number) => `motd line ${i}\n`;
      const ok = new LineFramer();
      expect(ok.push(Buffer.from(Array.from({ length: MAX_LINES_BEFORE_GREETING }, (_, i) => line(i)).join(''))).error).toBeUndefined();
      expect(ok.push(Buffer.from(`${MESSAGES[0]}\n`)).lines).toEqual([MESSAGES[0]]);
      const over = new LineFramer({ host: 'h1' });
      const out = over.push(Buffer.from(Array.from({ length: MAX_LINES_BEFORE_GREETING + 1 }, (_, i) => line(i)).join('')));
      expect(out.error).toBeInstanceOf(QmpProtocolError);
      expect(out.error?.message).toMatch(/^h1: more than 200 lines or 65536 bytes that are not QMP came before QEMU's QMP greeting \(qmp-protocol\): the first was "motd line 0"; .*~\/\.bashrc/);
      expect(out.error?.message).toContain('interactive');
      expect(over.push(Buffer.from(`${MESSAGES[0]}\n`)).error).toBe(out.error);
    });

    it(`skips at most ${MAX_BYTES_BEFORE_GREETING} bytes`, () => {
      const framer = new LineFramer();
      const out = framer.push(Buffer.from(`${'x'.repeat(40_000)}\n${'y'.repeat(40_000)}\n`));
      expect(out.error?.message).toContain('65536 bytes that are not QMP');
      expect(out.error!.message.length).toBeLessThan(800);
    });

    it('says when the stream ends with only lines that are not QMP', () => {
      const framer = new LineFramer({ host: 'h1' });
      expect(framer.endedBeforeGreeting()).toBeUndefined();
      framer.push(Buffer.from('this is not QMP at all\r\n'));
      expect(framer.endedBeforeGreeting()?.message).toBe(
        'h1: QEMU\'s output ended without a QMP greeting (qmp-protocol): it printed 1 line(s) that are not JSON (QMP), the first "this is not QMP at all".',
      );
    });

    it('with an until line, skips only up to it: what follows it must be QMP', () => {
      const framer = new LineFramer({ beforeGreeting: { maxLines: 10, maxBytes: 1000, until: 'qemu-cpu:start-qemu' } });
      const out = framer.push(Buffer.from('Welcome!\nqemu-cpu:start-qemu\ngarbage from QEMU\n'));
      expect(out.lines).toEqual(['garbage from QEMU']);
      expect(framer.skipped).toBe(1);
    });

    it('keeps every line with beforeGreeting: false', () => {
      expect(new LineFramer({ beforeGreeting: false }).push(NOISE.subarray(0, 20)).lines).toEqual(['Welcome to kvm-03!']);
    });
  });
});

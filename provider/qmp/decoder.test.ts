import { QmpProtocolError } from '../errors';
import { decodeQmpLine, type QmpDecodeResult } from './decoder';

function ok(result: QmpDecodeResult) {
  if (!result.ok) throw result.error;
  return result.message;
}

function failure(result: QmpDecodeResult): QmpProtocolError {
  if (result.ok) throw new Error(`decoded ${JSON.stringify(result.message)}`);
  expect(result.error).toBeInstanceOf(QmpProtocolError);
  expect(result.error.stage).toBe('qmp-protocol');
  return result.error;
}

describe('decodeQmpLine', () => {
  it('decodes a greeting, keeping only VersionInfo members', () => {
    const line = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian", "extra": 1}, "capabilities": ["oob"]}}';
    expect(ok(decodeQmpLine(line))).toEqual({
      kind: 'greeting',
      greeting: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'Debian' }, capabilities: ['oob'] },
    });
  });

  it('decodes success replies with and without ids', () => {
    expect(ok(decodeQmpLine('{"return": [1, 2], "id": 7}'))).toEqual({ kind: 'return', value: [1, 2], hasId: true, id: 7 });
    expect(ok(decodeQmpLine('{"return": {}}'))).toEqual({ kind: 'return', value: {}, hasId: false });
    expect(ok(decodeQmpLine('{"return": null, "id": null}'))).toEqual({ kind: 'return', value: null, hasId: true, id: null });
  });

  it('decodes error replies', () => {
    expect(ok(decodeQmpLine('{"error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}, "id": "x"}'))).toEqual({
      kind: 'error', errorClass: 'CommandNotFound', desc: 'The command foo has not been found', hasId: true, id: 'x',
    });
  });

  it('decodes events with and without data', () => {
    expect(ok(decodeQmpLine('{"timestamp": {"seconds": 1795577705, "microseconds": 543674}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}'))).toEqual({
      kind: 'event',
      event: { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' }, timestamp: { seconds: 1795577705, microseconds: 543674 } },
    });
    expect(ok(decodeQmpLine('{"event": "STOP", "timestamp": {"seconds": -1, "microseconds": -1}}'))).toEqual({
      kind: 'event', event: { event: 'STOP', timestamp: { seconds: -1, microseconds: -1 } },
    });
  });

  it('rejects bad JSON, quoting at most 200 characters of the line', () => {
    const line = `{"return": ${'x'.repeat(5000)}`;
    const error = failure(decodeQmpLine(line, 'h1'));
    expect(error.host).toBe('h1');
    expect(error.message).toMatch(/^h1: QEMU sent a QMP line that is not JSON \(qmp-protocol\): /);
    expect(error.message).toContain(`"{\\"return\\": ${'x'.repeat(100)}`);
    expect(error.message).toContain(`(${line.length} characters)`);
    expect(error.message.length).toBeLessThan(500);
  });

  it('escapes control characters in the quote', () => {
    const error = failure(decodeQmpLine('\u0000\u001b[31mred'));
    expect(error.message).toContain('"\\u0000\\u001b[31mred"');
  });

  it.each([
    ['an array', '[1, 2]', 'not a JSON object'],
    ['a string', '"hello"', 'not a JSON object'],
    ['null', 'null', 'not a JSON object'],
    ['no known member', '{"foo": 1}', 'none of the members'],
    ['two kinds', '{"return": {}, "error": {"class": "a", "desc": "b"}}', 'more than one'],
    ['an error without desc', '{"error": {"class": "GenericError"}}', 'error.desc: Required'],
    ['a greeting without version', '{"QMP": {"capabilities": []}}', 'QMP.version: Required'],
    ['an event without timestamp', '{"event": "STOP"}', 'timestamp: Required'],
    ['an event with array data', '{"event": "STOP", "data": [], "timestamp": {"seconds": 1, "microseconds": 1}}', 'data: Expected object'],
  ])('rejects %s', (_name, line, expected) => {
    expect(failure(decodeQmpLine(line)).message).toContain(expected);
  });

  it('lists every issue of a malformed greeting', () => {
    const message = failure(decodeQmpLine('{"QMP": {"version": {"qemu": {"major": "7"}}, "capabilities": "oob"}}')).message;
    for (const path of ['QMP.version.qemu.major', 'QMP.version.qemu.minor', 'QMP.version.qemu.micro', 'QMP.version.package', 'QMP.capabilities']) {
      expect(message).toContain(path);
    }
  });
});

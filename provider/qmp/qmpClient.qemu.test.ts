import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { QmpClient } from './qmpClient';
import { VersionInfoSchema } from '../model';

const ARGV = ['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'none', '-accel', 'tcg', '-qmp', 'stdio'];

describe('QmpClient against a real QEMU', () => {
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('connects, runs query-version and quits', async () => {
    const started = Date.now();
    const proc = spawn('qemu-system-x86_64', ARGV, { stdio: ['pipe', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => resolve(code));
    });

    const client = await QmpClient.connect({ input: proc.stdout, output: proc.stdin }, { host: 'localhost', greetingTimeoutMs: 5000 });
    expect(client.greeting.version.qemu.major).toBeGreaterThanOrEqual(4);
    const version = await client.execute('query-version', undefined, VersionInfoSchema);
    expect(version).toEqual(client.greeting.version);
    await client.executeQuit();
    await client.closed;
    expect(client.events.map((e) => e.event)).toContain('SHUTDOWN');
    const code = await exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(Date.now() - started).toBeLessThan(2000);
  }, 10_000);
});

import { spawn } from 'node:child_process';

/**
 * Ask QEMU directly, without any qemu-cpu code: pipe commands into
 * `-qmp stdio` and collect the reply objects in order. The reference that
 * qemu-cpu's answers are compared against.
 */
export async function rawQmp(qemuArgs: readonly string[], commands: ReadonlyArray<{ execute: string; arguments?: unknown }>): Promise<unknown[]> {
  const child = spawn('qemu-system-x86_64', ['-S', '-nodefaults', '-no-user-config', '-display', 'none', ...qemuArgs, '-qmp', 'stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const input = [{ execute: 'qmp_capabilities' }, ...commands, { execute: 'quit' }].map((c) => JSON.stringify(c)).join('\n') + '\n';
  child.stdin.end(input);
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const messages = out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const replies = messages.filter((m) => 'return' in m || 'error' in m);
  if (replies.length < commands.length + 1) throw new Error(`raw QMP got ${replies.length} replies (exit ${code}): ${err}`);
  // Drop qmp_capabilities' reply and quit's.
  return replies.slice(1, 1 + commands.length).map((r) => (r as { return?: unknown }).return ?? r);
}

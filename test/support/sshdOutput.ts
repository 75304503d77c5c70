import type { ExitStatus, HostProcess, Transport } from '../../provider/transport/transport';

/** What a finished process printed and how it ended. */
export interface ProcessOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: ExitStatus;
}

/** Read a process's output to the end and wait for its exit. */
export async function collectOutput(proc: HostProcess): Promise<ProcessOutput> {
  const read = (stream: NodeJS.ReadableStream) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.once('end', () => resolve(text));
      stream.once('error', reject);
    });
  const [stdout, stderr, status] = await Promise.all([read(proc.stdout), read(proc.stderr), proc.exit]);
  return { stdout, stderr, status };
}

/** Spawn argv, optionally feed stdin, and collect everything. */
export async function runToEnd(transport: Transport, argv: readonly string[], stdin?: string): Promise<ProcessOutput> {
  const proc = await transport.spawn(argv);
  proc.stdin.end(stdin);
  return collectOutput(proc);
}

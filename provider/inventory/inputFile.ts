import { promises as fs } from 'node:fs';
import { ConfigError } from '../errors';
import { MAX_INPUT_FILE_BYTES } from './inputLimits';

/**
 * Read a user's input file (check file, inventory, ssh config) as UTF-8,
 * refusing one larger than MAX_INPUT_FILE_BYTES before reading it: its size
 * first, then (for pipes and devices, whose size is unknown) while reading.
 *
 * @param what - what the file is, for messages ("check file", "ssh config").
 * @throws ConfigError when the file is too large; the read error (with its code) when it cannot be read.
 */
export async function readInputFile(file: string, what: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size > MAX_INPUT_FILE_BYTES) throw tooLarge(file, what, `${stat.size} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(64 * 1024) });
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_INPUT_FILE_BYTES) throw tooLarge(file, what, `more than ${MAX_INPUT_FILE_BYTES} bytes`);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

function tooLarge(file: string, what: string, size: string): ConfigError {
  const why = `${size}; at most ${MAX_INPUT_FILE_BYTES} bytes (${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB) are read`;
  return new ConfigError({ what: `${what} ${file} is too large`, why, hint: `Give the ${what} itself, not a data file; split a larger fleet into several files.`, issues: [`${what} ${file} is too large: ${why}`] });
}

/**
 * POSIX single-quote one word. Inside single quotes nothing is special except
 * the quote itself, which is closed, escaped and reopened.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a NUL byte cannot be passed through a shell');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quote every element of an argv and join them into one command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Replace every occurrence of a secret in text from elsewhere (ssh2, the OS)
 * before it goes into a message: a belt to go with the braces of never
 * putting secrets into messages in the first place. Multi-line secrets (keys)
 * are redacted line by line too.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const pieces = secrets.flatMap((s) => (s ? [s, ...s.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 16)] : []));
  let out = text;
  for (const piece of pieces.sort((a, b) => b.length - a.length)) {
    if (piece.length >= 4) out = out.split(piece).join('[redacted]');
  }
  return out;
}

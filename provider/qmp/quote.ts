/** The most characters of a peer's line that an error message quotes. */
export const EXCERPT_CHARS = 200;

/**
 * A JSON-quoted excerpt of untrusted text for an error message: at most
 * {@link EXCERPT_CHARS} characters between the quotes, control characters
 * escaped, and the full length noted when the text was cut.
 */
export function quoteExcerpt(text: string, max = EXCERPT_CHARS): string {
  let body = '';
  let used = 0;
  while (used < text.length) {
    const char = String.fromCodePoint(text.codePointAt(used) as number);
    const escaped = JSON.stringify(char).slice(1, -1);
    if (body.length + escaped.length > max) break;
    body += escaped;
    used += char.length;
  }
  return used < text.length ? `"${body}"… (${text.length} characters)` : `"${body}"`;
}

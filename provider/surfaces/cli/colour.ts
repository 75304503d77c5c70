import type { CliIo } from './cliIo';

/** Text styles; identity functions when colour is off. */
export interface Palette {
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  bold(text: string): string;
}

const sgr = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function palette(io: CliIo): Palette {
  const on = io.isTty && !io.env.NO_COLOR;
  return on ? { good: sgr('32'), bad: sgr('1;31'), warn: sgr('33'), bold: sgr('1') } : { good: plain, bad: plain, warn: plain, bold: plain };
}

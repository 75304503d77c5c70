import type { z } from 'zod';
import { ConfigError, formatZodIssues } from '../errors';

/** Validate user input once, at the boundary, reporting every problem in one ConfigError. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, input: unknown, what: string, host?: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = formatZodIssues(parsed.error);
  throw new ConfigError({
    host,
    what: `invalid ${what}`,
    why: issues.join('; '),
    hint: 'Fix the listed fields and run again.',
    issues,
  });
}

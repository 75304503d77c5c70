import type { ZodError } from 'zod';

/** Every problem of a zod parse, one line each, prefixed with its path. */
export function formatZodIssues(error: ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

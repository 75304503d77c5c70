import type { ZodError } from 'zod';
import { escapeControl } from './qemuCpuError';

/** Every problem of a zod parse, one line each, prefixed with its path. */
export function formatZodIssues(error: ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    // Paths hold user-chosen keys and some messages quote the value given: one line each, whatever they hold.
    return escapeControl(path ? `${path}: ${issue.message}` : issue.message);
  });
}

export * from './stage';
export * from './qemuCpuError';
export * from './kinds';
export * from './errorKind';
export * from './problem';
export { formatZodIssues } from './zodIssues';

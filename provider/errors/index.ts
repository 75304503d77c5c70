export * from './stage';
export * from './qemuCpuError';
export * from './kinds';
export { formatZodIssues } from './zodIssues';

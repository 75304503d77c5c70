import { z } from 'zod';
import { formatZodIssues } from '../../errors';
import type { SelectionInputs } from '../../inventory';

/** The CLI's per-host time limit when neither the file nor the command line sets one: a gate wants every answer within a minute. */
export const DEFAULT_HOST_TIMEOUT_S = 60;

/**
 * How long a CLI run may wait on each host. A check file may set them beside
 * the CPU selection, and `--connect-timeout` / `--host-timeout` override the
 * file. They belong to the CLI run, not to CpuModelSelection's inputs.
 */
export const RunLimitsSchema = z
  .object({
    connectTimeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .optional()
      .describe("Seconds for each dial of every host and jump host (TCP connect, SSH banner, authentication); overrides each host's perDialTimeout and the ssh config's ConnectTimeout."),
    hostTimeout: z
      .number()
      .int()
      .min(1)
      .max(86400)
      .default(DEFAULT_HOST_TIMEOUT_S)
      .describe('Seconds one host may take to answer one question, connecting included; past it the host is undecided, and the error names the stage it was in.'),
  })
  .strict();
export type RunLimits = z.infer<typeof RunLimitsSchema>;

/** The command-line spellings of the limits. */
export const RUN_LIMIT_FLAGS = { connectTimeout: 'connect-timeout', hostTimeout: 'host-timeout' } as const;

/** parseArgs options for the limits, shared by probe, check and baseline. */
export const RUN_LIMIT_OPTIONS = {
  [RUN_LIMIT_FLAGS.connectTimeout]: { type: 'string' },
  [RUN_LIMIT_FLAGS.hostTimeout]: { type: 'string' },
} as const;

/** The limits given on the command line, and a line for each bad one. */
export function runLimitFlags(values: Readonly<Record<string, unknown>>): { flags: Partial<RunLimits>; issues: string[] } {
  const flags: Partial<RunLimits> = {};
  const issues: string[] = [];
  for (const key of Object.keys(RUN_LIMIT_FLAGS) as Array<keyof RunLimits>) {
    const text = values[RUN_LIMIT_FLAGS[key]];
    if (text === undefined) continue;
    const parsed = RunLimitsSchema.shape[key].safeParse(typeof text === 'string' && /^\d{1,6}$/.test(text) ? Number(text) : text);
    if (parsed.success && parsed.data !== undefined) flags[key] = parsed.data;
    else issues.push(`--${RUN_LIMIT_FLAGS[key]} must be a whole number of seconds from 1 to ${key === 'connectTimeout' ? 3600 : 86400} (got ${JSON.stringify(text)})`);
  }
  return { flags, issues };
}

/**
 * Take the limits out of a check file's body: the limits (validated, each
 * problem a line) and the rest, the CPU selection.
 */
export function splitRunLimits(doc: unknown): { limits: RunLimits; issues: string[]; selection: unknown } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { limits: RunLimitsSchema.parse({}), issues: [], selection: doc };
  const selection: Record<string, unknown> = { ...doc };
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(RUN_LIMIT_FLAGS)) {
    if (key in selection) {
      given[key] = selection[key];
      delete selection[key];
    }
  }
  const parsed = RunLimitsSchema.safeParse(given);
  if (parsed.success) return { limits: parsed.data, issues: [], selection };
  return { limits: RunLimitsSchema.parse({}), issues: formatZodIssues(parsed.error), selection };
}

/** Every host's and jump host's perDialTimeout set to `seconds`, when given. */
export function withConnectTimeout(inputs: SelectionInputs, seconds: number | undefined): SelectionInputs {
  if (seconds === undefined) return inputs;
  return {
    ...inputs,
    hosts: inputs.hosts.map((h) => ({ ...h, perDialTimeout: seconds, ...(h.proxy ? { proxy: { ...h.proxy, perDialTimeout: seconds } } : {}) })),
  };
}

/**
 * A check file's selection with the run limits applied, the command line's
 * (already validated by runLimitFlags) over the file's: every host's dial
 * timeout, and the per-host time limit in milliseconds.
 */
export function applyRunLimits(
  file: { inputs: SelectionInputs; limits: RunLimits },
  values: Readonly<Record<string, unknown>>,
): { inputs: SelectionInputs; hostTimeoutMs: number } {
  const limits = { ...file.limits, ...runLimitFlags(values).flags };
  return { inputs: withConnectTimeout(file.inputs, limits.connectTimeout), hostTimeoutMs: limits.hostTimeout * 1000 };
}

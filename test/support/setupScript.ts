import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../../harness/paths';

/**
 * Run an idempotent set-up script of scripts/ (it builds or unpacks a real
 * component the tests use) and return the last line of its stdout: the path
 * it provides. In CI a failure fails the suite; elsewhere (no network, no
 * apt, no Go) the first line of why comes back, so the tests that need the
 * component skip and say so.
 */
export function runSetupScript(script: string): { provided: string } | { skipped: string } {
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts', script)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return { provided: out.trim().split('\n').pop() ?? '' };
  } catch (err) {
    if (process.env.CI) throw err;
    return { skipped: (err as Error).message.split('\n')[0] };
  }
}

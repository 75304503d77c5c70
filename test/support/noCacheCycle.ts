/** What a CLI's JSON says of one answer's origin. */
export interface CachedAnswer {
  fromCache?: boolean;
  probedAt: string;
}

/**
 * The CLI cache contract, shared by `probe` and `check`: run, run again
 * (from the cache, same probedAt), run with --no-cache (QEMU asked again,
 * a later probedAt), run once more (from the cache the refresh wrote).
 * `run` gets the extra arguments and returns the answer its JSON holds.
 */
export async function expectNoCacheCycle(run: (extra?: string[]) => Promise<CachedAnswer>): Promise<void> {
  const first = await run();
  const again = await run();
  const refreshed = await run(['--no-cache']);
  const after = await run();
  expect([first.fromCache, again.fromCache, refreshed.fromCache, after.fromCache]).toEqual([undefined, true, undefined, true]);
  expect(again.probedAt).toBe(first.probedAt);
  expect(refreshed.probedAt > first.probedAt).toBe(true);
  expect(after.probedAt).toBe(refreshed.probedAt);
}

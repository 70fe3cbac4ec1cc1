/** Bounded parallelism for the store's writes (incident partitions, and the pipeline's groups of a page). */

/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight. After the first failure no new task starts and
 * running ones are told (`aborted()`) to stop before their next transaction; the first error is rethrown once
 * all have settled, so nothing keeps writing after the call has failed.
 */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number, aborted: () => boolean) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const aborted = (): boolean => failure !== undefined;
  const worker = async (): Promise<void> => {
    while (!aborted() && next < count) {
      const index = next;
      next += 1;
      try {
        await task(index, aborted);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure) throw failure.error;
}

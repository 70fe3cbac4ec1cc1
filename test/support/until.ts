// Waiting for a condition that no event announces (a worker thread ready, a port closed, a line printed).
// No deadline of its own: how long that takes on a loaded machine is not what a test asserts, only that it
// happens. The test's timeout bounds the wait: vitest aborts the test's `signal` when it runs out.

/** Resolves once `condition()` holds, asking every `pollMs`; rejects when `signal` aborts. */
export async function until(condition: () => boolean | Promise<boolean>, signal: AbortSignal, pollMs = 50): Promise<void> {
  while (!(await condition())) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

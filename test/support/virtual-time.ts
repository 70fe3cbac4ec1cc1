// Time for tests that must not depend on how loaded the machine is: a clock that only moves when the code under
// test waits (`sleep`) or when the test says an attempt's timer has run out (`expireAttempt`). Nothing here reads
// the wall clock or arms a real timer, so an outcome cannot change with the time a step happens to take.

export interface VirtualTime {
  /** Epoch ms on the virtual clock. */
  now(): number;
  /** Moves the clock, as time spent working would. */
  advance(ms: number): void;
  /** Every wait taken, in order. */
  readonly sleeps: number[];
  /** runQuery's `sleep`: takes no real time, moves the clock by `ms`. */
  sleep(ms: number): Promise<void>;
  /** runQuery's `attemptTimer`: a signal that aborts only when `expireAttempt()` is called. */
  attemptTimer(ms: number): AbortSignal;
  /** The attempt in flight ran out its timer: the clock moves by the attempt's timeout and the attempt is
   *  aborted. Attempts run one at a time here, so the attempt in flight is the one armed last. False when no
   *  attempt is armed. */
  expireAttempt(): boolean;
}

export function virtualTime(start = 0): VirtualTime {
  let now = start;
  const sleeps: number[] = [];
  let armed: { ms: number; controller: AbortController } | undefined;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleeps,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
    attemptTimer(ms) {
      armed = { ms, controller: new AbortController() };
      return armed.controller.signal;
    },
    expireAttempt() {
      if (!armed) return false;
      const { ms, controller } = armed;
      armed = undefined;
      now += ms;
      controller.abort(new DOMException(`attempt timed out after ${ms} ms (virtual)`, 'TimeoutError'));
      return true;
    },
  };
}

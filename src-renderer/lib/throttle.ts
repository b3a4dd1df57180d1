/**
 * A trailing-edge throttle for refetching on events: a burst of events (an installer reporting
 * progress, a boot's DHCP/TFTP/HTTP steps) costs one refetch at once and at most one more per
 * interval, and the last event of a burst is never lost.
 */

/** The clock the throttle runs on; tests pass a fake one. */
export interface ThrottleClock {
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const realClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A throttled action: `trigger` asks for it, `cancel` drops a pending run (on unmount). */
export interface Throttled {
  trigger: () => void;
  cancel: () => void;
}

/** throttle runs `fn` on the first trigger, then at most once per `ms`, always after the last. */
export function throttle(fn: () => void, ms: number, clock: ThrottleClock = realClock): Throttled {
  let last = Number.NEGATIVE_INFINITY;
  let pending: unknown;
  const run = (): void => {
    pending = undefined;
    last = clock.now();
    fn();
  };
  return {
    trigger() {
      if (pending !== undefined) return;
      const wait = last + ms - clock.now();
      if (wait <= 0) run();
      else pending = clock.setTimeout(run, wait);
    },
    cancel() {
      if (pending !== undefined) clock.clearTimeout(pending);
      pending = undefined;
    },
  };
}

/** A throttled batch: `push` queues an item for the next flush, `cancel` drops what is queued. */
export interface ThrottledBatch<T> {
  push: (item: T) => void;
  cancel: () => void;
}

/**
 * throttledBatch hands queued items to `flush` in arrival order, all at once: the first push
 * flushes at once, later ones at most once per `ms`, and the last push is never lost. While
 * waiting it keeps only the newest `max` items, so a stalled flush cannot grow without bound.
 */
export function throttledBatch<T>(
  flush: (items: T[]) => void,
  ms: number,
  max: number,
  clock: ThrottleClock = realClock,
): ThrottledBatch<T> {
  let queue: T[] = [];
  const throttled = throttle(
    () => {
      const items = queue;
      queue = [];
      if (items.length > 0) flush(items);
    },
    ms,
    clock,
  );
  return {
    push(item) {
      queue.push(item);
      if (queue.length > max) queue.shift();
      throttled.trigger();
    },
    cancel() {
      throttled.cancel();
      queue = [];
    },
  };
}

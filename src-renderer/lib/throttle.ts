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

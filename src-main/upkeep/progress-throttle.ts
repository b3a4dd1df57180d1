/**
 * Progress reports come per file and per MiB; front doors need a few per second. The throttle
 * passes on the first report of each phase and the one that completes it, and in between at most
 * one per interval, so the bar never ends short of full.
 */
import type { StoreVerifyProgress } from '../../src-shared/contract/store';

/** throttleProgress wraps `emit` so it sees at most one report per `intervalMs`, plus each phase's ends. */
export function throttleProgress(
  emit: (p: StoreVerifyProgress) => void,
  intervalMs: number,
  now: () => number = Date.now,
): (p: StoreVerifyProgress) => void {
  let lastAt = 0;
  let lastPhase: StoreVerifyProgress['phase'] | undefined;
  return (p) => {
    const t = now();
    const edge = p.phase !== lastPhase || p.files === p.totalFiles;
    if (!edge && t - lastAt < intervalMs) return;
    lastAt = t;
    lastPhase = p.phase;
    emit(p);
  };
}

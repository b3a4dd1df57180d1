import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useBridge } from './api';
import type { BootServeEvent, BootStep } from '../../src-shared/boot/events';
import { bootStep } from '../../src-shared/boot/steps';

/** How many served requests (and boot-log steps) the live log keeps in memory. */
const keep = 2000;

interface BootLog {
  /** Live events since the app opened (the rate chart needs their bytes and durations). */
  readonly events: readonly BootServeEvent[];
  /** Stored steps from SQLite followed by live ones, oldest first, each once. */
  readonly steps: readonly BootStep[];
}

const BootLogContext = createContext<BootLog>({ events: [], steps: [] });

const stepKey = (s: BootStep): string => `${s.at}|${s.protocol}|${s.stage}|${s.detail}`;

/** appendBounded adds items and keeps only the newest `keep`. */
function appendBounded<T>(list: readonly T[], items: readonly T[]): readonly T[] {
  const next = [...list, ...items];
  return next.length > keep ? next.slice(next.length - keep) : next;
}

/**
 * mergeSteps puts stored history before live steps, dropping live ones the store already returned
 * (an event can arrive while `boot.log` is in flight), and keeps time order.
 */
export function mergeSteps(stored: readonly BootStep[], live: readonly BootStep[]): BootStep[] {
  const seen = new Set(stored.map(stepKey));
  const merged = [...stored, ...live.filter((s) => !seen.has(stepKey(s)))];
  return merged.sort((a, b) => a.at - b.at);
}

/**
 * BootLogProvider listens to `boot.serve` for the whole session and loads the stored boot log once,
 * so the live log survives a reload and still holds what was served while another screen was open.
 */
export function BootLogProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const [events, setEvents] = useState<readonly BootServeEvent[]>([]);
  const [stored, setStored] = useState<readonly BootStep[]>([]);
  useEffect(
    () => bridge.on('boot.serve', (e) => setEvents((list) => appendBounded(list, [e]))),
    [bridge],
  );
  useEffect(() => {
    let live = true;
    void bridge.call('boot.log', { limit: keep }).then((result) => {
      // A failed history load leaves the live log working; the screen shows live steps only.
      if (live && result.ok) setStored(result.value);
    });
    return () => {
      live = false;
    };
  }, [bridge]);
  const steps = mergeSteps(stored, events.map(bootStep));
  return <BootLogContext.Provider value={{ events, steps }}>{children}</BootLogContext.Provider>;
}

/** useBootLog returns the requests served since the app opened, oldest first. */
export function useBootLog(): readonly BootServeEvent[] {
  return useContext(BootLogContext).events;
}

/** useBootSteps returns the boot log (stored, then live), oldest first. */
export function useBootSteps(): readonly BootStep[] {
  return useContext(BootLogContext).steps;
}

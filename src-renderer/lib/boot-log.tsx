import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useBridge } from './api';
import type { BootServeEvent, BootStep } from '../../src-shared/boot/events';
import { bootStep } from '../../src-shared/boot/steps';
import { throttledBatch } from './throttle';

/** How many served requests (and boot-log steps) the live log keeps in memory. */
const keep = 2000;

/**
 * How often at most the live log takes in new events. A booting rack sends dozens per second;
 * rendering each on its own would keep the page's main thread (and a laptop's cores) busy.
 */
const renderEveryMs = 200;

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

/** Live events and their steps, each step made once when its event arrives. */
interface Live {
  readonly events: readonly BootServeEvent[];
  readonly steps: readonly BootStep[];
}

/**
 * BootLogProvider listens to `boot.serve` for the whole session and loads the stored boot log once,
 * so the live log survives a reload and still holds what was served while another screen was open.
 * Events are taken in as batches, at most one per `renderEveryMs`.
 */
export function BootLogProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const [live, setLive] = useState<Live>({ events: [], steps: [] });
  const [stored, setStored] = useState<readonly BootStep[]>([]);
  useEffect(() => {
    const batch = throttledBatch<BootServeEvent>(
      (events) =>
        setLive((l) => ({
          events: appendBounded(l.events, events),
          steps: appendBounded(l.steps, events.map(bootStep)),
        })),
      renderEveryMs,
      keep,
    );
    const off = bridge.on('boot.serve', (e) => batch.push(e));
    return () => {
      off();
      batch.cancel();
    };
  }, [bridge]);
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
  const steps = useMemo(() => mergeSteps(stored, live.steps), [stored, live.steps]);
  const value = useMemo(() => ({ events: live.events, steps }), [live.events, steps]);
  return <BootLogContext.Provider value={value}>{children}</BootLogContext.Provider>;
}

/** useBootLog returns the requests served since the app opened, oldest first. */
export function useBootLog(): readonly BootServeEvent[] {
  return useContext(BootLogContext).events;
}

/** useBootSteps returns the boot log (stored, then live), oldest first. */
export function useBootSteps(): readonly BootStep[] {
  return useContext(BootLogContext).steps;
}

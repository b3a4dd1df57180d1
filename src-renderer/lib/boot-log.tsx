import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useBridge } from './api';
import type { BootServeEvent } from '../../src-shared/boot/events';

/** How many served requests the live log keeps in memory. */
const keep = 2000;

const BootLogContext = createContext<readonly BootServeEvent[]>([]);

/**
 * BootLogProvider listens to `boot.serve` for the whole session, so the live log and the rate
 * chart still hold what was served while another screen was open.
 */
export function BootLogProvider({ children }: { children: ReactNode }) {
  const bridge = useBridge();
  const [events, setEvents] = useState<readonly BootServeEvent[]>([]);
  useEffect(
    () =>
      bridge.on('boot.serve', (e) =>
        setEvents((list) => (list.length >= keep ? [...list.slice(1 - keep), e] : [...list, e])),
      ),
    [bridge],
  );
  return <BootLogContext.Provider value={events}>{children}</BootLogContext.Provider>;
}

/** useBootLog returns the requests served since the app opened, oldest first. */
export function useBootLog(): readonly BootServeEvent[] {
  return useContext(BootLogContext);
}

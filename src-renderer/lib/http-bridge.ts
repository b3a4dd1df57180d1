/**
 * The browser-console implementation of LabBootBridge: calls are `POST /api/call/<name>` and events
 * arrive as Server-Sent Events from `/api/events`, both carrying the per-run token in the
 * Authorization header. The event stream is read with fetch (EventSource cannot send headers, and
 * the token must not travel in URLs) and reconnects with backoff.
 */
import type { LabBootBridge } from '../../src-shared/contract/bridge';
import type { CallResult } from '../../src-shared/contract/result';

type Listener = (payload: unknown) => void;

export function createHttpBridge(token: string, base = ''): LabBootBridge {
  const listeners = new Map<string, Set<Listener>>();
  let streamStarted = false;

  const dispatch = (name: string, data: string): void => {
    const set = listeners.get(name);
    if (set === undefined) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data) as unknown;
    } catch {
      return;
    }
    for (const l of set) l(payload);
  };

  const readStream = async (): Promise<void> => {
    let delay = 500;
    for (;;) {
      try {
        const res = await fetch(`${base}/api/events`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (res.status === 401) return; // A stale token never becomes valid; stop retrying.
        if (!res.ok || res.body === null) throw new Error(`events: HTTP ${res.status}`);
        delay = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) dispatch(event, data.join('\n'));
          }
        }
      } catch {
        // Network hiccup or server restart: retry below.
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };

  return {
    async call(name, input) {
      try {
        const res = await fetch(`${base}/api/call/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
        return (await res.json()) as CallResult<never>;
      } catch (error) {
        return {
          ok: false,
          error: {
            code: 'offline',
            message: `LabBoot is not reachable (${String(error)}); is the console still running?`,
          },
        };
      }
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (set === undefined) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(listener as Listener);
      if (!streamStarted) {
        streamStarted = true;
        void readStream();
      }
      return () => void set.delete(listener as Listener);
    },
  };
}

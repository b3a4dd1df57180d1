/**
 * The browser-console implementation of LabBootBridge: calls are `POST /api/call/<name>` and events
 * arrive as Server-Sent Events from `/api/events`, both carrying the per-run token in the
 * Authorization header. The event stream is read with fetch (EventSource cannot send headers, and
 * the token must not travel in URLs) and reconnects with backoff, sending `Last-Event-ID` as an
 * EventSource would, so the server replays what was missed. When the server no longer has those
 * events it sends `labboot:resync`, and the page must fetch its state again.
 */
import {
  resyncEventName,
  type LabBootBridge,
  type LabBootFiles,
} from '../../src-shared/contract/bridge';
import { uploadImage } from './upload-image';
import type { CallResult } from '../../src-shared/contract/result';

type Listener = (payload: unknown) => void;

export interface HttpBridgeOptions {
  /** Origin of the console; '' for the page's own. */
  base?: string;
  /** The fetch to use; tests pass one that can cut the stream. */
  fetch?: typeof fetch;
  /** Called when the server says missed events are gone: refetch everything shown. */
  onResync?: () => void;
}

/** SseMessage is one dispatched Server-Sent Event. */
interface SseMessage {
  event: string;
  data: string;
}

/**
 * SseParser splits a text/event-stream into messages as the HTML standard does for the fields
 * LabBoot uses (`event`, `data`, `id`), and tracks the last event id, which is updated even by a
 * block without data.
 */
class SseParser {
  lastEventId: string | undefined;
  private buffer = '';

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const raw = colon < 0 ? '' : line.slice(colon + 1);
        const value = raw.startsWith(' ') ? raw.slice(1) : raw;
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
      }
      if (data.length > 0) messages.push({ event, data: data.join('\n') });
    }
    return messages;
  }

  /** reset drops a half-received block when a connection ends. */
  reset(): void {
    this.buffer = '';
  }
}

/** createHttpBridge builds the bridge for a console at `options.base` with `token`. */
export function createHttpBridge(
  token: string,
  options: HttpBridgeOptions = {},
): LabBootBridge & LabBootFiles<File> {
  const base = options.base ?? '';
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const listeners = new Map<string, Set<Listener>>();
  const parser = new SseParser();
  let streamStarted = false;

  const dispatch = ({ event, data }: SseMessage): void => {
    if (event === resyncEventName) {
      options.onResync?.();
      return;
    }
    const set = listeners.get(event);
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
        const res = await fetchImpl(`${base}/api/events`, {
          headers: {
            Authorization: `Bearer ${token}`,
            ...(parser.lastEventId === undefined ? {} : { 'Last-Event-ID': parser.lastEventId }),
          },
        });
        if (res.status === 401) return; // A stale token never becomes valid; stop retrying.
        if (!res.ok || res.body === null) throw new Error(`events: HTTP ${res.status}`);
        delay = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.push(value)) dispatch(message);
        }
      } catch {
        // Network hiccup, a dropped stream or a server restart: retry below.
      }
      parser.reset();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };

  return {
    async call(name, input) {
      try {
        const res = await fetchImpl(`${base}/api/call/${name}`, {
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
    uploadImage: (file, settings, onProgress) =>
      uploadImage(base, token, file, settings, onProgress),
  };
}

/**
 * exchangeLoginCode trades the one-time code from the URL the browser was opened with for the
 * per-run token (`POST /api/session`); the code works once and for a short time only.
 */
export async function exchangeLoginCode(
  code: string,
  options: Pick<HttpBridgeOptions, 'base' | 'fetch'> = {},
): Promise<{ token: string } | { error: string }> {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  try {
    const res = await fetchImpl(`${options.base ?? ''}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    const body = (await res.json()) as CallResult<{ token: string }>;
    if (body.ok && typeof body.value.token === 'string') return { token: body.value.token };
    return {
      error: body.ok ? 'LabBoot answered the sign-in without a token.' : body.error.message,
    };
  } catch (error) {
    return {
      error: `LabBoot is not reachable (${String(error)}); is the console still running?`,
    };
  }
}

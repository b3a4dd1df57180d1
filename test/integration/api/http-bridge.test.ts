import { afterEach, describe, expect, it } from 'vitest';
import { ApiHttpServer } from '../../../src-main/api/http-server';
import { Dispatcher } from '../../../src-main/api/dispatch';
import { defaultEventStreamLimits } from '../../../src-main/api/event-stream';
import { EventBus } from '../../../src-main/event-bus';
import type { Handlers } from '../../../src-main/api/handlers/types';
import type { EventPayload } from '../../../src-shared/contract/index';
import type { LabBootBridge } from '../../../src-shared/contract/bridge';
import { createHttpBridge, exchangeLoginCode } from '../../../src-renderer/lib/http-bridge';

// The browser console's contract client, run in Node against the real HTTP server. Its fetch is
// wrapped so the test can cut the event stream as a network drop would.

const token = 'T0ken';
const servers: ApiHttpServer[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  stops.splice(0).forEach((stop) => stop());
  await Promise.all(servers.splice(0).map((s) => s.dispose()));
});

async function setup(replay = defaultEventStreamLimits.replay): Promise<{
  server: ApiHttpServer;
  events: EventBus;
  base: string;
}> {
  const events = new EventBus();
  const server = new ApiHttpServer({
    dispatcher: new Dispatcher({} as Handlers),
    events,
    token,
    eventStream: { ...defaultEventStreamLimits, replay },
  });
  servers.push(server);
  const port = await server.listen(0);
  return { server, events, base: `http://127.0.0.1:${port}` };
}

/**
 * cuttableFetch records each event-stream request's headers and can abort the open one. After the
 * test it answers 401, which ends the client's reconnect loop for good.
 */
function cuttableFetch(): { fetch: typeof fetch; cut: () => void; streamHeaders: Headers[] } {
  const streamHeaders: Headers[] = [];
  const controllers: AbortController[] = [];
  let finished = false;
  const wrapped: typeof fetch = (input, init) => {
    if (!String(input).endsWith('/api/events')) return fetch(input, init);
    if (finished) return Promise.resolve(new Response(null, { status: 401 }));
    const controller = new AbortController();
    controllers.push(controller);
    streamHeaders.push(new Headers(init?.headers));
    return fetch(input, { ...init, signal: controller.signal });
  };
  const cut = (): void => controllers.forEach((c) => c.abort());
  stops.push(() => {
    finished = true;
    cut();
  });
  return { fetch: wrapped, cut, streamHeaders };
}

const line = (n: number): EventPayload<'system.log'> => ({
  at: '2026-01-01T00:00:00Z',
  level: 'info',
  component: 't',
  message: `event ${n}`,
});

function listen(bridge: LabBootBridge): string[] {
  const received: string[] = [];
  stops.push(bridge.on('system.log', (p) => received.push(p.message)));
  return received;
}

async function until(p: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!p()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the browser console client (http-bridge)', () => {
  it('receives every event exactly once across a dropped stream', async () => {
    const { server, events, base } = await setup();
    const net = cuttableFetch();
    let resyncs = 0;
    const bridge = createHttpBridge(token, { base, fetch: net.fetch, onResync: () => resyncs++ });
    const received = listen(bridge);
    await until(() => server.eventStreams.clients === 1, 'the stream to open');
    events.emit('system.log', line(1));
    events.emit('system.log', line(2));
    await until(() => received.length === 2, 'events 1 and 2');

    net.cut();
    await until(() => server.eventStreams.clients === 0, 'the stream to close');
    for (const n of [3, 4, 5]) events.emit('system.log', line(n));
    await until(() => received.length === 5, 'the missed events after reconnecting');
    events.emit('system.log', line(6));
    await until(() => received.length === 6, 'event 6');

    expect(received).toEqual([1, 2, 3, 4, 5, 6].map((n) => `event ${n}`));
    expect(net.streamHeaders.map((h) => h.get('last-event-id'))).toEqual([null, '2']);
    expect(resyncs).toBe(0);
  });

  it('asks the page to refetch when the missed events are no longer kept', async () => {
    const { server, events, base } = await setup({ maxEvents: 3, maxChars: 1_000_000 });
    const net = cuttableFetch();
    let resyncs = 0;
    const bridge = createHttpBridge(token, { base, fetch: net.fetch, onResync: () => resyncs++ });
    const received = listen(bridge);
    await until(() => server.eventStreams.clients === 1, 'the stream to open');
    events.emit('system.log', line(1));
    await until(() => received.length === 1, 'event 1');

    net.cut();
    await until(() => server.eventStreams.clients === 0, 'the stream to close');
    for (let n = 2; n <= 10; n += 1) events.emit('system.log', line(n));
    await until(() => resyncs === 1, 'the resync signal');
    events.emit('system.log', line(11));
    await until(() => received.length === 2, 'event 11');
    expect(received).toEqual(['event 1', 'event 11']);
  });

  it('trades a one-time code for the token once, then explains why it cannot again', async () => {
    const { server, base } = await setup();
    const code = /#code=(.+)$/.exec(server.issueBrowserUrl())![1]!;
    // A browser sends Origin with every POST; Node's fetch does not, so add it as the page would.
    const asPage: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers ?? {}), Origin: base } });
    expect(await exchangeLoginCode(code, { base, fetch: asPage })).toEqual({ token });
    const again = await exchangeLoginCode(code, { base, fetch: asPage });
    expect(again).toEqual({ error: expect.stringContaining('already used or has expired') });
    expect(await exchangeLoginCode(code, { base: 'http://127.0.0.1:1' })).toEqual({
      error: expect.stringContaining('not reachable'),
    });
  });
});

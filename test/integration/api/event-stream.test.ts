import { afterEach, describe, expect, it } from 'vitest';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { ApiHttpServer } from '../../../src-main/api/http-server';
import { Dispatcher } from '../../../src-main/api/dispatch';
import { defaultEventStreamLimits } from '../../../src-main/api/event-stream';
import { EventBus } from '../../../src-main/event-bus';
import type { Handlers } from '../../../src-main/api/handlers/types';
import type { Logger } from '../../../src-main/logger';
import type { EventPayload } from '../../../src-shared/contract/index';

const token = 'T0ken';
const started: ApiHttpServer[] = [];
const streams: ClientRequest[] = [];

afterEach(async () => {
  streams.splice(0).forEach((r) => r.destroy());
  await Promise.all(started.splice(0).map((s) => s.dispose()));
});

interface Setup {
  server: ApiHttpServer;
  events: EventBus;
  port: number;
  warnings: string[];
}

async function setup(replay = defaultEventStreamLimits.replay): Promise<Setup> {
  const events = new EventBus();
  const warnings: string[] = [];
  const log: Logger = { info: () => {}, warn: (_c, m) => warnings.push(m), error: () => {} };
  const server = new ApiHttpServer({
    dispatcher: new Dispatcher({} as Handlers),
    events,
    log,
    token,
    eventStream: { ...defaultEventStreamLimits, replay },
  });
  started.push(server);
  const port = await server.listen(0);
  return { server, events, port, warnings };
}

const line = (n: number): EventPayload<'system.log'> => ({
  at: '2026-01-01T00:00:00Z',
  level: 'info',
  component: 't',
  message: `event ${n}`,
});

/** openStream reads /api/events as text; `waitFor` polls what arrived, bounded in time. */
function openStream(
  port: number,
  headers: Record<string, string> = {},
): { text: () => string; waitFor: (p: (t: string) => boolean) => Promise<string> } {
  let text = '';
  const req = request(`http://127.0.0.1:${port}/api/events`, {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
  req.on('response', (res) => res.on('data', (d: Buffer) => (text += d.toString())));
  req.on('error', () => {});
  req.end();
  streams.push(req);
  return {
    text: () => text,
    waitFor: async (p) => {
      const deadline = Date.now() + 5000;
      while (!p(text)) {
        if (Date.now() > deadline) throw new Error(`stream never matched; got:\n${text}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return text;
    },
  };
}

/** messages lists the `event N` numbers and their ids in a chunk of stream text. */
function messages(text: string): { id: number; n: number }[] {
  return [...text.matchAll(/id: (\d+)\nevent: system\.log\ndata: .*"message":"event (\d+)"/g)].map(
    (m) => ({ id: Number(m[1]), n: Number(m[2]) }),
  );
}

async function until(p: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!p()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the console event stream', () => {
  it('gives every event an id and a fresh client the current position', async () => {
    const { events, port } = await setup();
    events.emit('system.log', line(0));
    const s = openStream(port);
    await s.waitFor((t) => t.includes(': connected'));
    expect(s.text()).toMatch(/^retry: 1000\nid: 1\n: connected\n\n/);
    events.emit('system.log', line(1));
    await s.waitFor((t) => messages(t).length === 1);
    expect(messages(s.text())).toEqual([{ id: 2, n: 1 }]);
  });

  it('replays exactly the missed events to a client that reconnects with Last-Event-ID', async () => {
    const { server, events, port } = await setup();
    const first = openStream(port);
    await first.waitFor((t) => t.includes(': connected'));
    events.emit('system.log', line(1));
    events.emit('system.log', line(2));
    await first.waitFor((t) => messages(t).length === 2);
    const lastSeen = messages(first.text()).at(-1)!.id;
    streams.pop()!.destroy();
    await until(() => server.eventStreams.clients === 0, 'the first stream to close');

    for (const n of [3, 4, 5]) events.emit('system.log', line(n));
    const second = openStream(port, { 'Last-Event-ID': String(lastSeen) });
    await second.waitFor((t) => messages(t).length === 3);
    events.emit('system.log', line(6));
    await second.waitFor((t) => messages(t).length === 4);
    expect(messages(second.text())).toEqual([
      { id: lastSeen + 1, n: 3 },
      { id: lastSeen + 2, n: 4 },
      { id: lastSeen + 3, n: 5 },
      { id: lastSeen + 4, n: 6 },
    ]);
    expect(second.text()).not.toContain('labboot:resync');
  });

  it('tells a client whose missed events are gone to fetch its state again', async () => {
    const { events, port } = await setup({ maxEvents: 5, maxChars: 1_000_000 });
    for (let n = 1; n <= 10; n += 1) events.emit('system.log', line(n));
    for (const lastEventId of ['2', '999', 'garbage']) {
      const s = openStream(port, { 'Last-Event-ID': lastEventId });
      await s.waitFor((t) => t.includes('labboot:resync'));
      expect(s.text(), lastEventId).toMatch(/id: 10\nevent: labboot:resync\ndata: \{"reason":"/);
      expect(messages(s.text())).toEqual([]);
    }
    const inRange = openStream(port, { 'Last-Event-ID': '7' });
    await inRange.waitFor((t) => messages(t).length === 3);
    expect(messages(inRange.text()).map((m) => m.n)).toEqual([8, 9, 10]);
  });

  it('drops a client that never reads instead of queueing for it without bound', async () => {
    const { server, events, port, warnings } = await setup();
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => {});
    await new Promise<void>((resolve) => slow.once('connect', resolve));
    slow.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    slow.pause();
    try {
      await until(() => server.eventStreams.clients === 1, 'the slow client to connect');
      const big = 'x'.repeat(16 * 1024);
      let maxBacklog = 0;
      let sent = 0;
      // ~64 MiB at most: far more than loopback socket buffers hold, so an unbounded queue shows.
      while (server.eventStreams.clients > 0 && sent < 4000) {
        for (let i = 0; i < 20; i += 1, sent += 1) {
          events.emit('system.log', { ...line(sent), message: `${big}${sent}` });
        }
        maxBacklog = Math.max(maxBacklog, server.eventStreams.backlogBytes);
        await new Promise((r) => setImmediate(r));
      }
      console.log(
        `slow client: ${sent} events (${(sent * big.length) >> 20} MiB) sent, still connected: ${server.eventStreams.clients > 0}, largest backlog ${maxBacklog} bytes`,
      );
      expect(server.eventStreams.clients).toBe(0);
      expect(maxBacklog).toBeLessThanOrEqual(
        defaultEventStreamLimits.maxClientBacklogBytes + 20 * (big.length + 200),
      );
      await until(() => warnings.length > 0, 'the drop to be logged');
      expect(warnings.join('\n')).toMatch(/dropped an event-stream client that stopped reading/);
    } finally {
      slow.destroy();
    }
  });
});

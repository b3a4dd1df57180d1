/**
 * The console's Server-Sent Events stream (`GET /api/events`). Every contract event is numbered and
 * kept in a bounded ring (`EventLog`); a client that reconnects with `Last-Event-ID` is sent exactly
 * the events it missed, or a `labboot:resync` event when they are gone. A client that stops reading
 * is dropped once its unsent bytes pass a limit, so one stalled tab cannot grow the process without
 * bound; it reconnects and resumes like any other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../event-bus';
import type { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import { EventLog, type EventLogLimits } from './event-log';

export interface EventStreamLimits {
  /** Unsent bytes a client may have queued before it is dropped. */
  maxClientBacklogBytes: number;
  /** How many recent events, and how many characters of them, are kept for resuming clients. */
  replay: EventLogLimits;
  heartbeatMs: number;
}

export const defaultEventStreamLimits: EventStreamLimits = {
  maxClientBacklogBytes: 1024 * 1024,
  replay: { maxEvents: 1000, maxChars: 2 * 1024 * 1024 },
  heartbeatMs: 15_000,
};

/** How long an EventSource waits before reconnecting, sent as the stream's `retry:` field. */
const retryMs = 1000;

interface Client {
  readonly res: ServerResponse;
  readonly close: () => void;
}

/** EventStreamHub fans contract events out to every open event stream. */
export class EventStreamHub implements Disposable {
  private readonly log: EventLog;
  private readonly clients = new Set<Client>();
  private readonly subscription: Disposable;

  constructor(
    events: EventBus,
    private readonly limits: EventStreamLimits = defaultEventStreamLimits,
    private readonly logger?: Logger,
  ) {
    this.log = new EventLog(limits.replay);
    this.subscription = events.subscribe((name, payload) => {
      const event = this.log.append(name, payload);
      for (const client of this.clients) this.send(client, event.frame);
    });
  }

  /** clientCount is the number of open streams. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** backlogBytes is what the open streams have queued but not yet handed to the kernel. */
  get backlogBytes(): number {
    let total = 0;
    for (const client of this.clients) total += client.res.writableLength;
    return total;
  }

  /** open answers one `GET /api/events` request (already authorised) and keeps it streaming. */
  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const lastEventId = req.headers['last-event-id'];
    const resume = typeof lastEventId === 'string' ? this.log.resumeAfter(lastEventId) : undefined;
    // A fresh client learns the current position so that its first reconnect can resume.
    const start = resume === undefined ? `id: ${this.log.lastId}\n` : '';
    res.write(`retry: ${retryMs}\n${start}: connected\n\n`);
    if (resume?.kind === 'replay') for (const event of resume.events) res.write(event.frame);
    if (resume?.kind === 'reset') res.write(this.log.resyncFrame(resume.reason));

    const client: Client = {
      res,
      close: () => {
        clearInterval(heartbeat);
        this.clients.delete(client);
      },
    };
    const heartbeat = setInterval(
      () => this.send(client, ': keep-alive\n\n'),
      this.limits.heartbeatMs,
    );
    heartbeat.unref();
    this.clients.add(client);
    req.on('close', client.close);
    res.on('close', client.close);
  }

  dispose(): void {
    this.subscription.dispose();
    for (const client of [...this.clients]) {
      client.close();
      client.res.end();
    }
  }

  private send(client: Client, frame: string): void {
    const backlog = client.res.writableLength;
    if (backlog > this.limits.maxClientBacklogBytes) {
      this.drop(client, backlog);
      return;
    }
    client.res.write(frame);
  }

  private drop(client: Client, backlog: number): void {
    client.close();
    client.res.destroy();
    // Logged after the current event has reached every client: the log line is an event too.
    queueMicrotask(() =>
      this.logger?.warn(
        'http-api',
        `dropped an event-stream client that stopped reading (${backlog} bytes unsent); it can reconnect and resume`,
      ),
    );
  }
}

/**
 * The recent-events ring behind the console's event stream. Every event gets the next integer id
 * and is kept, already framed for Server-Sent Events, until the ring's count or byte limit pushes
 * it out, so a client that reconnects with `Last-Event-ID` can be sent exactly what it missed.
 */
import { resyncEventName } from '../../src-shared/contract/bridge';

/** A framed event: `id:`, `event:` and `data:` lines and the blank line that ends it. */
export interface LoggedEvent {
  readonly id: number;
  readonly frame: string;
}

/** ResumePlan is what a reconnecting client gets: the missed events, or the order to start over. */
export type ResumePlan =
  | { readonly kind: 'replay'; readonly events: readonly LoggedEvent[] }
  | { readonly kind: 'reset'; readonly reason: string };

export interface EventLogLimits {
  maxEvents: number;
  maxChars: number;
}

/** EventLog numbers, frames and remembers recent events (a bounded ring). */
export class EventLog {
  private readonly ring: LoggedEvent[] = [];
  private head = 0;
  private chars = 0;
  private last = 0;

  constructor(private readonly limits: EventLogLimits) {}

  /** lastId is the id of the newest event, 0 before the first one. */
  get lastId(): number {
    return this.last;
  }

  /** size and charSize describe what the ring holds now (charSize in UTF-16 units, as held in memory). */
  get size(): number {
    return this.ring.length - this.head;
  }

  get charSize(): number {
    return this.chars;
  }

  /** append frames an event with the next id, remembers it and returns it. */
  append(name: string, payload: unknown): LoggedEvent {
    this.last += 1;
    const event = {
      id: this.last,
      frame: `id: ${this.last}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`,
    };
    this.ring.push(event);
    this.chars += event.frame.length;
    while (
      this.size > this.limits.maxEvents ||
      (this.chars > this.limits.maxChars && this.size > 1)
    )
      this.evictOldest();
    return event;
  }

  /**
   * resumeAfter plans a reconnect from `lastEventId` (the client's `Last-Event-ID` header): the
   * events after it if the ring still holds them all, otherwise a reset.
   */
  resumeAfter(lastEventId: string): ResumePlan {
    if (!/^\d{1,15}$/.test(lastEventId.trim())) {
      return { kind: 'reset', reason: 'the last event id is not one this server sent' };
    }
    const after = Number(lastEventId.trim());
    if (after > this.last) {
      return { kind: 'reset', reason: 'the last event id is from an earlier run of LabBoot' };
    }
    const oldest = this.size === 0 ? this.last + 1 : this.ring[this.head]!.id;
    if (after + 1 < oldest) {
      return { kind: 'reset', reason: 'the events since the last event id are no longer kept' };
    }
    return { kind: 'replay', events: this.ring.slice(this.head + (after + 1 - oldest)) };
  }

  /** resyncFrame is the frame that orders a reset and moves the client to the newest id. */
  resyncFrame(reason: string): string {
    return `id: ${this.last}\nevent: ${resyncEventName}\ndata: ${JSON.stringify({ reason })}\n\n`;
  }

  private evictOldest(): void {
    const oldest = this.ring[this.head]!;
    this.chars -= oldest.frame.length;
    this.head += 1;
    // Compact now and then so the array does not keep every evicted slot.
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring.splice(0, this.head);
      this.head = 0;
    }
  }
}

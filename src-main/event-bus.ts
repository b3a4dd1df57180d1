import { events, type EventName, type EventPayload } from '../src-shared/contract/index';
import type { Disposable } from './lifecycle';

/** EventListener receives every event pushed by the services, already validated. */
export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/**
 * EventBus carries contract events from services to the front doors (IPC, SSE, CLI). Payloads are
 * validated against the contract on emit so a service bug shows up at its source, not in the UI.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const parsed = events[name].payload.parse(payload) as EventPayload<E>;
    for (const listener of [...this.listeners]) {
      try {
        listener(name, parsed);
      } catch (error) {
        // A broken front door must not stop the others from receiving events.
        console.error(`[events] listener failed for ${name}:`, error);
      }
    }
  }

  subscribe(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

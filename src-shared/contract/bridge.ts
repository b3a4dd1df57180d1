import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './index';
import type { CallResult } from './result';

/**
 * LabBootBridge is all the renderer may touch of the main process: the preload exposes exactly this
 * as `window.labboot` (Electron), and the HTTP client implements it for the browser console.
 */
export interface LabBootBridge {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResult<CallOutput<N>>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/**
 * The event-stream event name that tells the browser console its missed events are gone and it
 * must fetch its state again. The colon keeps it apart from contract event names (`domain.event`).
 */
export const resyncEventName = 'labboot:resync';

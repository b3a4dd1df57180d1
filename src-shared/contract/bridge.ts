import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './index';
import type { CallResult } from './result';
import type { CustomImageView, ImageImportSettings } from './deploy';

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

/** Bytes of a file sent so far, of its size. */
export type UploadProgress = (sent: number, total: number) => void;

/**
 * What a transport may add to the bridge for a file the person picked in the page (`F` is the
 * DOM File; this layer has no DOM types). Each front door has one of the two ways, and the
 * renderer uses whichever is there.
 */
export interface LabBootFiles<F> {
  /**
   * Electron window: the picked file's path on this computer, so the main process reads the file
   * itself (`deploy.importImage`) and nothing is copied through the renderer.
   */
  readonly pathForFile?: (file: F) => string;
  /**
   * Browser console: streams the picked file to the console as a custom image, reporting the
   * bytes sent; resolves with the result `deploy.importImage` would give.
   */
  readonly uploadImage?: (
    file: F,
    settings: ImageImportSettings,
    onProgress: UploadProgress,
  ) => Promise<CallResult<CustomImageView>>;
}

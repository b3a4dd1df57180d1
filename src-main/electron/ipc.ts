/**
 * The Electron IPC transport of the contract. It only adapts messages to the dispatcher: one
 * `labboot:call` handler and one `labboot:event` push channel. Calls are accepted only from the main
 * frame of our own window showing our own UI; the decision is `isTrustedSender` (window-policy.ts),
 * this file only gathers the facts it needs.
 */
import { ipcMain, type BrowserWindow } from 'electron';
import type { Dispatcher } from '../api/dispatch';
import type { EventBus } from '../event-bus';
import type { Disposable } from '../lifecycle';
import { ipcChannels } from './ipc-channels';
import { isTrustedSender } from './window-policy';

/** serveIpc answers contract calls from `window` and pushes every contract event to it. */
export function serveIpc(
  window: BrowserWindow,
  dispatcher: Dispatcher,
  events: EventBus,
  rendererUrl: string,
): Disposable {
  ipcMain.handle(ipcChannels.call, async (event, name: unknown, input: unknown) => {
    const frame = event.senderFrame;
    const facts = {
      senderId: event.sender.id,
      windowId: window.webContents.id,
      isMainFrame: frame !== null && frame === window.webContents.mainFrame,
      frameUrl: frame?.url,
    };
    if (!isTrustedSender(facts, rendererUrl)) {
      return {
        ok: false,
        error: {
          code: 'untrusted-sender',
          message: 'Refused: the call did not come from the LabBoot window.',
        },
      };
    }
    return dispatcher.call(name, input);
  });
  const subscription = events.subscribe((name, payload) => {
    if (!window.isDestroyed()) window.webContents.send(ipcChannels.event, name, payload);
  });
  return {
    dispose: () => {
      subscription.dispose();
      ipcMain.removeHandler(ipcChannels.call);
    },
  };
}

/**
 * The Electron IPC transport of the contract. It only adapts messages to the dispatcher: one
 * `labboot:call` handler and one `labboot:event` push channel. Calls are accepted only from the main
 * frame of our own window at our own URL (the trusted-sender check GitHub Desktop and VS Code do).
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { Dispatcher } from '../api/dispatch';
import type { EventBus } from '../event-bus';
import type { Disposable } from '../lifecycle';
import { ipcChannels } from './ipc-channels';

export function serveIpc(
  window: BrowserWindow,
  dispatcher: Dispatcher,
  events: EventBus,
  isTrustedUrl: (url: string) => boolean,
): Disposable {
  const trusted = (event: IpcMainInvokeEvent): boolean =>
    event.sender.id === window.webContents.id &&
    event.senderFrame !== null &&
    event.senderFrame === window.webContents.mainFrame &&
    isTrustedUrl(event.senderFrame.url);

  ipcMain.handle(ipcChannels.call, async (event, name: unknown, input: unknown) => {
    if (!trusted(event)) {
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

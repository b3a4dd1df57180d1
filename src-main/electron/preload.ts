/**
 * The preload exposes exactly the LabBootBridge (`call`, `on`) and checks every name against the
 * contract before anything crosses to the main process. It runs sandboxed and is bundled as CJS.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isCallName, isEventName } from '../../src-shared/contract/index';
import type { LabBootBridge } from '../../src-shared/contract/bridge';
import { ipcChannels } from './ipc-channels';

const bridge: LabBootBridge = {
  call(name, input) {
    if (!isCallName(name)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'unknown-call', message: `There is no call named ${String(name)}.` },
      });
    }
    return ipcRenderer.invoke(ipcChannels.call, name, input);
  },
  on(name, listener) {
    if (!isEventName(name)) throw new Error(`There is no event named ${String(name)}.`);
    const wrapped = (_event: IpcRendererEvent, eventName: unknown, payload: unknown): void => {
      if (eventName === name) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(ipcChannels.event, wrapped);
    return () => void ipcRenderer.removeListener(ipcChannels.event, wrapped);
  },
};

contextBridge.exposeInMainWorld('labboot', bridge);

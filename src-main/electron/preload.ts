/**
 * The preload exposes exactly the LabBootBridge (`call`, `on`) and checks every name against the
 * contract before anything crosses to the main process; for a picked file it gives only its path
 * (`pathForFile`), which the main process then reads. It runs sandboxed and is bundled as CJS.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { isCallName, isEventName } from '../../src-shared/contract/index';
import type { LabBootBridge, LabBootFiles } from '../../src-shared/contract/bridge';
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

const files: LabBootFiles<Parameters<typeof webUtils.getPathForFile>[0]> = {
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('labboot', { ...bridge, ...files });

import type { BrowserWindowConstructorOptions } from 'electron';
import { minimumSize, type WindowBounds } from './window-state';

/**
 * secureWindowOptions is the one place the window's web preferences are set: the renderer gets no
 * Node, runs sandboxed in an isolated world, and reaches the main process only through the preload's
 * `window.labboot` bridge. A unit test asserts these values.
 */
export function secureWindowOptions(
  preloadPath: string,
  bounds: WindowBounds,
): BrowserWindowConstructorOptions {
  return {
    ...(bounds.x === undefined ? {} : { x: bounds.x }),
    ...(bounds.y === undefined ? {} : { y: bounds.y }),
    width: bounds.width,
    height: bounds.height,
    minWidth: minimumSize.width,
    minHeight: minimumSize.height,
    show: false,
    title: 'LabBoot',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

import type { BrowserWindowConstructorOptions } from 'electron';

/** WindowBounds is what the app remembers of its window between runs. */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export const defaultBounds: WindowBounds = { width: 1280, height: 820 };

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
    minWidth: 900,
    minHeight: 600,
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

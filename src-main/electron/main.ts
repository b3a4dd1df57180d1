/**
 * The Electron main process: one instance, one secure window, the same services as the console
 * behind IPC. This folder is the only place that imports `electron`.
 */
import { app, BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Dispatcher } from '../api/dispatch';
import { createHandlers } from '../api/handlers/index';
import { contentSecurityPolicy } from '../api/http-server';
import { resolveDataDir } from '../data-dir';
import { createServices, type Services } from '../services';
import { serveIpc } from './ipc';
import { defaultBounds, secureWindowOptions, type WindowBounds } from './window-options';

const windowStateKey = 'window.bounds';
const rendererIndex = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const rendererUrl = pathToFileURL(rendererIndex).href;
const preloadPath = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));

const dataDir = resolveDataDir(undefined);
app.setPath('userData', dataDir);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void run();
}

async function run(): Promise<void> {
  await app.whenReady();
  const services = await createServices({ dataDir, frontDoor: 'electron' });
  const window = createWindow(services);
  const dispatcher = new Dispatcher(createHandlers(services), services.log);
  const ipc = serveIpc(window, dispatcher, services.events, (url) => url === rendererUrl);

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void (async () => {
      await ipc.dispose();
      await services.dispose();
      app.exit(0);
    })();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  app.on('window-all-closed', () => app.quit());
}

function createWindow(services: Services): BrowserWindow {
  const bounds = services.settings.get<WindowBounds>(windowStateKey) ?? defaultBounds;
  const window = new BrowserWindow(secureWindowOptions(preloadPath, bounds));
  if (bounds.maximized === true) window.maximize();

  // The UI is a local file: no navigation away from it, no new windows, no permissions.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [contentSecurityPolicy],
      },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== rendererUrl) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });

  const save = (): void => {
    const b = window.getNormalBounds();
    services.settings.set(windowStateKey, {
      ...b,
      maximized: window.isMaximized(),
    } satisfies WindowBounds);
  };
  window.on('close', save);
  window.once('ready-to-show', () => window.show());
  void window.loadFile(join(rendererIndex));
  return window;
}

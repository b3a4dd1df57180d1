/**
 * The Electron main process: one instance, one secure window, the same services as the console
 * behind IPC. This folder is the only place that imports `electron`. Every decision (trusted
 * sender, navigation, new windows, CSP, permissions, window place) is a pure function in
 * window-policy.ts or window-state.ts; this file only wires them to Electron's hooks.
 */
import { app, BrowserWindow, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Dispatcher } from '../api/dispatch';
import { createHandlers } from '../api/handlers/index';
import { contentSecurityPolicy } from '../api/http-server';
import { resolveDataDir } from '../data-dir';
import { createServices, type Services } from '../services';
import { serveIpc } from './ipc';
import { secureWindowOptions } from './window-options';
import {
  navigationAllowed,
  permissionAllowed,
  windowOpenDecision,
  withContentSecurityPolicy,
} from './window-policy';
import { boundsToSave, restoreBounds } from './window-state';

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
  const ipc = serveIpc(window, dispatcher, services.events, rendererUrl);
  services.schedule.start();

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
  const primary = screen.getPrimaryDisplay();
  const workAreas = [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map(
    (d) => d.workArea,
  );
  const bounds = restoreBounds(services.settings.get<unknown>(windowStateKey), workAreas);
  const window = new BrowserWindow(secureWindowOptions(preloadPath, bounds));
  if (bounds.maximized === true) window.maximize();

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: withContentSecurityPolicy(details.responseHeaders, contentSecurityPolicy),
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(permissionAllowed(permission)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission) =>
    permissionAllowed(permission),
  );
  const guardNavigation = (event: { preventDefault: () => void }, url: string): void => {
    if (!navigationAllowed(url, rendererUrl)) event.preventDefault();
  };
  window.webContents.on('will-navigate', guardNavigation);
  window.webContents.on('will-redirect', guardNavigation);
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally !== undefined) void shell.openExternal(decision.openExternally);
    return { action: decision.action };
  });

  window.on('close', () =>
    services.settings.set(
      windowStateKey,
      boundsToSave(window.getNormalBounds(), window.isMaximized()),
    ),
  );
  window.once('ready-to-show', () => window.show());
  void window.loadFile(join(rendererIndex));
  return window;
}

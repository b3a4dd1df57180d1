import type { LabBootBridge } from '../../src-shared/contract/bridge';
import { createHttpBridge } from './http-bridge';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser console. */
    labboot?: LabBootBridge;
  }
}

const tokenKey = 'labboot.token';

/**
 * connectBridge picks the transport: the preload's IPC bridge inside Electron, otherwise HTTP with
 * the token from the URL fragment (`#token=…`), which is then removed from the address bar and kept
 * in sessionStorage so a reload still works.
 */
export function connectBridge(): LabBootBridge | { error: string } {
  if (window.labboot !== undefined) return window.labboot;
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  const token = match?.[1] ?? sessionStorage.getItem(tokenKey);
  if (token === null || token === undefined) {
    return {
      error:
        'This page needs the console URL with its token. Copy the line LabBoot printed: “LabBoot console: http://127.0.0.1:…/#token=…”.',
    };
  }
  sessionStorage.setItem(tokenKey, token);
  if (match !== null) history.replaceState(null, '', `${window.location.pathname}#/images`);
  return createHttpBridge(token);
}

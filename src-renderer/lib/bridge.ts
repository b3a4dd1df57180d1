import type { LabBootBridge, LabBootFiles } from '../../src-shared/contract/bridge';
import { createHttpBridge, exchangeLoginCode } from './http-bridge';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the browser console. */
    labboot?: LabBootBridge & LabBootFiles<File>;
  }
}

const tokenKey = 'labboot.token';

/**
 * connectBridge picks the transport: the preload's IPC bridge inside Electron, otherwise HTTP with
 * the token from the URL fragment. The fragment carries either the token itself (`#token=…`, the
 * line LabBoot prints) or a one-time code (`#code=…`, the URL handed to the browser opener) that is
 * traded for the token once. Either is then removed from the address bar, and the token is kept in
 * sessionStorage so a reload still works.
 */
export async function connectBridge(): Promise<
  (LabBootBridge & LabBootFiles<File>) | { error: string }
> {
  if (window.labboot !== undefined) return window.labboot;
  const hash = window.location.hash;
  const tokenMatch = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(hash);
  const codeMatch = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(hash);
  if (tokenMatch !== null || codeMatch !== null) {
    history.replaceState(null, '', `${window.location.pathname}#/images`);
  }
  let token = tokenMatch?.[1];
  if (token === undefined && codeMatch?.[1] !== undefined) {
    const traded = await exchangeLoginCode(codeMatch[1]);
    if ('error' in traded) return traded;
    token = traded.token;
  }
  token ??= sessionStorage.getItem(tokenKey) ?? undefined;
  if (token === undefined) {
    return {
      error:
        'This page needs the console URL with its token. Copy the line LabBoot printed: “LabBoot console: http://127.0.0.1:…/#token=…”.',
    };
  }
  sessionStorage.setItem(tokenKey, token);
  // Missed events are gone only after a long disconnect (sleep, a stalled tab): a reload is the
  // one way to be sure every screen shows current state again.
  return createHttpBridge(token, { onResync: () => window.location.reload() });
}

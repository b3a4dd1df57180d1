/**
 * Every security decision the desktop window makes, as pure functions over plain values: which IPC
 * sender is trusted, where the window may navigate, what a `window.open` does, which headers carry
 * the CSP, and which permissions are granted. This file must not import `electron`, so that unit
 * tests cover the decisions without launching a window; `main.ts` and `ipc.ts` only wire them.
 */

/**
 * sameDocument says whether two URLs name the same document. The fragment and query are ignored:
 * the UI routes by hash (`#/images`), and a frame's URL includes its fragment. file: URLs are
 * compared by path, others by origin and path.
 */
export function sameDocument(url: string, documentUrl: string): boolean {
  const a = parseUrl(url);
  const b = parseUrl(documentUrl);
  if (a === undefined || b === undefined || a.protocol !== b.protocol) return false;
  if (a.protocol === 'file:') return a.host === b.host && decodedPath(a) === decodedPath(b);
  return a.origin !== 'null' && a.origin === b.origin && decodedPath(a) === decodedPath(b);
}

/** SenderFacts is what the IPC adapter knows about the frame that sent a call. */
export interface SenderFacts {
  /** `event.sender.id` of the call. */
  senderId: number;
  /** `webContents.id` of our window. */
  windowId: number;
  /** Whether `event.senderFrame` is our window's main frame (not an iframe, not gone). */
  isMainFrame: boolean;
  /** `event.senderFrame.url`, or undefined when the frame is gone. */
  frameUrl: string | undefined;
}

/** isTrustedSender accepts a call only from our window's main frame showing our own UI. */
export function isTrustedSender(facts: SenderFacts, rendererUrl: string): boolean {
  return (
    facts.senderId === facts.windowId &&
    facts.isMainFrame &&
    facts.frameUrl !== undefined &&
    sameDocument(facts.frameUrl, rendererUrl)
  );
}

/** navigationAllowed lets the window load only its own UI document; everything else is refused. */
export function navigationAllowed(url: string, rendererUrl: string): boolean {
  return sameDocument(url, rendererUrl);
}

/**
 * WindowOpenDecision: a new window is never created; an https link is handed to the system
 * browser instead (help links), anything else is dropped.
 */
export interface WindowOpenDecision {
  action: 'deny';
  openExternally: string | undefined;
}

/** windowOpenDecision decides what a `window.open` or `target=_blank` link does. */
export function windowOpenDecision(url: string): WindowOpenDecision {
  const parsed = parseUrl(url);
  const external =
    parsed !== undefined &&
    parsed.protocol === 'https:' &&
    parsed.hostname !== '' &&
    parsed.username === '' &&
    parsed.password === ''
      ? parsed.href
      : undefined;
  return { action: 'deny', openExternally: external };
}

/** permissionAllowed answers every permission request (camera, notifications, …): the UI needs none. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/**
 * withContentSecurityPolicy returns response headers with exactly our CSP: any policy already there
 * (in any letter case) is replaced, so a response can never loosen it.
 */
export function withContentSecurityPolicy(
  headers: Record<string, string | string[]> | undefined,
  policy: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [policy];
  return out;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

/**
 * The window's remembered size and place, as pure functions: what is saved on close, and what is
 * restored on start from whatever the settings hold (an old format, hand edits, a display that is
 * gone). Must not import `electron`; `main.ts` passes in the displays' work areas.
 */

/** WindowBounds is what the app remembers of its window between runs. */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

/** Rect is a display work area or a window's bounds, in screen pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const defaultBounds: WindowBounds = { width: 1280, height: 820 };
export const minimumSize = { width: 900, height: 600 } as const;

/** How much of the window's top edge must lie on one display for its saved place to be kept. */
const visibleTitleBar = { width: 120, height: 32 } as const;

/**
 * restoreBounds turns saved settings into bounds that are safe to open: garbage falls back to the
 * default size; a place whose title bar is not on any current display is dropped (the window opens
 * centred); a place that is kept is pulled wholly inside its display, and the size never exceeds
 * the work area the window opens on.
 */
export function restoreBounds(saved: unknown, workAreas: readonly Rect[]): WindowBounds {
  const record = isRecord(saved) ? saved : {};
  const width = sizeOr(record['width'], defaultBounds.width, minimumSize.width);
  const height = sizeOr(record['height'], defaultBounds.height, minimumSize.height);
  const x = coordinate(record['x']);
  const y = coordinate(record['y']);
  const maximized = record['maximized'] === true;

  const home =
    x === undefined || y === undefined
      ? undefined
      : workAreas.find((area) => titleBarVisible({ x, y, width, height }, area));
  const fitTo = home ?? workAreas[0];
  const size =
    fitTo === undefined
      ? { width, height }
      : {
          width: Math.min(width, Math.max(1, Math.floor(fitTo.width))),
          height: Math.min(height, Math.max(1, Math.floor(fitTo.height))),
        };
  // A window found on a display is pulled wholly inside it, so a shrunk size cannot push it off.
  const place =
    home === undefined || x === undefined || y === undefined
      ? {}
      : {
          x: clamp(x, Math.ceil(home.x), Math.floor(home.x + home.width) - size.width),
          y: clamp(y, Math.ceil(home.y), Math.floor(home.y + home.height) - size.height),
        };
  return { ...place, ...size, ...(maximized ? { maximized } : {}) };
}

/** boundsToSave is what is written on close: the normal (unmaximized) bounds, in whole pixels. */
export function boundsToSave(normal: Rect, maximized: boolean): WindowBounds {
  return {
    x: Math.round(normal.x),
    y: Math.round(normal.y),
    width: Math.round(normal.width),
    height: Math.round(normal.height),
    maximized,
  };
}

function titleBarVisible(window: Rect, area: Rect): boolean {
  const left = Math.max(window.x, area.x);
  const right = Math.min(window.x + window.width, area.x + area.width);
  // The title bar's top must be inside the area: above it the window cannot be dragged back.
  const topInside = window.y >= area.y && window.y + visibleTitleBar.height <= area.y + area.height;
  return topInside && right - left >= visibleTitleBar.width;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sizes beyond any real display are garbage, not a request for a huge window. */
const maxSize = 16_384;

function sizeOr(value: unknown, fallback: number, minimum: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > maxSize) return fallback;
  return Math.max(minimum, Math.round(value));
}

function coordinate(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 10 * maxSize) {
    return undefined;
  }
  return Math.round(value);
}

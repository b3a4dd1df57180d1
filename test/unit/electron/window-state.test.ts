import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  boundsToSave,
  defaultBounds,
  minimumSize,
  restoreBounds,
  type Rect,
} from '../../../src-main/electron/window-state';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1410 };

function inside(window: Rect, area: Rect): boolean {
  return (
    window.x >= area.x &&
    window.y >= area.y &&
    window.x + window.width <= area.x + area.width &&
    window.y + window.height <= area.y + area.height
  );
}

describe('restoring the window place', () => {
  it('restores a saved place that is on a current display', () => {
    expect(restoreBounds({ x: 100, y: 80, width: 1200, height: 800 }, [laptop])).toEqual({
      x: 100,
      y: 80,
      width: 1200,
      height: 800,
    });
    expect(
      restoreBounds({ x: 2100, y: 50, width: 1600, height: 1000, maximized: true }, [
        laptop,
        rightMonitor,
      ]),
    ).toEqual({ x: 2100, y: 50, width: 1600, height: 1000, maximized: true });
  });

  it('centres the window on the primary display when its monitor is gone', () => {
    const saved = { x: 2100, y: 50, width: 2400, height: 1300 };
    expect(restoreBounds(saved, [laptop])).toEqual({ width: 1920, height: 1050 });
  });

  it('drops a place whose title bar is above or left of every display', () => {
    expect(restoreBounds({ x: 100, y: -500, width: 1000, height: 700 }, [laptop])).toEqual({
      width: 1000,
      height: 700,
    });
    expect(restoreBounds({ x: -990, y: 10, width: 1000, height: 700 }, [laptop])).toEqual({
      width: 1000,
      height: 700,
    });
  });

  it('pulls a partly visible window wholly onto its display', () => {
    expect(restoreBounds({ x: 1500, y: 900, width: 1000, height: 700 }, [laptop])).toEqual({
      x: 920,
      y: 350,
      width: 1000,
      height: 700,
    });
  });

  it('falls back to the default size for garbage settings', () => {
    for (const saved of [
      undefined,
      null,
      'big',
      42,
      [],
      { width: 'wide', height: null },
      { width: Number.NaN, height: Number.POSITIVE_INFINITY },
      { width: 1e9, height: 1e9 },
    ]) {
      expect(restoreBounds(saved, [laptop]), JSON.stringify(saved)).toEqual(defaultBounds);
    }
    expect(restoreBounds({ width: 10, height: -5 }, [laptop])).toEqual(minimumSize);
    expect(restoreBounds({ x: '10', y: 20, ...defaultBounds, maximized: 'yes' }, [laptop])).toEqual(
      defaultBounds,
    );
  });

  it('never places a window outside every display, whatever the settings hold', () => {
    const area = fc.record({
      x: fc.integer({ min: -5000, max: 5000 }),
      y: fc.integer({ min: -3000, max: 3000 }),
      width: fc.integer({ min: 640, max: 7680 }),
      height: fc.integer({ min: 480, max: 4320 }),
    });
    const number = fc.oneof(fc.double(), fc.integer({ min: -20_000, max: 20_000 }));
    const saved = fc.oneof(
      fc.anything(),
      fc.record(
        { x: number, y: number, width: number, height: number, maximized: fc.anything() },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(saved, fc.array(area, { minLength: 1, maxLength: 3 }), (s, areas) => {
        const b = restoreBounds(s, areas);
        expect(Number.isInteger(b.width) && b.width >= 1).toBe(true);
        expect(Number.isInteger(b.height) && b.height >= 1).toBe(true);
        if (b.x === undefined || b.y === undefined) {
          expect(b.x).toBeUndefined();
          expect(b.y).toBeUndefined();
        } else {
          const rect = { x: b.x, y: b.y, width: b.width, height: b.height };
          expect(areas.some((a) => inside(rect, a))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('saves whole pixels and the maximized flag, and restores what it saved', () => {
    const saved = boundsToSave({ x: 10.4, y: 20.6, width: 1000.2, height: 700.7 }, true);
    expect(saved).toEqual({ x: 10, y: 21, width: 1000, height: 701, maximized: true });
    expect(restoreBounds(JSON.parse(JSON.stringify(saved)), [laptop])).toEqual(saved);
  });
});

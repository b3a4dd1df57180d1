import { describe, expect, it } from 'vitest';
import type { StoreVerifyProgress } from '../../../src-shared/contract/store';
import { throttleProgress } from '../../../src-main/upkeep/progress-throttle';

const at = (
  phase: StoreVerifyProgress['phase'],
  files: number,
  totalFiles: number,
  bytes = 0,
): StoreVerifyProgress => ({ phase, files, totalFiles, bytes, totalBytes: 100 });

describe('throttleProgress', () => {
  it("passes at most one report per interval, plus each phase's first and completing report", () => {
    let t = 1_000;
    const seen: StoreVerifyProgress[] = [];
    const emit = throttleProgress(
      (p) => seen.push(p),
      250,
      () => t,
    );
    emit(at('checking', 0, 5));
    for (let i = 1; i < 5; i++) {
      t += 100;
      emit(at('checking', i, 5));
    }
    t += 10;
    emit(at('checking', 5, 5));
    // Fetching starts right after the check completed: shown though the interval has not passed.
    emit(at('fetching', 0, 1));
    t += 10;
    emit(at('fetching', 0, 1, 40));
    t += 10;
    emit(at('fetching', 1, 1, 100));
    expect(seen.map((p) => `${p.phase} ${p.files}/${p.totalFiles} ${p.bytes}`)).toEqual([
      'checking 0/5 0',
      'checking 3/5 0',
      'checking 5/5 0',
      'fetching 0/1 0',
      'fetching 1/1 100',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { DeployWatch, type DeploySnapshot } from '../../../src-main/testboot/deploy-watch';

const MiB = 1024 * 1024;
const total = 24 * MiB;

const row = (change: Partial<DeploySnapshot>): DeploySnapshot => ({
  state: 'deploying',
  phase: 'marked',
  bytes: 0,
  total,
  error: null,
  ...change,
});

/** Feeds a recorded sequence of deploy rows, one per second, and collects what the watch said. */
function replay(rows: readonly (DeploySnapshot | undefined)[]) {
  const watch = new DeployWatch();
  const labels: string[] = [];
  let verdict;
  rows.forEach((d, i) => {
    const update = watch.feed(d, i * 1000);
    labels.push(...update.milestones.map((m) => `${m.atMs / 1000} ${m.label}`));
    verdict = update.verdict;
  });
  return { labels, verdict };
}

describe('DeployWatch', () => {
  it('turns a whole deploy into started, writing at each quarter, verified and done', () => {
    const { labels, verdict } = replay([
      undefined,
      row({}),
      row({ phase: 'started' }),
      row({ phase: 'writing', bytes: 2 * MiB }),
      row({ phase: 'writing', bytes: 4 * MiB }),
      row({ phase: 'writing', bytes: 7 * MiB }),
      row({ phase: 'writing', bytes: 13 * MiB }),
      row({ phase: 'writing', bytes: 24 * MiB }),
      row({ phase: 'verifying', bytes: 24 * MiB }),
      row({ state: 'deployed', phase: 'done', bytes: 24 * MiB }),
    ]);
    expect(labels).toEqual([
      '2 installer started',
      '3 installer writing 8%',
      '5 installer writing 29%',
      '6 installer writing 54%',
      '7 installer writing 100%',
      '8 installer verified the image',
      '9 installer done',
    ]);
    expect(verdict).toEqual({ kind: 'done' });
  });

  it('fills in the phases a fast installer passed between two reads', () => {
    const { labels, verdict } = replay([
      row({}),
      row({ state: 'deployed', phase: 'done', bytes: total }),
    ]);
    expect(labels).toEqual([
      '1 installer started',
      '1 installer verified the image',
      '1 installer done',
    ]);
    expect(verdict).toEqual({ kind: 'done' });
  });

  it('ends with the installer’s own sentence when it fails, and says nothing after', () => {
    const sentence =
      'The disk /dev/vda holds 16777216 bytes (16 MiB), but custom/bios needs 25165824 bytes (24 MiB); deploy it to a machine with a larger disk, or use a smaller image.';
    const watch = new DeployWatch();
    watch.feed(row({}), 0);
    const failed = watch.feed(row({ state: 'failed', phase: 'failed', error: sentence }), 1000);
    expect(failed).toEqual({ milestones: [], verdict: { kind: 'failed', error: sentence } });
    const later = watch.feed(row({ state: 'deployed', phase: 'done' }), 2000);
    expect(later).toEqual({ milestones: [], verdict: { kind: 'failed', error: sentence } });
  });

  it('a failure without a sentence still says where to look', () => {
    const { verdict } = replay([
      row({ phase: 'started' }),
      row({ state: 'failed', phase: 'failed' }),
    ]);
    expect(verdict).toEqual({
      kind: 'failed',
      error: 'The installer failed without saying why; see the VM console.',
    });
  });

  it('a marked deploy nobody reported on yet has no milestone and no verdict', () => {
    expect(replay([row({}), row({})])).toEqual({ labels: [], verdict: undefined });
  });
});

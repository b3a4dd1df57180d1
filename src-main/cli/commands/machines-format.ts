import type { MachineView } from '../../../src-shared/contract/deploy';

/** formatBytes prints a byte count for people, as `12.3 MB` (decimal, like download tools). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** stateText is a machine's state as `labboot machines` shows it, e.g. `deploying 42%`. */
export function stateText(m: MachineView): string {
  switch (m.state) {
    case 'deploying':
      return m.phase === 'marked'
        ? 'deploying (waits for its network boot)'
        : `deploying ${m.percent ?? 0}% (${m.phase ?? ''})`;
    case 'deployed':
      return `deployed ${m.image ?? ''} at ${m.deployedAt ?? '?'}`;
    case 'failed':
      return `failed: ${m.error ?? 'no reason given'}`;
    case 'released':
      return m.erasePending ? 'released (erases its disk on its next boot)' : 'released';
    case 'new':
    case 'ephemeral':
      return m.state;
  }
}

/** stepLine is the line `labboot deploy --wait` prints when a machine's deploy moves on. */
export function stepLine(m: MachineView): string {
  switch (m.state) {
    case 'deploying':
      if (m.phase === 'marked')
        return `${m.mac}: marked for ${m.image ?? ''}; waiting for it to boot from the network`;
      if (m.phase === 'started')
        return `${m.mac}: installer started, writing ${m.disk ?? 'the disk'}`;
      if (m.phase === 'writing')
        return `${m.mac}: writing ${m.percent ?? 0}% (${formatBytes(m.bytes)} of ${formatBytes(m.total)})`;
      return `${m.mac}: ${m.phase ?? 'deploying'}`;
    case 'deployed':
      return `${m.mac}: deployed ${m.image ?? ''} to ${m.disk ?? 'its disk'}; it reboots into it`;
    case 'failed':
      return `${m.mac}: failed: ${m.error ?? ''}`;
    default:
      return `${m.mac}: ${stateText(m)}`;
  }
}

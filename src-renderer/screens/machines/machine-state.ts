/**
 * What a machine's deploy state says to a person: a short badge, its tone, and one line of detail
 * (the image and when it was deployed, why it failed, what its next network boot does).
 */
import type { MachineView } from '../../../src-shared/contract/deploy';

/** How a state badge is coloured. */
export type StateTone = 'ok' | 'warn' | 'error' | 'muted' | 'busy';

/** A machine's state as the Machines screen shows it. */
export interface StateSummary {
  readonly label: string;
  readonly tone: StateTone;
  readonly detail: string;
}

/** The words for the installer's phases while deploying. */
const PHASES: Record<string, string> = {
  marked: 'waiting for its next network boot to start the installer',
  started: 'installer started',
  writing: 'writing the disk',
  verifying: 'checking the sha256 of what it wrote',
};

/** phaseText names an installer phase in words (the phase itself when unknown). */
export function phaseText(phase: string | null): string {
  return phase === null ? '' : (PHASES[phase] ?? phase);
}

/** formatTime prints an ISO time as the person's local date and time. */
export function formatTime(iso: string): string {
  const at = new Date(iso);
  return `${at.toLocaleDateString()} ${at.toLocaleTimeString()}`;
}

/** stateSummary describes the machine's deploy state. */
export function stateSummary(m: MachineView): StateSummary {
  switch (m.state) {
    case 'new':
      return {
        label: 'new',
        tone: 'muted',
        detail: 'Seen on the network; it has not booted an image from LabBoot yet.',
      };
    case 'ephemeral':
      return {
        label: 'ephemeral',
        tone: 'muted',
        detail: 'Boots the RAM-only image; its disk is not touched.',
      };
    case 'deploying':
      return {
        label: 'deploying',
        tone: 'busy',
        detail: `${m.image ?? 'an image'} to disk ${m.disk ?? 'auto'}: ${phaseText(m.phase)}.`,
      };
    case 'deployed':
      return {
        label: 'deployed',
        tone: 'ok',
        detail: `${m.image ?? 'An image'}${m.deployedAt === null ? '' : ` at ${formatTime(m.deployedAt)}`}; its network boots go on to its disk.`,
      };
    case 'failed':
      return {
        label: 'failed',
        tone: 'error',
        detail: m.error ?? 'The deploy failed without a reason; see the machine console.',
      };
    case 'released':
      return {
        label: 'released',
        tone: 'muted',
        detail: m.erasePending
          ? 'Its next network boot erases the start and end of its disk, then it boots the RAM-only image.'
          : 'Boots the RAM-only image again.',
      };
  }
}

/** diskWords says which disk a deploy overwrites. */
export function diskWords(disk: string): string {
  return disk === 'auto'
    ? 'its first fixed disk that the running system does not use (auto)'
    : `its disk ${disk}`;
}

/** deployConfirmation is the sentence a person confirms before a deploy is marked. */
export function deployConfirmation(mac: string, image: string, disk: string): string {
  return `At its next network boot, ${mac} runs the installer, which writes ${image} over ${diskWords(disk)}. Everything on that disk will be overwritten and lost.`;
}

/** The rule for a disk named by hand, as the deploy service checks it. */
export const DISK_PATH = /^\/dev\/[a-z0-9][a-z0-9._-]{0,40}$/;

/** diskProblem says what is wrong with a disk typed by hand (undefined when it is fine). */
export function diskProblem(disk: string): string | undefined {
  if (disk === '') return 'Name the disk, like /dev/sda or /dev/nvme0n1.';
  if (!DISK_PATH.test(disk))
    return 'A disk is /dev/ and its name in lower case, like /dev/sda or /dev/nvme0n1.';
  return undefined;
}

/** canRelease: release makes sense once a deploy was asked for (marked, deployed or failed). */
export function canRelease(m: MachineView): boolean {
  return m.state === 'deploying' || m.state === 'deployed' || m.state === 'failed';
}

/** writing: the installer is writing the disk now, so a new deploy must wait. */
export function writing(m: MachineView): boolean {
  return m.state === 'deploying' && m.phase !== null && m.phase !== 'marked';
}

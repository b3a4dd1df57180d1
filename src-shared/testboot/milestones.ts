/**
 * The stages a test boot can be seen to pass on the VM's serial console, in boot order, with the
 * console lines that mark each. Milestones are judged from what the console printed, never from
 * elapsed time alone. Pure.
 */

/** A stage of a test boot. */
export const TEST_BOOT_MILESTONES = [
  'firmware',
  'network',
  'boot-script',
  'kernel-loaded',
  'kernel',
  'initramfs',
  'login',
  'cloud-init',
  'installer',
] as const;
export type TestBootMilestone = (typeof TEST_BOOT_MILESTONES)[number];

/** What each milestone means, for people. */
export const MILESTONE_LABELS: Readonly<Record<TestBootMilestone, string>> = {
  firmware: 'firmware started',
  network: 'network boot ROM got an address',
  'boot-script': "LabBoot's boot script loaded",
  'kernel-loaded': 'kernel and initramfs downloaded',
  kernel: 'kernel started',
  initramfs: 'initramfs running',
  login: 'login prompt',
  'cloud-init': 'cloud-init finished',
  installer: 'installer reported',
};

/** The milestones that end a test boot as a success. */
export const SUCCESS_MILESTONES: readonly TestBootMilestone[] = [
  'login',
  'cloud-init',
  'installer',
];

/**
 * Console patterns per milestone. The kernel milestone is also reached by any other console line
 * once the bootloader handed over (see `ConsoleWatch`), so `quiet` does not hide a kernel that runs.
 */
export const MILESTONE_PATTERNS: Readonly<Record<TestBootMilestone, RegExp>> = {
  firmware:
    /SeaBIOS \(version|BdsDxe: |iPXE initialising devices|Open Source Network Boot Firmware/,
  network: /net\d+: \d+\.\d+\.\d+\.\d+\/|Station IP address is/,
  'boot-script': /boot\.ipxe\.\.\. ok|Booting under LabBoot direction|Welcome to GRUB|PXELINUX \d/,
  'kernel-loaded': /boot-initrd\.\.\. ok/,
  kernel: /Linux version \d|^\[\s*\d+\.\d+\] /m,
  initramfs:
    /Run \/init as init process|Begin: Loading essential drivers|Loading, please wait|dracut-\S+: |LABBOOT-INIT/,
  login: /^\S+ login: ?$/m,
  'cloud-init': /Cloud-init v\. \S+ finished at/,
  installer: /labboot-installer: (?:done|report(?:ed)? done)/,
};

/** Console lines that mean the boot cannot go on: the VM is stopped and the line quoted. */
export const FAILURE_PATTERNS: readonly RegExp[] = [
  /Could not boot(?: image)?: .*/,
  /No more network devices/,
  /No bootable device\./,
  /Kernel panic - not syncing: .*/,
];

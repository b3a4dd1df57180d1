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
  'installer-started',
  'installer-writing',
  'installer-verified',
  'installer-done',
  'local-boot',
  'disk-kernel',
  'disk-login',
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
  'installer-started': 'installer started',
  'installer-writing': 'installer writing the disk',
  'installer-verified': 'installer verified the image',
  'installer-done': 'installer done',
  'local-boot': 'LabBoot answered the next network boot with local boot',
  'disk-kernel': "kernel started from the VM's own disk",
  'disk-login': "login prompt from the VM's own disk",
};

/** Milestones a deploy test boot takes from the installer's reports rather than the console. */
export const INSTALLER_REPORT_MILESTONES: readonly TestBootMilestone[] = [
  'installer-started',
  'installer-writing',
  'installer-verified',
  'installer-done',
];

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
  // Judged from the installer's reports (see DeployWatch), never from the console.
  'installer-started': /(?!)/,
  'installer-writing': /(?!)/,
  'installer-verified': /(?!)/,
  'installer-done': /(?!)/,
  'local-boot': /Booting local disk under LabBoot direction/,
  // Read by ConsoleWatch only once the installer is done and the local boot began.
  'disk-kernel': /(?!)/,
  'disk-login': /(?!)/,
};

/** Console lines that mean the boot cannot go on: the VM is stopped and the line quoted. */
export const FAILURE_PATTERNS: readonly RegExp[] = [
  /Could not boot(?: image)?: .*/,
  /No more network devices/,
  /No bootable device\./,
  /Kernel panic - not syncing: .*/,
];

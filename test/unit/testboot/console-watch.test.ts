import { describe, expect, it } from 'vitest';
import { ConsoleWatch } from '../../../src-main/testboot/console-watch';

const ESC = String.fromCharCode(27);

/** A BIOS test boot's console as QEMU's iPXE ROM and the kernel print it (iPXE wraps at 80). */
const biosConsole = [
  `${ESC}c${ESC}[?7l${ESC}[2J${ESC}[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n`,
  'iPXE initialising devices...ok\r\n',
  'Configuring (net0 52:54:00:78:25:ba)...... ok\r\n',
  'net0: 10.0.2.15/255.255.255.0 gw 10.0.2.2\r\n',
  'http://10.0.2.2:45083/boot.ipxe... ok\r\n',
  'Booting under LabBoot direction...\r\n',
  'http://10.0.2.2:45083/images/85667e6/ubuntu/amd64/ga-22.04/jammy/stable/boot-ker\r\n',
  'nel... ok\r\n',
  'http://10.0.2.2:45083/images/e3331b0/ubuntu/amd64/ga-22.04/jammy/stable/boot-ini\r\n',
  'trd... ok\r\n',
];

const kernelLines = [
  `Probing EDD (edd=off to disable)... o${ESC}c${ESC}[?7l${ESC}[2J[    0.000000] Linux version 6.1.0-57-amd64\r\n`,
  '[    1.911200] Run /init as init process\r\n',
];

describe('ConsoleWatch', () => {
  it('reaches each milestone at the time its line arrived, across wrapped lines, and succeeds at a login prompt', () => {
    const watch = new ConsoleWatch(45_000);
    biosConsole.forEach((chunk, i) => expect(watch.feed(chunk, i * 100).verdict).toBeUndefined());
    expect(watch.feed(kernelLines.join(''), 5000).verdict).toBeUndefined();
    // A getty prompt waits for input without a newline.
    const end = watch.feed('\r\nlabboot-e2e login: ', 6000);
    expect(end.verdict).toEqual({ kind: 'success', milestone: 'login' });
    expect(watch.milestones()).toEqual([
      { id: 'firmware', atMs: 0 },
      { id: 'network', atMs: 300 },
      { id: 'boot-script', atMs: 400 },
      { id: 'kernel-loaded', atMs: 900 },
      { id: 'kernel', atMs: 5000 },
      { id: 'initramfs', atMs: 5000 },
      { id: 'login', atMs: 6000 },
    ]);
  });

  it('reads the same milestones when chunks split lines and escape sequences anywhere', () => {
    const text = [...biosConsole, ...kernelLines, 'host login: '].join('');
    const whole = new ConsoleWatch(45_000);
    whole.feed(text, 0);
    const pieces = new ConsoleWatch(45_000);
    for (let i = 0; i < text.length; i += 7) pieces.feed(text.slice(i, i + 7), 0);
    expect(pieces.milestones()).toEqual(whole.milestones());
    expect(pieces.milestones().map((m) => m.id)).toContain('login');
  });

  it('fails a kernel that prints nothing once the bootloader handed over, and not before its time', () => {
    const watch = new ConsoleWatch(45_000);
    watch.feed(biosConsole.join(''), 10_000);
    // The real-mode setup code still prints this line before the kernel hangs.
    watch.feed(`Probing EDD (edd=off to disable)... o${ESC}c\r\n`, 10_500);
    expect(watch.tick(54_999)).toBeUndefined();
    expect(watch.tick(55_000)).toEqual({ kind: 'silent-kernel', seconds: 45 });
    expect(watch.milestones().map((m) => m.id)).not.toContain('kernel');
  });

  it('does not take the hand-over line for kernel output when it arrives a byte at a time', () => {
    // OVMF's iPXE: the EFI stub speaks, then the kernel hangs (mem=1M).
    const text = `${biosConsole.slice(0, 6).join('')}http://10.0.2.2:8080/images/e3331b0/boot-initrd... ok\r\nEFI stub: mem= detected on the kernel command line - disabling physical KASLR\r\nEFI stub: Loaded initrd from command line option\r\n`;
    const watch = new ConsoleWatch(45_000);
    for (let i = 0; i < text.length; i++) watch.feed(text.slice(i, i + 1), 0);
    expect(watch.milestones().map((m) => m.id)).toEqual([
      'firmware',
      'network',
      'boot-script',
      'kernel-loaded',
    ]);
    expect(watch.tick(45_000)).toEqual({ kind: 'silent-kernel', seconds: 45 });
  });

  it('counts any line after the hand-over as the kernel, so `quiet` is no failure', () => {
    const watch = new ConsoleWatch(45_000);
    watch.feed(biosConsole.join(''), 1000);
    watch.feed('Loading, please wait...\r\n', 3000);
    expect(watch.tick(100_000)).toBeUndefined();
    expect(watch.milestones().slice(-2)).toEqual([
      { id: 'kernel', atMs: 3000 },
      { id: 'initramfs', atMs: 3000 },
    ]);
  });

  it('does not take a bootloader refusing the kernel for kernel output', () => {
    // BIOS iPXE reads `mem=` itself and refuses to start a kernel under 1 MiB.
    const watch = new ConsoleWatch(45_000);
    watch.feed(biosConsole.join(''), 1000);
    const update = watch.feed(
      'Could not boot: Error 0x2a818006 (http://ipxe.org/2a818006)\r\n',
      1200,
    );
    expect(update.verdict).toEqual({
      kind: 'failure',
      line: 'Could not boot: Error 0x2a818006 (http://ipxe.org/2a818006)',
    });
    expect(watch.milestones().map((m) => m.id)).not.toContain('kernel');
  });

  it('ends at a line that means the boot cannot go on, quoting it', () => {
    const watch = new ConsoleWatch(45_000);
    watch.feed('http://10.0.2.2:8080/boot.ipxe... ok\r\n', 100);
    const update = watch.feed(
      'Could not boot image: Exec format error (http://ipxe.org/2e022001)\r\n',
      200,
    );
    expect(update.verdict).toEqual({
      kind: 'failure',
      line: 'Could not boot image: Exec format error (http://ipxe.org/2e022001)',
    });
  });

  it('succeeds when cloud-init says it finished', () => {
    const watch = new ConsoleWatch(45_000);
    const update = watch.feed(
      '[   61.2] cloud-init[1040]: Cloud-init v. 23.4.4-0ubuntu0~22.04.1 finished at Sat, 07 Dec 2026 01:52:13 +0000. Datasource DataSourceNoCloudNet.  Up 61.19 seconds\n',
      61_000,
    );
    expect(update.verdict).toEqual({ kind: 'success', milestone: 'cloud-init' });
  });
});

describe('ConsoleWatch in a deploy test boot', () => {
  const installing = [
    ...biosConsole,
    ...kernelLines,
    'ubuntu login: \r\n',
    'labboot-installer: writing custom/bios to /dev/vda\r\n',
    'labboot-installer: done; rebooting into /dev/vda\r\n',
  ];
  const localBoot = [
    `${ESC}c${ESC}[2JSeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n`,
    'iPXE initialising devices...ok\r\n',
    'http://10.0.2.2:45083/boot.ipxe... ok\r\n',
    'Booting local disk under LabBoot direction...\r\n',
    // iPXE hands back to SeaBIOS, which boots the disk next.
    '\r\nNo more network devices\r\n',
    'SYSLINUX 6.04 EDD 20191223 Copyright (C) 1994-2015 H. Peter Anvin et al\r\n',
    '[    0.000000] Linux version 6.1.0-57-amd64\r\n',
    'LABBOOT-DISK-OK bios-e2e cmdline=console=ttyS0 quiet\r\n',
  ];

  it('takes neither the ephemeral login nor the installer’s console line for success', () => {
    const watch = new ConsoleWatch(45_000, true);
    installing.forEach((chunk, i) => expect(watch.feed(chunk, i * 100).verdict).toBeUndefined());
    const ids = watch.milestones().map((m) => m.id);
    expect(ids).toContain('login');
    expect(ids).not.toContain('local-boot');
    expect(ids).not.toContain('installer');
  });

  it('after the installer is done, follows the local boot to the disk’s kernel and its login prompt', () => {
    const watch = new ConsoleWatch(45_000, true);
    installing.forEach((chunk) => watch.feed(chunk, 1000));
    watch.installerDone();
    localBoot.forEach((chunk, i) =>
      expect(watch.feed(chunk, 2000 + i * 100).verdict).toBeUndefined(),
    );
    expect(watch.feed('disk login: ', 3000).verdict).toEqual({
      kind: 'success',
      milestone: 'disk-login',
    });
    const ids = watch.milestones().map((m) => `${m.id}@${m.atMs}`);
    expect(ids.slice(-3)).toEqual(['local-boot@2300', 'disk-kernel@2600', 'disk-login@3000']);
  });

  it('a disk that does not boot ends with the firmware’s line', () => {
    const watch = new ConsoleWatch(45_000, true);
    watch.installerDone();
    watch.feed('Booting local disk under LabBoot direction...\r\n', 100);
    expect(watch.feed('No bootable device.\r\n', 200).verdict).toEqual({
      kind: 'failure',
      line: 'No bootable device.',
    });
  });
});

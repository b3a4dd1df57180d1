/**
 * Boot configs against the MAAS templates in shared/spec/simplestreams.md (e). The expected text is
 * the spec's rendered PXE example with LabBoot's three documented differences: the SAY banner names
 * LabBoot, cloud-init reads a NoCloud seed (`cc:{'datasource_list': ['NoCloud']}end_cc ds=…`) instead
 * of the MAAS datasource and `cloud-config-url`, and there is no `log_host`/`log_port`.
 */
import { describe, expect, it } from 'vitest';
import {
  imageUrlPath,
  renderCloudInit,
  renderGrub,
  renderGrubPreloader,
  renderIpxe,
  renderIpxeChain,
  renderPxelinux,
  shortestPrefix,
  type BootTarget,
} from '../../../../src-main/boot/config/boot-configs';
import { loadTemplates } from '../../../../src-main/boot/config/templates';

const templates = loadTemplates();
const endpoint = { host: '10.0.0.2', httpPort: 5248 };
const id = { os: 'ubuntu', arch: 'amd64', subarch: 'ga-24.04', release: 'noble', label: 'stable' };
const target: BootTarget = {
  action: 'image',
  hostname: 'node1',
  image: {
    os: 'ubuntu',
    release: 'noble',
    arch: 'amd64',
    subarch: 'ga-24.04',
    kernel: imageUrlPath('67cd9af', id, 'boot-kernel'),
    initrd: imageUrlPath('ec523c5', id, 'boot-initrd'),
    squashfs: imageUrlPath('4e30804', id, 'squashfs'),
  },
};
const mac = '52:54:00:12:34:56';
const cmdline =
  "nomodeset root=squash:http://10.0.0.2:5248/images/4e30804/ubuntu/amd64/ga-24.04/noble/stable/squashfs ip=::::node1:BOOTIF:dhcp ip6=off cc:{'datasource_list': ['NoCloud']}end_cc ds=nocloud-net;s=http://10.0.0.2:5248/cloud-init/52:54:00:12:34:56/ ro overlayroot=tmpfs overlayroot_cfgdisk=disabled";

describe('boot configs', () => {
  it('renders the PXELINUX config of the spec example', () => {
    expect(renderPxelinux(templates, target, endpoint, mac)).toBe(
      [
        'DEFAULT execute',
        '',
        'LABEL execute',
        '  SAY Booting under LabBoot direction...',
        `  SAY ${cmdline}`,
        '  KERNEL http://10.0.0.2:5248/images/67cd9af/ubuntu/amd64/ga-24.04/noble/stable/boot-kernel',
        '  INITRD http://10.0.0.2:5248/images/ec523c5/ubuntu/amd64/ga-24.04/noble/stable/boot-initrd',
        `  APPEND ${cmdline}`,
        '  IPAPPEND 2',
        '',
      ].join('\n'),
    );
  });

  it('renders the GRUB config that loads over http when GRUB has it, else over TFTP, with escaped braces and semicolons', () => {
    const grubLine = cmdline.replace('{', '\\{').replace('}', '\\}').replace(';', '\\;');
    const kernel = 'images/67cd9af/ubuntu/amd64/ga-24.04/noble/stable/boot-kernel';
    const initrd = 'images/ec523c5/ubuntu/amd64/ga-24.04/noble/stable/boot-initrd';
    expect(renderGrub(templates, target, endpoint, mac)).toBe(
      [
        'set default="0"',
        'set timeout=0',
        '',
        "menuentry 'Ephemeral' {",
        "    echo   'Booting under LabBoot direction...'",
        `    if linux (http,10.0.0.2:5248)/${kernel} ${grubLine} BOOTIF=01-\${net_default_mac}; then`,
        `        initrd (http,10.0.0.2:5248)/${initrd}`,
        '    else',
        "        echo   'This GRUB has no http module: loading the kernel over TFTP...'",
        `        linux  (tftp,10.0.0.2)/${kernel} ${grubLine} BOOTIF=01-\${net_default_mac}`,
        `        initrd (tftp,10.0.0.2)/${initrd}`,
        '    fi',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('never tests for http with insmod, which succeeds in GRUB 2.06 even when the module is missing', () => {
    const cfg = renderGrub(templates, target, endpoint, mac);
    expect(cfg).not.toMatch(/insmod/);
    expect(cfg.match(/^\s*if linux \(http,/gm)).toHaveLength(1);
  });

  it('renders the static GRUB pre-loader as MAAS writes it', () => {
    expect(renderGrubPreloader(templates)).toBe(
      [
        '# LabBoot GRUB2 pre-loader configuration file',
        '# Load based on MAC address first.',
        'configfile /grub/grub.cfg-${net_default_mac}',
        '# Failed to load based on MAC address. Load based on the CPU',
        '# architecture.',
        'configfile /grub/grub.cfg-default-${grub_cpu}',
        '',
      ].join('\n'),
    );
  });

  it('renders iPXE scripts that name the initrd for EFI kernels', () => {
    expect(renderIpxeChain(templates, endpoint)).toBe(
      '#!ipxe\n# LabBoot iPXE entry script: load the per-MAC script, else the default.\n' +
        'chain http://10.0.0.2:5248/ipxe.cfg-${mac:hexhyp} || chain http://10.0.0.2:5248/ipxe.cfg-default\n',
    );
    expect(renderIpxe(templates, target, endpoint, mac)).toBe(
      [
        '#!ipxe',
        'echo Booting under LabBoot direction...',
        `kernel http://10.0.0.2:5248/images/67cd9af/ubuntu/amd64/ga-24.04/noble/stable/boot-kernel initrd=boot-initrd ${cmdline} BOOTIF=01-\${mac:hexhyp}`,
        'initrd http://10.0.0.2:5248/images/ec523c5/ubuntu/amd64/ga-24.04/noble/stable/boot-initrd',
        'boot',
        '',
      ].join('\n'),
    );
  });

  it('renders local-disk boots for each loader', () => {
    expect(renderPxelinux(templates, { action: 'local' }, endpoint, mac)).toContain(
      'KERNEL chain.c32\n  APPEND hd0',
    );
    // GRUB chainloads its own CPU's removable-media loader: bootx64.efi on x86-64.
    const grub = renderGrub(templates, { action: 'local' }, endpoint, mac);
    expect(grub).toContain('set efi_loader=bootx64.efi');
    expect(grub).toContain('chainloader /efi/boot/${efi_loader}');
    expect(renderIpxe(templates, { action: 'local' }, endpoint, mac)).toContain('\nexit\n');
  });

  it('renders a NoCloud seed carrying the admin key and hostname', () => {
    expect(renderCloudInit('meta-data', mac, 'node1', [])).toBe(
      'instance-id: labboot-52-54-00-12-34-56\nlocal-hostname: node1\n',
    );
    expect(renderCloudInit('user-data', mac, 'node1', ['ssh-ed25519 AAAA admin@laptop'])).toBe(
      '#cloud-config\nhostname: node1\nssh_pwauth: false\nssh_authorized_keys:\n  - ssh-ed25519 AAAA admin@laptop\n',
    );
    expect(renderCloudInit('vendor-data', mac, 'node1', [])).toBe('');
  });

  it('uses IPv6 hosts in brackets and the IPv6 ip options', () => {
    const v6 = renderPxelinux(templates, target, { host: 'fd00::2', httpPort: 5248 }, mac);
    expect(v6).toContain('KERNEL http://[fd00::2]:5248/images/');
    expect(v6).toContain(' ip=off ip6=dhcp ');
  });

  it('adds apparmor=0 before jammy, as MAAS does', () => {
    const focal: BootTarget = {
      ...target,
      image: { ...target.image, release: 'focal' },
    } as BootTarget;
    expect(renderPxelinux(templates, focal, endpoint, mac)).toContain(
      'overlayroot_cfgdisk=disabled apparmor=0',
    );
  });

  it('picks the shortest unambiguous hash prefix of at least 7 characters', () => {
    const a = 'abcdef0123' + '0'.repeat(54);
    const b = 'abcdef0124' + '0'.repeat(54);
    expect(shortestPrefix(a, [a])).toBe('abcdef0');
    expect(shortestPrefix(a, [a, b])).toBe('abcdef0123');
  });
});

/**
 * BootResolver answers every name a booting machine asks for, over TFTP and HTTP alike:
 * generated configs and cloud-init seeds, image files by `images/<sha256-prefix>/…` (only the
 * hash selects the file, as in MAAS 3.5+), and bootloader files by name from the newest unpacked
 * bootloader products. Files are always opened by `openConfined`, so nothing outside the store's
 * folders is ever served.
 */
import { basename, dirname } from 'node:path';
import type { BootChoice } from '../../../src-shared/boot/choices';
import {
  BootContentError,
  openConfined,
  type BootClient,
  type BootContent,
  type BootContentResolver,
} from '../boot-files';
import type { BootImage, BootloaderFiles } from '../../store/boot-resources';
import {
  defaultHostname,
  imageUrlPath,
  renderCloudInit,
  renderGrub,
  renderGrubPreloader,
  renderIpxe,
  renderIpxeChain,
  renderPxelinux,
  shortestPrefix,
  type BootTarget,
  type Endpoint,
} from './boot-configs';
import { ClientArchs } from './client-archs';
import { parseConfigName } from './config-names';
import { missingFileError } from './missing-files';
import type { Templates } from './templates';

/** The store as the boot server sees it (`BootResources` implements it). */
export interface BootCatalog {
  listImages(): BootImage[];
  findImage(spec: string): BootImage | undefined;
  listBootloaders(): BootloaderFiles[];
}

/** Where per-MAC choices come from (`ChoiceStore` implements it). */
export interface ChoiceSource {
  effective(mac: string | undefined, arch?: string): BootChoice | undefined;
}

/**
 * What the deploy cycle adds to boots (`DeployService` implements it): a deployed MAC boots its
 * disk, a marked one gets the installer as user-data, and the installer fetches its image.
 */
export interface DeploySource {
  bootAction(mac: string | undefined): 'local' | 'installer' | undefined;
  userData(mac: string | undefined, endpoint: Endpoint): string | undefined;
  resolveFile(name: string): Promise<BootContent | undefined>;
}

/** Everything the resolver needs. */
export interface BootResolverDeps {
  readonly catalog: BootCatalog;
  readonly choices: ChoiceSource;
  readonly templates: Templates;
  /** Where clients reach the HTTP server; a function because port 0 is only known after binding. */
  readonly endpoint: () => Endpoint;
  /** The admin's SSH public keys for the cloud-init seed. */
  readonly sshKeys: () => readonly string[];
  /** Extra kernel options for a machine (global, then its own); none when not given. */
  readonly kernelOptions?: (mac: string | undefined) => readonly string[];
  /** Deploy states; without it every machine boots its choice. */
  readonly deploy?: DeploySource;
}

/**
 * Order in which bootloader folders are searched for a bare name. MAAS serves pxelinux from i386
 * (simplestreams.md gotcha 12); the amd64 build is a fallback for mirrors that carry only it.
 */
const BOOTLOADER_ORDER = [
  'pxe/i386',
  'pxe/amd64',
  'uefi/amd64',
  'uefi/arm64',
  'open-firmware/ppc64el',
];

const text = (s: string, contentType = 'text/plain; charset=utf-8'): BootContent => ({
  kind: 'bytes',
  data: new TextEncoder().encode(s),
  contentType,
});

function hashesOf(images: readonly BootImage[]): string[] {
  return images.flatMap((i) => i.files.map((f) => f.sha256));
}

/** PXELINUX runs only on x86 BIOS machines. */
const PXELINUX_ARCH = 'amd64';
/**
 * iPXE clients here run a NIC's own ROM (LabBoot serves no iPXE binary), and those are x86 PCs;
 * one that fetched a UEFI bootloader from LabBoot is known better.
 */
const IPXE_ARCH = 'amd64';

/** BootResolver implements `BootContentResolver` for the boot servers. */
export class BootResolver implements BootContentResolver {
  /** What each client booted as, for the default of its architecture. */
  private readonly archs = new ClientArchs();

  constructor(private readonly deps: BootResolverDeps) {}

  async resolve(name: string, client: BootClient): Promise<BootContent> {
    const config = parseConfigName(name);
    if (config !== undefined) {
      const endpoint = this.deps.endpoint();
      switch (config.kind) {
        case 'grub-preloader':
          return text(renderGrubPreloader(this.deps.templates));
        case 'ipxe-chain':
          return text(renderIpxeChain(this.deps.templates, endpoint));
        case 'pxelinux':
          return text(
            renderPxelinux(
              this.deps.templates,
              this.target(config.mac, PXELINUX_ARCH),
              endpoint,
              config.mac,
            ),
          );
        case 'grub':
          return text(
            renderGrub(
              this.deps.templates,
              // `grub.cfg-default-<arch>` names it; the per-MAC name does not.
              this.target(config.mac, config.arch ?? this.archs.archOf(client.address)),
              endpoint,
              config.mac,
            ),
          );
        case 'ipxe':
          return text(
            renderIpxe(
              this.deps.templates,
              this.target(config.mac, this.archs.archOf(client.address) ?? IPXE_ARCH),
              endpoint,
              config.mac,
            ),
          );
        case 'cloud-init': {
          const installer =
            config.file === 'user-data'
              ? this.deps.deploy?.userData(config.mac, endpoint)
              : undefined;
          if (installer !== undefined) return text(installer);
          const choice = this.deps.choices.effective(config.mac, this.archs.archOf(client.address));
          const hostname = choice?.hostname ?? defaultHostname(config.mac);
          return text(renderCloudInit(config.file, config.mac, hostname, this.deps.sshKeys()));
        }
      }
    }
    const segments = name.split('/');
    if (segments[0] === 'deploy') {
      const file = await this.deps.deploy?.resolveFile(name);
      if (file !== undefined) return file;
      throw new BootContentError('not-found', `no deploy under way for ${name}`);
    }
    if (segments[0] === 'images' && segments.length > 1) {
      const blob = await this.blob(segments[1] ?? '');
      if (blob !== undefined) return blob;
      if (segments.length === 2) return this.bootloader(segments[1] ?? '', name, client);
      throw missingFileError(name);
    }
    return this.bootloader(name, name, client);
  }

  /** The image file whose sha256 starts with `prefix` (at least 7 hex characters, unambiguous). */
  private async blob(prefix: string): Promise<BootContent | undefined> {
    if (!/^[0-9a-f]{7,64}$/.test(prefix)) return undefined;
    const files = this.deps.catalog.listImages().flatMap((i) => i.files);
    const matches = new Map(
      files.filter((f) => f.sha256.startsWith(prefix)).map((f) => [f.sha256, f]),
    );
    if (matches.size !== 1) return undefined;
    const [file] = matches.values();
    if (file === undefined) return undefined;
    // The blob store names files by hash; confine to the blob's own folder and file name.
    const content = await openConfined(dirname(file.path), basename(file.path));
    return { ...content, etag: file.sha256 };
  }

  private async bootloader(
    name: string,
    requested: string,
    client: BootClient,
  ): Promise<BootContent> {
    const products = this.bootloaderProducts();
    // MAAS rewrites `.*/bootx64.efi` and friends to the bootloader folder (maasagent rewriteRules).
    for (const candidate of name.includes('/') ? [name, basename(name)] : [name]) {
      for (const product of products) {
        try {
          const content = await openConfined(product.dir, candidate);
          if (product.bootloaderType === 'uefi') this.archs.note(client.address, product.arch);
          return content;
        } catch (error) {
          if (!(error instanceof BootContentError) || error.kind === 'denied') throw error;
        }
      }
    }
    // GRUB probes module lists it may not need; MAAS answers missing `*.lst` with an empty file.
    if (name.endsWith('.lst')) return text('');
    throw missingFileError(requested);
  }

  private bootloaderProducts(): BootloaderFiles[] {
    const all = this.deps.catalog.listBootloaders();
    const rank = (b: BootloaderFiles): number => {
      const i = BOOTLOADER_ORDER.indexOf(`${b.bootloaderType}/${b.arch}`);
      return i === -1 ? BOOTLOADER_ORDER.length : i;
    };
    return [...all].sort((a, b) => rank(a) - rank(b));
  }

  /**
   * What `mac` boots: its own choice, else the default for `arch` (the client's, when known);
   * an image that is not stored, or is of another architecture, means "not found".
   */
  private target(mac: string | undefined, arch: string | undefined): BootTarget {
    if (this.deps.deploy?.bootAction(mac) === 'local') return { action: 'local' };
    const choice = this.deps.choices.effective(mac, arch);
    if (choice === undefined) {
      const forArch = arch === undefined ? '' : ` for ${arch} machines`;
      throw new BootContentError(
        'not-found',
        `no image chosen for this machine and no default image${forArch}; choose one with \`labboot serve --boot IMAGE\``,
      );
    }
    if (choice.action === 'local') return { action: 'local' };
    const image = this.deps.catalog.findImage(choice.image ?? '');
    if (image === undefined)
      throw new BootContentError(
        'not-found',
        `image ${choice.image ?? ''} is not in the store; sync it first`,
      );
    if (arch !== undefined && image.arch !== arch) {
      throw new BootContentError(
        'not-found',
        `the chosen image is ${image.arch}, but the client asked for ${arch}`,
      );
    }
    const known = hashesOf(this.deps.catalog.listImages());
    const path = (ftype: string): string => {
      const file = image.files.find((f) => f.ftype === ftype);
      if (file === undefined)
        throw new BootContentError('not-found', `image ${choice.image ?? ''} has no ${ftype}`);
      return imageUrlPath(shortestPrefix(file.sha256, known), image, ftype);
    };
    return {
      action: 'image',
      hostname: choice.hostname ?? defaultHostname(mac),
      kernelOptions: this.deps.kernelOptions?.(mac) ?? [],
      image: {
        os: image.os,
        release: image.release,
        arch: image.arch,
        subarch: image.subarch,
        kernel: path('boot-kernel'),
        initrd: path('boot-initrd'),
        squashfs: path('squashfs'),
      },
    };
  }
}

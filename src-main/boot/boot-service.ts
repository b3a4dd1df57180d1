/**
 * BootService is the boot server as the rest of LabBoot sees it: start serving on an interface or
 * address (the picker) with DHCP in proxy, full or off mode, stop, report status, remember the last
 * start, and keep per-MAC boot choices and the admin's SSH keys. Every DHCP/TFTP/HTTP event goes to
 * the boot log (table boot_events), the contract event `boot.serve`, and an optional listener (the
 * `labboot serve` console lines); TFTP/HTTP events carry the client's MAC once DHCP has named it.
 */
import type { Database } from '../store/database';
import type { BootResources } from '../store/boot-resources';
import type { SettingsStore } from '../store/settings-store';
import type { EventBus } from '../event-bus';
import type { Logger } from '../logger';
import type { Disposable } from '../lifecycle';
import type { NetworkInterface } from '../../src-shared/contract/system';
import type {
  BootLastStart,
  BootStartInput,
  BootStatus,
  DhcpModeName,
} from '../../src-shared/contract/boot';
import { archDefaultKey, defaultKeyArch, type BootChoice } from '../../src-shared/boot/choices';
import type { BootServeEvent, BootStep } from '../../src-shared/boot/events';
import { bootStep } from '../../src-shared/boot/steps';
import type { BootPath } from '../../src-shared/boot/boot-path';
import { normalizeMac } from '../../src-shared/boot/mac';
import { sshKeyLines, sshKeyProblem } from '../../src-shared/boot/ssh-keys';
import { UserError } from '../../src-shared/errors';
import {
  BootLogStore,
  holdsAddress,
  type BootEvent,
  type BootLogWrites,
} from './dhcp/boot-log-store';
import { HTTP_BOOT_NO_HTTP_REFUSAL } from './dhcp/boot-choice';
import { dhcpOptionsFromFlags } from './dhcp/dhcp-part';
import type { DhcpServiceOptions } from './dhcp/dhcp-service';
import { LeaseStore } from './dhcp/lease-store';
import { limitationsFor, type BootLimitation } from './dhcp/limitations';
import { DEFAULT_HTTP_PORT } from './http/http-server';
import { BootServerService } from './boot-server';
import { BootResolver, type DeploySource } from './config/boot-resolver';
import { CatalogueCache, catalogueGeneration } from './config/catalogue-cache';
import { ChoiceStore } from './config/choice-store';
import { GrubHttpProbe } from './config/grub-http';
import { KernelOptionsStore } from './config/kernel-options-store';
import { loadTemplates, type Templates } from './config/templates';
import { maxBlksizeForMtu, pickServingAddress, type ServingAddress } from './serving-address';
import { ServingRecord } from './serving-record';
import { linuxNeighbours, type NeighbourLookup } from './neighbours';
import type { BootContentResolver } from './boot-files';
import { mirrorFirst } from '../mirror/mirror-service';

/** Settings key of the admin's SSH public keys (a JSON array of strings). */
export const SSH_KEYS_SETTING = 'boot.sshAuthorizedKeys';

/** Settings key of the last successful start (interface, DHCP mode, range). */
export const LAST_START_SETTING = 'boot.lastStart';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** What BootService is built from. */
export interface BootServiceDeps {
  readonly db: Database;
  readonly bootResources: BootResources;
  readonly settings: SettingsStore;
  readonly events?: EventBus;
  readonly log?: Logger;
  /** The interface list (`listInterfaces`), injectable for tests. */
  readonly interfaces: () => NetworkInterface[];
  readonly templates?: Templates;
  /** Deploy states and installer reports (`DeployService`); without it nothing deploys. */
  readonly deploy?: DeploySource & {
    report(path: string, body: string): { status: number; body: string };
  };
  /** Serves the image mirror under `/maas/images/ephemeral-v3/` on the HTTP port, when given. */
  readonly mirror?: BootContentResolver;
  /** The process's one boot log (its owner disposes it); else this service keeps its own. */
  readonly bootLog?: BootLogStore;
  /** Who holds an address on an interface (the kernel's ARP table by default), for tests. */
  readonly neighbours?: (interfaceName: string) => NeighbourLookup;
}

/** How a start differs from an admin's own: used by test boots, which serve only their VM. */
export interface BootStartOptions {
  /**
   * The host clients reach the HTTP server by, when not the serving address: a test boot VM on
   * QEMU's user-mode network reaches the host's loopback as 10.0.2.2.
   */
  readonly advertisedHost?: string;
  /** Whether this start becomes the last start the picker preselects (default true). */
  readonly remember?: boolean;
}

/** BootService owns the running boot server, if any. */
export class BootService implements Disposable {
  /** Per-MAC choices and the default. */
  readonly choices: ChoiceStore;
  /** Extra kernel options: global and per MAC. */
  readonly kernelOptions: KernelOptionsStore;
  private readonly bootLog: BootLogStore;
  private templates: Templates | undefined;
  private server: BootServerService | undefined;
  /** The start under way, so a second start is refused and a stop waits for it. */
  private starting: Promise<BootStatus> | undefined;
  private stopRequested = false;
  private serving: ServingAddress | undefined;
  private dhcpMode: BootStartInput['dhcp'];
  private runStartedAt = 0;
  /** Client address → MAC from this run's DHCP steps (TFTP/HTTP only see the address). */
  private readonly macByIp = new Map<string, string>();
  /** MAC → the boot path its latest PXE, HTTP Boot or iPXE DHCP request announced, this run. */
  private readonly pathByMac = new Map<string, BootPath>();
  private leases: LeaseStore | undefined;
  /** The serving interface's neighbour table, while serving on a named interface. */
  private neighbourOf: NeighbourLookup | undefined;
  private readonly listeners = new Set<(e: BootServeEvent) => void>();
  private catalogueCache: CatalogueCache | undefined;
  /** Tells other processes on this data folder that this one serves (image delete checks it). */
  readonly servingRecord: ServingRecord;
  /** Whether the stream's GRUB has http, which decides what works beside a router. */
  private readonly grubHttp = new GrubHttpProbe();

  constructor(private readonly deps: BootServiceDeps) {
    this.choices = new ChoiceStore(deps.db);
    this.kernelOptions = new KernelOptionsStore(deps.db, deps.settings);
    this.servingRecord = new ServingRecord(deps.db);
    this.bootLog = deps.bootLog ?? new BootLogStore(deps.db, { log: deps.log ?? quiet });
    this.templates = deps.templates;
  }

  /**
   * Starts DHCP (per `input.dhcp`), TFTP and HTTP as one unit. Throws UserError on bad input, busy
   * ports, while another start is under way, or when `stop()` was called before it finished.
   */
  async start(input: BootStartInput, options: BootStartOptions = {}): Promise<BootStatus> {
    if (this.server !== undefined || this.starting !== undefined) {
      const where = this.serving?.address;
      throw new UserError(
        where === undefined
          ? 'LabBoot is already starting to serve; wait for it, or stop it first.'
          : `LabBoot is already serving on ${where}; stop it first.`,
        'already-serving',
      );
    }
    // Claimed before the first await, so a second start() in the same tick sees it.
    const starting = this.startServer(input, options);
    this.starting = starting;
    try {
      return await starting;
    } finally {
      this.starting = undefined;
      this.stopRequested = false;
    }
  }

  /** Stops serving (no-op when stopped); a start under way is let finish, then stopped. */
  async stop(): Promise<BootStatus> {
    if (this.starting !== undefined) {
      this.stopRequested = true;
      await this.starting.catch(() => undefined);
    }
    const server = this.server;
    this.server = undefined;
    this.serving = undefined;
    this.dhcpMode = undefined;
    this.leases = undefined;
    this.neighbourOf = undefined;
    await server?.dispose();
    // Every step of the run is stored once serving stops, for readers in other processes too.
    this.bootLog.flush();
    this.noteServing(undefined);
    return this.status();
  }

  private async startServer(input: BootStartInput, options: BootStartOptions): Promise<BootStatus> {
    const nics = this.deps.interfaces();
    const serving = pickServingAddress(input, nics);
    for (const w of serving.warnings) this.deps.log?.warn('boot', w);
    const dhcp = this.dhcpOptions(input, serving, nics);
    let httpPort: () => number = () => input.httpPort ?? DEFAULT_HTTP_PORT;
    const resolver = new BootResolver({
      catalog: this.catalogue(),
      choices: this.choices,
      // Read on first start, not at construction: every CLI command builds this service.
      templates: (this.templates ??= loadTemplates()),
      endpoint: () => ({ host: options.advertisedHost ?? serving.address, httpPort: httpPort() }),
      sshKeys: () => this.sshKeys(),
      kernelOptions: (mac) => this.kernelOptions.effective(mac),
      ...(this.deps.deploy === undefined ? {} : { deploy: this.deps.deploy }),
    });
    // Before the parts open: a client may answer DHCP before start() returns.
    this.runStartedAt = Date.now();
    this.macByIp.clear();
    this.pathByMac.clear();
    this.neighbourOf =
      serving.interfaceName === null
        ? undefined
        : (this.deps.neighbours ?? linuxNeighbours)(serving.interfaceName);
    const server = await BootServerService.start({
      address: serving.address,
      maxBlksize: maxBlksizeForMtu(serving.mtu),
      tftpPort: input.tftpPort,
      httpPort: input.httpPort,
      resolver: this.deps.mirror === undefined ? resolver : mirrorFirst(this.deps.mirror, resolver),
      ...(this.deps.deploy === undefined
        ? {}
        : { httpPost: this.deps.deploy.report.bind(this.deps.deploy) }),
      onEvent: (e) => this.record(e),
      log: this.deps.log,
      ...(dhcp === undefined ? {} : { dhcp }),
    });
    httpPort = () => server.httpPort;
    if (this.stopRequested) {
      await server.dispose();
      throw new UserError('Serving was stopped before it finished starting.', 'boot-stopped');
    }
    this.server = server;
    this.serving = serving;
    this.noteServing(serving.address, server.httpPort);
    this.dhcpMode = input.dhcp;
    this.leases =
      serving.interfaceName === null
        ? undefined
        : new LeaseStore(this.deps.db, serving.interfaceName);
    const last: BootLastStart = {
      interfaceName: serving.interfaceName,
      address: serving.interfaceName === null ? serving.address : null,
      dhcp: input.dhcp ?? 'off',
      range: input.range ?? null,
    };
    if (options.remember !== false) this.deps.settings.set(LAST_START_SETTING, last);
    this.deps.log?.info(
      'boot',
      `serving on ${serving.address}${serving.interfaceName ? ` (${serving.interfaceName})` : ''}`,
    );
    return this.status();
  }

  /** Where LabBoot serves and the state of each part. */
  status(): BootStatus {
    const s = this.serving;
    return {
      running: this.server !== undefined,
      address: s?.address ?? null,
      interfaceName: s?.interfaceName ?? null,
      mtu: s?.mtu ?? null,
      warnings: [...(s?.warnings ?? [])],
      parts: this.server?.status() ?? [],
      dhcp: this.server === undefined ? null : (this.dhcpMode ?? null),
      limitations:
        this.server === undefined || this.dhcpMode === undefined
          ? []
          : this.limitations(this.dhcpMode).map((l) => l.message),
      lastStart: this.deps.settings.get<BootLastStart>(LAST_START_SETTING) ?? null,
    };
  }

  /** What cannot boot in a DHCP mode with the stream's bootloaders, in one sentence each. */
  limitations(mode: DhcpModeName): BootLimitation[] {
    const loaders = this.deps.bootResources.listBootloaders();
    return limitationsFor(mode, this.grubHttp.of(loaders), this.grubHttp.of(loaders, 'arm64'));
  }

  /** The stored boot log, oldest first: one MAC's timeline, or the newest steps of every client. */
  log(input: { mac?: string | undefined; limit?: number | undefined }): BootStep[] {
    if (input.mac === undefined) return this.bootLog.recent(input.limit);
    const mac = normalizeMac(input.mac);
    if (mac === undefined) {
      throw new UserError(
        `"${input.mac}" is not a MAC address; write it like 52:54:00:12:34:56.`,
        'bad-mac',
      );
    }
    return this.bootLog.timeline(mac, input.limit);
  }

  /** How many boot events the boot log stored, in how many write transactions. */
  bootLogWrites(): BootLogWrites {
    return this.bootLog.written();
  }

  /** Subscribes to served requests (one call per TFTP transfer or HTTP request). */
  onEvent(listener: (e: BootServeEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /**
   * Sets what a machine (or `default`, or `default-<arch>`) boots; the image must already be in the
   * store, and a per-architecture default must be an image of that architecture.
   */
  setChoice(input: {
    mac: string;
    action: 'image' | 'local';
    image?: string | undefined;
    hostname?: string | undefined;
  }): BootChoice {
    if (input.hostname !== undefined && !HOSTNAME.test(input.hostname)) {
      throw new UserError(
        `"${input.hostname}" is not a valid hostname; use letters, digits and inner dashes, at most 63 characters.`,
        'bad-hostname',
      );
    }
    if (input.action === 'local')
      return this.choices.set(input.mac, { action: 'local', hostname: input.hostname ?? null });
    if (input.image === undefined)
      throw new UserError('Choosing an image needs its name, like ubuntu/jammy/amd64.', 'usage');
    const image = this.storedImage(input.image);
    const forArch = defaultKeyArch(input.mac.toLowerCase());
    if (typeof forArch === 'string' && image.arch !== forArch) {
      throw new UserError(
        `Image ${input.image} is ${image.arch}, so it cannot be the default for ${forArch} machines; choose a ${forArch} image.`,
        'image-arch',
      );
    }
    return this.choices.set(input.mac, {
      action: 'image',
      image: input.image,
      hostname: input.hostname ?? null,
    });
  }

  /**
   * Makes each image the default for machines of its architecture (`labboot serve --boot`), one
   * image per architecture; nothing is changed when one of them is refused.
   */
  setDefaultImages(specs: readonly string[]): BootChoice[] {
    const archs = specs.map((spec) => this.storedImage(spec).arch);
    const twice = archs.find((arch, i) => archs.indexOf(arch) !== i);
    if (twice !== undefined) {
      throw new UserError(
        `More than one of the default images (${specs.join(', ')}) is ${twice}; choose one default image per architecture.`,
        'usage',
      );
    }
    return specs.map((image, i) =>
      this.setChoice({ mac: archDefaultKey(archs[i] ?? ''), action: 'image', image }),
    );
  }

  private storedImage(spec: string): { arch: string } {
    const image = this.deps.bootResources.findImage(spec);
    if (image === undefined) {
      throw new UserError(
        `Image ${spec} is not in the store, so machines could not boot it; select and sync it first (labboot select add, labboot sync).`,
        'image-missing',
      );
    }
    return image;
  }

  /** The admin's SSH public keys handed to booted machines. */
  sshKeys(): string[] {
    return this.deps.settings.get<string[]>(SSH_KEYS_SETTING) ?? [];
  }

  /** Replaces the admin's SSH public keys; each must look like an OpenSSH public key line. */
  setSshKeys(keys: readonly string[]): string[] {
    const clean = sshKeyLines(keys);
    const problem = sshKeyProblem(clean);
    if (problem !== null) throw new UserError(problem, 'bad-ssh-key');
    this.deps.settings.set(SSH_KEYS_SETTING, clean);
    return clean;
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  /** noteServing updates the serving record; a busy store must not stop or fail serving. */
  private noteServing(address: string | undefined, httpPort?: number): void {
    try {
      if (address === undefined) this.servingRecord.unregister();
      else this.servingRecord.register(address, httpPort);
    } catch (error) {
      this.deps.log?.warn(
        'boot',
        `could not record serving in the store: ${(error as Error).message}`,
      );
    }
  }

  /** The DHCP settings for `input.dhcp` on the serving NIC (none when the contract did not ask for DHCP). */
  private dhcpOptions(
    input: BootStartInput,
    serving: ServingAddress,
    nics: readonly NetworkInterface[],
  ): DhcpServiceOptions | undefined {
    if (input.dhcp === undefined) {
      if (input.range === undefined) return undefined;
      throw new UserError(
        'A DHCP range only applies to full DHCP; choose DHCP mode full.',
        'usage',
      );
    }
    const nic = nics.find((n) => n.addresses.some((a) => a.address === serving.address));
    if (nic === undefined) {
      if (input.dhcp === 'off') return undefined;
      throw new UserError(
        `No network interface has the address ${serving.address}, and DHCP must run on one; pick an interface or choose DHCP off.`,
        'dhcp-interface',
      );
    }
    return dhcpOptionsFromFlags(
      {
        mode: input.dhcp,
        range: input.range,
        dhcpPort: input.dhcpPort,
        nic,
        address: serving.address,
        httpPort: input.httpPort ?? DEFAULT_HTTP_PORT,
      },
      {
        db: this.deps.db,
        log: this.deps.log ?? quiet,
        onEvent: (e) => this.recordDhcp(e),
        bootLog: this.bootLog,
        httpBootRefusal: () =>
          this.grubHttp.of(this.deps.bootResources.listBootloaders()) === 'no-http'
            ? HTTP_BOOT_NO_HTTP_REFUSAL
            : undefined,
      },
    );
  }

  /** The stored catalogue as the boot server reads it: in memory until a publish or prune. */
  private catalogue(): CatalogueCache {
    return (this.catalogueCache ??= new CatalogueCache(
      this.deps.bootResources,
      catalogueGeneration(this.deps.db),
    ));
  }

  /** A DHCP step (already stored by the DHCP server): remember its address and pass it on. */
  private recordDhcp(e: BootEvent): void {
    if (e.clientIp !== null && e.mac !== null && holdsAddress(e))
      this.macByIp.set(e.clientIp, e.mac);
    if (e.mac === null) return;
    // A plain request (the booted system's own DHCP) keeps the path the boot took.
    if (e.bootPath !== undefined && e.bootPath !== null) this.pathByMac.set(e.mac, e.bootPath);
    this.emit({
      protocol: 'dhcp',
      at: new Date(e.at).toISOString(),
      client: e.clientIp ?? '',
      mac: e.mac,
      stage: e.stage,
      detail: e.detail,
      bootPath: e.bootPath ?? null,
    });
  }

  /**
   * bootPathFor says which path a TFTP or HTTP request is on: what the request says for itself
   * (an iPXE or HTTP Boot User-Agent), else what the client's DHCP request announced, else PXE for
   * TFTP (only PXE fetches over TFTP) and unknown for HTTP.
   */
  private bootPathFor(served: BootServeEvent, mac: string | null): BootPath | null {
    if (served.bootPath !== undefined && served.bootPath !== null) return served.bootPath;
    const announced = mac === null ? undefined : this.pathByMac.get(mac);
    return announced ?? (served.protocol === 'tftp' ? 'pxe' : null);
  }

  /**
   * macFor finds a TFTP/HTTP client's MAC: the machine the LAN's neighbour table says holds the
   * address (it ARPed for us before asking), else this run's DHCP steps, then full-mode leases.
   */
  private macFor(client: string): string | null {
    const ip = client.replace(/^::ffff:/, '');
    const known =
      this.neighbourOf?.(ip) ??
      this.macByIp.get(ip) ??
      this.bootLog.macForIp(ip, this.runStartedAt);
    if (known !== undefined) return known;
    const lease = this.leases?.byIp(ip);
    return lease !== undefined && lease.state !== 'declined' ? lease.mac : null;
  }

  private record(served: BootServeEvent): void {
    if (served.protocol === 'dhcp') return this.emit(served);
    let e: BootServeEvent = served;
    try {
      const mac = this.macFor(served.client);
      e = { ...served, mac, bootPath: this.bootPathFor(served, mac) };
      this.bootLog.record(bootStep(e));
    } catch (error) {
      // A full or locked disk must not stop a machine from booting.
      this.deps.log?.warn('boot', `boot log write failed: ${(error as Error).message}`);
    }
    this.emit(e);
  }

  private emit(e: BootServeEvent): void {
    this.deps.events?.emit('boot.serve', e);
    for (const l of this.listeners) l(e);
  }
}

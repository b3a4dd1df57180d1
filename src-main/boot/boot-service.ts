/**
 * BootService is the boot server as the rest of LabBoot sees it: start serving on an interface or
 * address (the picker), stop, report status, and keep per-MAC boot choices and the admin's SSH
 * keys. Every TFTP/HTTP event goes to the boot log (table boot_events), the contract event
 * `boot.serve`, and an optional listener (the `labboot serve` console lines).
 */
import type { Database } from '../store/database';
import type { BootResources } from '../store/boot-resources';
import type { SettingsStore } from '../store/settings-store';
import type { EventBus } from '../event-bus';
import type { Logger } from '../logger';
import type { Disposable } from '../lifecycle';
import type { NetworkInterface } from '../../src-shared/contract/system';
import type { BootStartInput, BootStatus } from '../../src-shared/contract/boot';
import type { BootChoice } from '../../src-shared/boot/choices';
import type { BootServeEvent } from '../../src-shared/boot/events';
import { formatBootEvent } from '../../src-shared/boot/events';
import { UserError } from '../../src-shared/errors';
import { BootLogStore } from './dhcp/boot-log-store';
import { BootServerService, type BootPart } from './boot-server';
import { BootResolver } from './config/boot-resolver';
import { ChoiceStore } from './config/choice-store';
import { loadTemplates, type Templates } from './config/templates';
import { maxBlksizeForMtu, pickServingAddress, type ServingAddress } from './serving-address';

/** Settings key of the admin's SSH public keys (a JSON array of strings). */
export const SSH_KEYS_SETTING = 'boot.sshAuthorizedKeys';

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
}

/** BootService owns the running boot server, if any. */
export class BootService implements Disposable {
  /** Per-MAC choices and the default. */
  readonly choices: ChoiceStore;
  private readonly bootLog: BootLogStore;
  private templates: Templates | undefined;
  private server: BootServerService | undefined;
  private serving: ServingAddress | undefined;
  private readonly listeners = new Set<(e: BootServeEvent) => void>();

  constructor(private readonly deps: BootServiceDeps) {
    this.choices = new ChoiceStore(deps.db);
    this.bootLog = new BootLogStore(deps.db);
    this.templates = deps.templates;
  }

  /** Starts serving; `extraParts` is where the DHCP server plugs in. Throws UserError on bad input or busy ports. */
  async start(input: BootStartInput, extraParts: readonly BootPart[] = []): Promise<BootStatus> {
    if (this.server !== undefined) {
      throw new UserError(
        `LabBoot is already serving on ${this.serving?.address ?? '?'}; stop it first.`,
        'already-serving',
      );
    }
    const serving = pickServingAddress(input, this.deps.interfaces());
    for (const w of serving.warnings) this.deps.log?.warn('boot', w);
    const resolver = new BootResolver({
      catalog: this.deps.bootResources,
      choices: this.choices,
      // Read on first start, not at construction: every CLI command builds this service.
      templates: (this.templates ??= loadTemplates()),
      endpoint: () => ({
        host: serving.address,
        httpPort: this.server?.httpPort ?? input.httpPort ?? 5248,
      }),
      sshKeys: () => this.sshKeys(),
    });
    const server = await BootServerService.start({
      address: serving.address,
      maxBlksize: maxBlksizeForMtu(serving.mtu),
      tftpPort: input.tftpPort,
      httpPort: input.httpPort,
      resolver,
      onEvent: (e) => this.record(e),
      extraParts,
    });
    this.server = server;
    this.serving = serving;
    this.deps.log?.info(
      'boot',
      `serving on ${serving.address}${serving.interfaceName ? ` (${serving.interfaceName})` : ''}`,
    );
    return this.status();
  }

  /** Stops serving (no-op when stopped). */
  async stop(): Promise<BootStatus> {
    const server = this.server;
    this.server = undefined;
    this.serving = undefined;
    await server?.dispose();
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
    };
  }

  /** Subscribes to served requests (one call per TFTP transfer or HTTP request). */
  onEvent(listener: (e: BootServeEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Sets what a machine (or `default`) boots; the image must already be in the store. */
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
    if (this.deps.bootResources.findImage(input.image) === undefined) {
      throw new UserError(
        `Image ${input.image} is not in the store, so machines could not boot it; select and sync it first (labboot select add, labboot sync).`,
        'image-missing',
      );
    }
    return this.choices.set(input.mac, {
      action: 'image',
      image: input.image,
      hostname: input.hostname ?? null,
    });
  }

  /** The admin's SSH public keys handed to booted machines. */
  sshKeys(): string[] {
    return this.deps.settings.get<string[]>(SSH_KEYS_SETTING) ?? [];
  }

  /** Replaces the admin's SSH public keys; each must look like an OpenSSH public key line. */
  setSshKeys(keys: readonly string[]): void {
    const clean = keys.map((k) => k.trim()).filter((k) => k !== '' && !k.startsWith('#'));
    for (const k of clean) {
      if (
        !/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( .*)?$/.test(
          k,
        )
      ) {
        throw new UserError(
          `"${k.slice(0, 40)}…" is not an SSH public key; pass the .pub file (for example ~/.ssh/id_ed25519.pub).`,
          'bad-ssh-key',
        );
      }
    }
    this.deps.settings.set(SSH_KEYS_SETTING, clean);
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  private record(e: BootServeEvent): void {
    const ok = e.protocol === 'tftp' ? e.outcome === 'complete' : e.status < 400;
    try {
      this.bootLog.record({
        at: Date.parse(e.at),
        mac: null,
        clientIp: e.client,
        protocol: e.protocol,
        stage: `${e.protocol}-${ok ? 'sent' : 'failed'}`,
        detail: formatBootEvent(e),
      });
    } catch (error) {
      // A full or locked disk must not stop a machine from booting.
      this.deps.log?.warn('boot', `boot log write failed: ${(error as Error).message}`);
    }
    this.deps.events?.emit('boot.serve', e);
    for (const l of this.listeners) l(e);
  }
}

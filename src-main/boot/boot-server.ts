/**
 * BootServerService is LabBoot's one boot server: HTTP, TFTP and (when asked) DHCP started and
 * stopped as one unit on one chosen address, with each part's state. Parts open in order; if one
 * fails, those already open are closed again (as Pixiecore's `Serve()` does), so a half-started
 * server never lingers on a port. `BootService` is its only builder, so `labboot serve`, the UI's
 * start button, the e2e boots and the benchmarks all run this same assembly.
 */
import type { Disposable } from '../lifecycle';
import type { BootServeEvent } from '../../src-shared/boot/events';
import { bootPathOfUserAgent } from '../../src-shared/boot/boot-path';
import type { BootContentResolver } from './boot-files';
import { defaultTargets, dhcpPart } from './dhcp/dhcp-part';
import type { DhcpServiceOptions } from './dhcp/dhcp-service';
import { BootHttpServer, DEFAULT_HTTP_PORT } from './http/http-server';
import { TftpServer } from './tftp/tftp-server';
import type { Logger } from '../logger';

/** The well-known TFTP port (needs privileges on Linux). */
export const DEFAULT_TFTP_PORT = 69;

/** The state of one serving part, as the UI and `labboot serve` show it. */
export interface BootPartState {
  readonly name: string;
  readonly state: 'running' | 'off' | 'failed';
  readonly address: string;
  readonly port: number | null;
  readonly detail: string | null;
}

/** BootPart is one protocol server of the boot server. */
export interface BootPart {
  readonly name: string;
  /** Opens its sockets; throws (a UserError for bind problems) when it cannot. */
  start(): Promise<void>;
  stop(): Promise<void>;
  state(): BootPartState;
}

/** Settings for the boot server. */
export interface BootServerOptions {
  readonly address: string;
  /** TFTP blksize ceiling: the serving interface's MTU − 32. */
  readonly maxBlksize: number;
  readonly tftpPort?: number;
  readonly httpPort?: number;
  readonly resolver: BootContentResolver;
  /** Takes HTTP POSTs (deploy reports); none when not given. */
  readonly httpPost?: (path: string, body: string) => { status: number; body: string };
  readonly onEvent?: (event: BootServeEvent) => void;
  /** Where the TFTP and HTTP servers log their own failures, with the detail clients never see. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** The DHCP server's settings; without them the server has no DHCP part. */
  readonly dhcp?: DhcpServiceOptions;
}

function httpPart(o: BootServerOptions): BootPart & { port(): number } {
  let server: BootHttpServer | undefined;
  const want = o.httpPort ?? DEFAULT_HTTP_PORT;
  return {
    name: 'http',
    start: async () => {
      server = await BootHttpServer.start({
        address: o.address,
        port: want,
        resolver: o.resolver,
        log: o.log,
        ...(o.httpPost === undefined ? {} : { post: o.httpPost }),
        onRequest: ({ userAgent, probe, ...e }) =>
          o.onEvent?.({
            protocol: 'http',
            at: new Date().toISOString(),
            ...e,
            ...(probe ? { probe } : {}),
            bootPath: bootPathOfUserAgent(userAgent) ?? null,
          }),
      });
    },
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    port: () => server?.port ?? want,
    state: () => ({
      name: 'http',
      state: server ? 'running' : 'off',
      address: o.address,
      port: server?.port ?? want,
      detail: null,
    }),
  };
}

function tftpPart(o: BootServerOptions): BootPart {
  let server: TftpServer | undefined;
  const want = o.tftpPort ?? DEFAULT_TFTP_PORT;
  return {
    name: 'tftp',
    start: async () => {
      server = await TftpServer.start({
        address: o.address,
        port: want,
        resolver: o.resolver,
        maxBlksize: o.maxBlksize,
        log: o.log,
        onTransfer: (e) =>
          o.onEvent?.({
            protocol: 'tftp',
            at: new Date().toISOString(),
            client: e.client,
            file: e.file,
            outcome: e.outcome,
            bytes: e.bytes,
            durationMs: e.durationMs,
            bytesPerSecond: e.bytesPerSecond,
            blksize: e.blksize ?? null,
            windowsize: e.windowsize ?? null,
            detail: e.detail ?? null,
            ...(e.probe === true ? { probe: true } : {}),
          }),
      });
    },
    stop: async () => {
      await server?.close();
      server = undefined;
    },
    state: () => ({
      name: 'tftp',
      state: server ? 'running' : 'off',
      address: o.address,
      port: server?.port ?? want,
      detail: server ? `${server.activeTransfers} transfers, blksize up to ${o.maxBlksize}` : null,
    }),
  };
}

/** BootServerService runs the serving parts on one address. */
export class BootServerService implements Disposable {
  private readonly parts: BootPart[];
  private readonly failures = new Map<string, string>();
  private readonly http: ReturnType<typeof httpPart>;

  private constructor(private readonly options: BootServerOptions) {
    this.http = httpPart(options);
    this.parts = [this.http, tftpPart(options)];
    const dhcp = options.dhcp;
    if (dhcp !== undefined)
      this.parts.push(
        dhcpPart(dhcp, () => ({
          ...dhcp,
          targets: defaultTargets(dhcp.subnet.address, this.http.port()),
        })),
      );
  }

  /**
   * Starts every part in order; on the first failure stops the ones already running and rethrows
   * that failure (a UserError with the fix when it is a bind problem).
   */
  static async start(options: BootServerOptions): Promise<BootServerService> {
    const service = new BootServerService(options);
    const started: BootPart[] = [];
    for (const part of service.parts) {
      try {
        await part.start();
        started.push(part);
      } catch (error) {
        service.failures.set(part.name, error instanceof Error ? error.message : String(error));
        for (const s of started.reverse()) await s.stop();
        throw error;
      }
    }
    return service;
  }

  /** The serving address. */
  get address(): string {
    return this.options.address;
  }

  /** The HTTP port actually bound (differs from the request when it was 0). */
  get httpPort(): number {
    return this.http.port();
  }

  /** Each part's state. */
  status(): BootPartState[] {
    return this.parts.map((p) => {
      const failure = this.failures.get(p.name);
      return failure === undefined ? p.state() : { ...p.state(), state: 'failed', detail: failure };
    });
  }

  /** Stops every part, the last started first. */
  async dispose(): Promise<void> {
    for (const part of [...this.parts].reverse()) await part.stop();
  }
}

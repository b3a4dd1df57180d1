/**
 * Where a test boot VM fetches LabBoot's iPXE script. A VM on QEMU's user-mode network reaches the
 * host's own addresses, so a boot server LabBoot runs on a real NIC (in this process, or another on
 * this data folder) is used as it is, with the configs it hands every machine. A server on loopback
 * names 127.0.0.1 in its configs, which inside the VM is the VM itself; then, as when nothing
 * serves, LabBoot starts its HTTP server on loopback for the test alone, whose configs name
 * 10.0.2.2, the host as the VM sees it.
 */
import { isIPv4 } from 'node:net';
import type { BootService } from '../boot/boot-service';
import type { ServingProcess } from '../boot/serving-record';

/** The host's loopback as seen from inside QEMU's user-mode network. */
export const USER_NET_HOST = '10.0.2.2';

/** The script URL and who serves it. */
export interface TestBootServer {
  readonly bootUrl: string;
  /** One sentence for people. */
  readonly note: string;
  /** Stops the server started for the test (no-op for a running one). */
  release(): Promise<void>;
}

/** What the choice is made from. */
export interface BootUrlDeps {
  /** This process's boot server. */
  readonly boot: Pick<BootService, 'status' | 'servingRecord'>;
  /** Builds a boot service of its own for a test on loopback (the same BootService assembly). */
  readonly makeBootService: () => Pick<BootService, 'start' | 'status' | 'dispose'>;
  readonly pid?: number;
  readonly hostname: string;
}

const reachable = (address: string | null): address is string =>
  address !== null && isIPv4(address) && !address.startsWith('127.');

const scriptUrl = (host: string, port: number): string => `http://${host}:${port}/boot.ipxe`;

/** runningServer returns the address and HTTP port of a boot server the VM can reach, if any. */
export function runningServer(
  deps: Pick<BootUrlDeps, 'boot' | 'hostname' | 'pid'>,
  live: () => ServingProcess[] = () => deps.boot.servingRecord.live(),
): { address: string; port: number; where: string } | undefined {
  const own = deps.boot.status();
  const http = own.parts.find((p) => p.name === 'http' && p.state === 'running');
  if (own.running && reachable(own.address) && http?.port != null)
    return { address: own.address, port: http.port, where: 'this LabBoot' };
  const pid = deps.pid ?? process.pid;
  const other = live().find(
    (p) =>
      p.pid !== pid && p.host === deps.hostname && reachable(p.address) && p.httpPort !== undefined,
  );
  return other?.httpPort === undefined
    ? undefined
    : { address: other.address, port: other.httpPort, where: `LabBoot process ${other.pid}` };
}

/** testBootServer picks the running boot server or starts one on loopback for the test. */
export async function testBootServer(deps: BootUrlDeps): Promise<TestBootServer> {
  const running = runningServer(deps);
  if (running !== undefined) {
    return {
      bootUrl: scriptUrl(running.address, running.port),
      note: `through the boot server ${running.where} runs on ${running.address}`,
      release: async () => {},
    };
  }
  const own = deps.makeBootService();
  try {
    const status = await own.start(
      { address: '127.0.0.1', httpPort: 0, tftpPort: 0 },
      { advertisedHost: USER_NET_HOST, remember: false },
    );
    const port = status.parts.find((p) => p.name === 'http')?.port;
    if (port == null) throw new Error('the loopback boot server reported no HTTP port');
    return {
      bootUrl: scriptUrl(USER_NET_HOST, port),
      note: `through LabBoot's HTTP server on 127.0.0.1:${port}, started for this test`,
      release: () => own.dispose(),
    };
  } catch (error) {
    await own.dispose();
    throw error;
  }
}

/**
 * The server side of the QEMU e2e boots, run inside the server namespace:
 * `node --import tsx test/e2e/pxe/lab-server.ts '<json LabServerArgs>'`.
 * It runs LabBoot's BootServerService (HTTP + TFTP) with the DHCP part on the namespace's NIC,
 * serving one folder, and writes every DHCP, TFTP and HTTP step into the boot log.
 * Prints `READY`, then `EVENT {json}` per boot event; stops on SIGTERM.
 */
import { openDatabase } from '../../../src-main/store/database';
import { createLogger } from '../../../src-main/logger';
import { BootServerService } from '../../../src-main/boot/boot-server';
import { statConfined } from '../../../src-main/boot/boot-files';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import type { BootTargets } from '../../../src-main/boot/dhcp/boot-choice';
import { dhcpPart, recordServeEvent } from '../../../src-main/boot/dhcp/dhcp-part';
import type { DhcpMode, DhcpRange } from '../../../src-main/boot/dhcp/responder';

/** LabServerArgs configure one e2e server run. */
export interface LabServerArgs {
  readonly mode: DhcpMode;
  readonly interfaceName: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
  readonly targets: BootTargets;
  readonly range?: DhcpRange;
  /** The folder served over TFTP and HTTP. */
  readonly root: string;
  readonly httpPort: number;
  readonly dbFile: string;
  readonly probeMs: number;
  /** false: no DHCP, TFTP on 1069 (the benchmark runs dnsmasq for DHCP + TFTP beside LabBoot's HTTP). */
  readonly dhcpAndTftp?: boolean;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as LabServerArgs;
  const db = openDatabase(a.dbFile);
  const bootLog = new BootLogStore(db);
  const log = createLogger({ stderrLevel: 'info' });
  const withBoth = a.dhcpAndTftp !== false;
  const server = await BootServerService.start({
    address: a.address,
    maxBlksize: 1468,
    tftpPort: withBoth ? 69 : 1069,
    httpPort: a.httpPort,
    resolver: { resolve: (name) => statConfined(a.root, name) },
    onEvent: (e) => {
      recordServeEvent(bootLog, e);
      process.stdout.write(`EVENT ${JSON.stringify(e)}\n`);
    },
    extraParts: withBoth
      ? [
          dhcpPart({
            mode: a.mode,
            interfaceName: a.interfaceName,
            subnet: { address: a.address, prefixLength: a.prefixLength },
            mac: a.mac,
            targets: a.targets,
            ...(a.range ? { range: a.range } : {}),
            probeMs: a.probeMs,
            db,
            log,
            onEvent: (e) => process.stdout.write(`EVENT ${JSON.stringify(e)}\n`),
          }),
        ]
      : [],
  });
  process.stdout.write(`READY ${JSON.stringify(server.status())}\n`);
  const stop = (): void => {
    void server.dispose().finally(() => {
      db.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stdout.write(`ERROR ${String(error)}\n`);
  process.exit(2);
});

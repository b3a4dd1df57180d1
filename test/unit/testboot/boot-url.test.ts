import { describe, expect, it } from 'vitest';
import { runningServer } from '../../../src-main/testboot/boot-url';
import type { BootStatus } from '../../../src-shared/contract/boot';
import type { ServingProcess } from '../../../src-main/boot/serving-record';

function status(address: string | null, httpPort: number | null): BootStatus {
  return {
    running: address !== null,
    address,
    interfaceName: null,
    mtu: null,
    warnings: [],
    parts:
      address === null
        ? []
        : [{ name: 'http', state: 'running', address, port: httpPort, detail: null }],
    dhcp: null,
    limitations: [],
    lastStart: null,
  };
}

const deps = (own: BootStatus) => ({
  boot: { status: () => own, servingRecord: { live: () => [] } } as never,
  hostname: 'here',
  pid: 1,
});

const row = (p: Partial<ServingProcess>): ServingProcess => ({
  pid: 2,
  host: 'here',
  address: '192.168.1.5',
  httpPort: 8080,
  startedAt: '2026-12-07T00:00:00Z',
  ...p,
});

describe('runningServer', () => {
  it("uses this process's boot server when it serves on an address the VM can reach", () => {
    expect(runningServer(deps(status('192.168.1.5', 8080)), () => [])).toEqual({
      address: '192.168.1.5',
      port: 8080,
      where: 'this LabBoot',
    });
  });

  it('uses another process serving from this data folder on this host, with its HTTP port', () => {
    expect(runningServer(deps(status(null, null)), () => [row({})])).toEqual({
      address: '192.168.1.5',
      port: 8080,
      where: 'LabBoot process 2',
    });
  });

  it('passes over servers on loopback, on other hosts, or that did not record their port', () => {
    const live = (): ServingProcess[] => [
      row({ address: '127.0.0.1' }),
      row({ host: 'elsewhere' }),
      row({ httpPort: undefined }),
      row({ pid: 1 }),
    ];
    expect(runningServer(deps(status('127.0.0.1', 8080)), live)).toBeUndefined();
  });
});

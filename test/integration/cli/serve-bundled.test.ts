/**
 * The bundled `labboot` binary (out/main/cli.js, what users run) serves DHCP+TFTP+HTTP on a
 * namespaced NIC: it must find its native interface-binding helper from the bundle's location.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { NetnsLab } from '../../helpers/netns/netns-lab';
import { labbootBin, repoRoot } from '../../helpers/console-process';
import { makeTempDir } from '../../helpers/temp-dir';

let lab: NetnsLab | undefined;
const dirs: { remove: () => void }[] = [];
afterEach(async () => {
  await lab?.dispose();
  lab = undefined;
  dirs.splice(0).forEach((d) => d.remove());
});

describe('bundled labboot serve', () => {
  it('starts DHCP, TFTP and HTTP on a namespaced interface and stops cleanly on SIGTERM', async () => {
    lab = new NetnsLab('sb');
    const ns = lab.ns('srv');
    const peer = lab.ns('peer');
    lab.veth(ns, 'eth0', peer, 'eth0');
    lab.addr(ns, 'eth0', '10.251.0.1/24');
    const tmp = makeTempDir();
    dirs.push(tmp);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        labbootBin,
        '--data',
        tmp.path,
        'serve',
        '--interface',
        'eth0',
        '--dhcp',
        'proxy',
        '--dhcp-port',
        '1067',
        '--tftp-port',
        '1069',
        '--http-port',
        '15248',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (
        !out.includes('LabBoot serving:') &&
        child.exitCode === null &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain(
        'LabBoot serving: HTTP 10.251.0.1:15248, TFTP 10.251.0.1:1069, DHCP 10.251.0.1:1067',
      );
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      expect(await exited).toBe(0);
      clearTimeout(timer);
    }
  });
});

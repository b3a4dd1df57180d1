/**
 * Benchmark: writing a ddgz image to a VM's disk with LabBoot's installer vs what a person would
 * type in the same VM, `wget -O- URL | gunzip | dd of=/dev/vda bs=1M` and `sync` — same image, same
 * URL on the same `labboot serve` (the bundled CLI), same VM and disk size; the two alternate each
 * round. Both are timed inside the VM from the moment the user-data is in hand to the synced disk
 * (the installer's disk choice, sha256 check and reports are part of its time; its reboot is not).
 * Each side's disk is checked afterwards: its sha256 must equal the raw image's. Goal: installer
 * ≤ 1.15× the typed pipeline.
 * Run as root: `npx tsx test/bench/deploy.ts [rounds=3] [MiB=1024]`.
 */
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { NetnsLab } from '../helpers/netns/netns-lab';
import { runLabboot } from '../helpers/mirror/run-cli';
import { buildLan, routerConfig } from '../e2e/pxe/lab';
import { startServe } from '../e2e/pxe/serve-process';
import { syncLabStore } from '../e2e/pxe/store-image';
import { startDeployVm } from '../e2e/pxe/deploy-vm';
import { buildBenchInitrd, buildBiosDisk } from '../e2e/pxe/deploy-payloads';
import { assertQuietMachine } from './load-guard';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from './bench-stats';

type Side = 'labboot' | 'baseline';
const MAC: Record<Side, string> = { labboot: '52:54:00:77:02:01', baseline: '52:54:00:77:02:02' };
const GOAL = 1.15;
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  assertQuietMachine();
  const rounds = boundedCount(process.argv[2], 3, 1, 10);
  const mib = boundedCount(process.argv[3], 1024, 32, 4096);
  const work = mkdtempSync(join(tmpdir(), 'labboot-bench-deploy-'));
  const dataDir = join(work, 'data');
  const lab = new NetnsLab('bd');
  try {
    await syncLabStore(work, dataDir, 'http', (w, out) => buildBenchInitrd(w, out, MAC.baseline));
    // A bootable disk at the start, zeros after it (as a freshly built image mostly is).
    const disk = buildBiosDisk(work, 'bench');
    const raw = join(work, 'bench.img');
    execFileSync('cp', [disk.path, raw]);
    truncateSync(raw, mib * MiB);
    const fd = openSync(raw, 'r+');
    writeSync(fd, Buffer.from('LABBOOT-BENCH-END'), 0, 17, mib * MiB - 17);
    closeSync(fd);
    const rawSha = await sha256File(raw);
    execFileSync('bash', ['-c', 'gzip -6 -c "$1" > "$1.gz"', 'gz', raw]);
    const lb = async (...args: string[]): Promise<string> => {
      const r = await runLabboot(['--data', dataDir, ...args], {}, 900_000);
      if (r.status !== 0) throw new Error(`labboot ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await lb('images', 'import', 'bench', `${raw}.gz`);
    const net = buildLan(lab);
    lab.run(net.rtr, 'dnsmasq', [
      '-k',
      `--conf-file=${routerConfig(work, false).conf}`,
      '--log-facility=-',
    ]);
    const serve = await startServe(lab, net.srv, dataDir, [
      '--interface',
      net.srvIf,
      '--dhcp',
      'full',
      '--range',
      '10.77.0.20-10.77.0.49',
      '--boot',
      'ubuntu/jammy/amd64',
    ]);
    const times: Record<Side, number[]> = { labboot: [], baseline: [] };
    let tap = 0;
    for (let round = 0; round < rounds; round++) {
      for (const side of roundOrder<Side>(['labboot', 'baseline'], round)) {
        // Both MACs are marked, so the image URL exists for the baseline too.
        await lb('deploy', MAC[side], 'custom/bench');
        const dir = join(work, `r${round}-${side}`);
        mkdirSync(dir, { recursive: true });
        const vmDisk = join(dir, 'disk.raw');
        writeFileSync(vmDisk, '');
        truncateSync(vmDisk, mib * MiB);
        const name = `tap${++tap}`;
        lab.tap(net.lan, name);
        lab.attach(net.lan, name, 'br0');
        const vm = startDeployVm(
          lab,
          {
            firmware: 'bios',
            ns: net.lan,
            tap: name,
            mac: MAC[side],
            work: dir,
            timeoutMs: 1_800_000,
            serverLog: () => serve.stderr(),
          },
          vmDisk,
          side,
        );
        try {
          const text = await vm.waitFor(/LABBOOT-BENCH \S+ [\d.]+ [\d.]+/, 1_800_000);
          const m = /LABBOOT-BENCH (\S+) ([\d.]+) ([\d.]+)/.exec(text);
          const seconds = Number(m?.[3]) - Number(m?.[2]);
          await vm.kill();
          const got = await sha256File(vmDisk);
          if (got !== rawSha)
            throw new Error(
              `${side} round ${round}: the disk's sha256 ${got} is not the image's ${rawSha}`,
            );
          times[side].push(seconds);
          console.log(`round ${round + 1} ${side}: ${seconds.toFixed(1)} s (disk sha256 ok)`);
        } finally {
          await vm.kill();
        }
      }
    }
    const ratio = pairedRatio(times.labboot, times.baseline);
    console.log(
      `deploy ${mib} MiB ddgz (${rounds} rounds, medians): installer ${median(times.labboot).toFixed(1)} s, ` +
        `wget | gunzip | dd ${median(times.baseline).toFixed(1)} s, ratio ${ratio.toFixed(2)}× (goal ≤ ${GOAL}×) ` +
        `${ratio <= GOAL ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await lab.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

/**
 * Benchmark: LabBoot sync of a ~1 GiB loopback mirror (download + streaming sha256 + store) vs
 * `curl -o FILE` followed by `sha256sum FILE` for the same files, measured side by side in one run
 * against the same server process. Run: `npx tsx test/bench/sync-throughput.ts` (BENCH_MB=1024).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src-main/store/database';
import { SourcesService } from '../../src-main/sync/sources-service';
import { SyncService } from '../../src-main/sync/sync-service';
import { buildMirror, generateTestKey } from '../helpers/mirror/build-mirror';
import { makeTempDir } from '../helpers/temp-dir';

const totalMb = Number(process.env.BENCH_MB ?? 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= buf.length) {
    randomFillSync(buf);
    writeSync(fd, buf, 0, Math.min(buf.length, left));
  }
  closeSync(fd);
}

const tmp = makeTempDir('labboot-bench-');
let server: ReturnType<typeof spawn> | undefined;
try {
  const src = join(tmp.path, 'src');
  mkdirSync(src);
  const mb = 1024 * 1024;
  const sizes = { kernel: 0.1, initrd: 0.2, squashfs: 0.7 };
  for (const [name, frac] of Object.entries(sizes))
    randomFile(join(src, name), Math.round(totalMb * frac * mb));
  const key = await generateTestKey();
  const mirror = await buildMirror({
    root: join(tmp.path, 'mirror'),
    key,
    images: [
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'ga-22.04',
        versions: {
          '20250701': {
            kernel: { file: join(src, 'kernel') },
            initrd: { file: join(src, 'initrd') },
            squashfs: { file: join(src, 'squashfs') },
            manifest: 'bash\t5.1\n',
          },
        },
      },
    ],
  });
  const serveCli = fileURLToPath(new URL('../helpers/mirror/serve-cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', serveCli, mirror.root], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  server = child;
  const port = await new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /^PORT (\d+)$/.exec(l);
      if (m?.[1]) resolve(m[1]);
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  const files = mirror.items.filter((i) => i.ftype !== 'manifest');
  const bytes = files.reduce((n, f) => n + f.size, 0);

  const timeLabboot = async (round: number): Promise<number> => {
    const dataDir = join(tmp.path, `data-${round}`);
    const db = openDatabase(join(dataDir, 'labboot.sqlite'));
    const sources = new SourcesService(db, dataDir);
    await sources.add({ url, name: 'bench', keyring: key.publicBinary, verify: true });
    sources.select(['ubuntu/jammy/amd64']);
    const sync = new SyncService(db, sources, { dataDir });
    const t0 = performance.now();
    await sync.run(() => {});
    const ms = performance.now() - t0;
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
    return ms;
  };
  const timeCurl = (round: number): number => {
    const dir = join(tmp.path, `curl-${round}`);
    mkdirSync(dir);
    const t0 = performance.now();
    for (const f of files) {
      const out = join(dir, f.sha256);
      const c = spawnSync('curl', ['-sS', '-f', '-o', out, new URL(f.path, url).toString()]);
      if (c.status !== 0) throw new Error(`curl failed: ${c.stderr.toString()}`);
      const h = spawnSync('sha256sum', [out], { encoding: 'utf8' });
      if (!h.stdout.startsWith(f.sha256)) throw new Error('sha256 mismatch in curl peer');
    }
    const ms = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    return ms;
  };

  console.log(
    `sync-throughput: ${files.length} files, ${(bytes / 1e6).toFixed(0)} MB, ${rounds} interleaved rounds`,
  );
  const ours: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < rounds; r++) {
    peer.push(timeCurl(r));
    ours.push(await timeLabboot(r));
  }
  const best = (xs: number[]): number => Math.min(...xs);
  const mbps = (ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `  labboot sync (download + sha256 + store): best ${best(ours).toFixed(0)} ms = ${mbps(best(ours))} MB/s`,
  );
  console.log(
    `  curl -o FILE; sha256sum FILE:            best ${best(peer).toFixed(0)} ms = ${mbps(best(peer))} MB/s`,
  );
  console.log(
    `  ratio (curl+sha256sum time / labboot time): ${(best(peer) / best(ours)).toFixed(2)}x (goal >= 1.0x)`,
  );
} finally {
  server?.kill('SIGTERM');
  tmp.remove();
}

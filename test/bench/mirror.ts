/**
 * Mirror benchmark, two parts side by side in one run, on an image whose kernel, initrd and
 * squashfs hold random bytes adding up to the bench's size, stored by the bundled `labboot sync`
 * from a signed loopback mirror (see `served-image.ts`):
 *
 * 1. Serving: the bundled `labboot mirror serve --address 127.0.0.1` vs Debian's nginx serving
 *    the same tree: the folder an untimed `labboot mirror export` wrote, each image file in it
 *    replaced by a hard link to the stored blob (the very file LabBoot serves, same page cache).
 *    One curl per round fetches every image file at its stream path
 *    (`jammy/amd64/20250701/ga-22.04/generic/squashfs`, …) over one kept-alive connection, to
 *    /dev/null, and the byte count is checked; each server's bytes are sha256-checked first.
 * 2. Export: `labboot mirror export DIR` (each file copied, fsynced, read back and sha256-checked)
 *    into a fresh folder vs `cp -r` of the tree above followed by `sha256sum -c` of every copied
 *    file (it does not fsync). LabBoot's folder is sha256-checked after each round, untimed.
 *
 * Every server, client and command is pinned to CPU 0 (`taskset -c`, from its first instruction),
 * the order of the sides alternates each round, and medians are reported with the ratio of the
 * medians and the median of the per-round ratios. Goal for both: ≥ 0.8× the peer.
 * Run as root (nginx's worker drops to `nobody`):
 * `npx electron-vite build && npx tsx test/bench/mirror.ts [rounds=3] [MiB=1024]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { labbootBin, repoRoot } from '../helpers/console-process';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from './bench-stats';
import { curlSha256, pinnedCurl, startNginx } from './http-peer';
import { assertQuietMachine } from './load-guard';
import {
  placeForPeer,
  refuseWithoutBundle,
  stopChildren,
  syncBenchImage,
  threadCpus,
} from './served-image';

assertQuietMachine();
refuseWithoutBundle();
const rounds = boundedCount(process.argv[2], 3, 1, 9);
const mib = boundedCount(process.argv[3], 1024, 1, 4096);
const SIZE = mib * 1024 * 1024;
const CPU = '0';
const stepTimeoutMs = 600_000;
const children: ChildProcess[] = [];

/** A file of the exported tree: its path under the mirror root and its sha256. */
interface TreeFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** run starts `cmd` pinned to CPU 0, fails on a non-zero exit, and times it. */
function run(cmd: string, args: readonly string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('taskset', ['-c', CPU, cmd, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), stepTimeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`${cmd} ${args.join(' ')} ended ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

/** labbootExport runs the bundled `labboot mirror export DIR` into a fresh folder, checks that it
 * copied every file of the tree, and returns its time and the number of files. */
async function labbootExport(dataDir: string, out: string): Promise<{ ms: number; files: number }> {
  const r = await run(process.execPath, [
    labbootBin,
    '--data',
    dataDir,
    '--json',
    'mirror',
    'export',
    out,
  ]);
  const done = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; files?: number; copied?: number })
    .at(-1);
  if (done?.event !== 'done' || done.files === undefined || done.copied !== done.files)
    throw new Error(`labboot mirror export ended with ${JSON.stringify(done)}`);
  return { ms: r.ms, files: done.files };
}

/** filesUnder lists every regular file below `root`, as paths relative to it. */
function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(root, p);
    return e.isFile() ? [relative(root, p)] : [];
  });
}

/** checkTree fails unless `root` holds exactly `files`, each with its sha256. */
async function checkTree(root: string, files: readonly TreeFile[], who: string): Promise<void> {
  const found = filesUnder(root).sort();
  const want = files.map((f) => f.path).sort();
  if (found.join('\n') !== want.join('\n'))
    throw new Error(`${who} wrote ${found.join(', ')}, not ${want.join(', ')}`);
  for (const f of files)
    if ((await sha256File(join(root, f.path))) !== f.sha256)
      throw new Error(`${who} wrote wrong bytes for ${f.path}`);
}

/** startMirrorServe runs the bundled `labboot mirror serve` on 127.0.0.1, pinned to CPU 0. */
async function startMirrorServe(dataDir: string): Promise<number> {
  const child = spawn(
    'taskset',
    [
      '-c',
      CPU,
      process.execPath,
      labbootBin,
      '--data',
      dataDir,
      '--json',
      'mirror',
      'serve',
      '--address',
      '127.0.0.1',
      '--port',
      '0',
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`labboot mirror serve did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const started = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { port: number };
  const cpus = threadCpus(child.pid ?? 0);
  if (cpus.size !== 1 || !cpus.has(CPU))
    throw new Error(`labboot mirror serve threads run on CPUs ${[...cpus].join(' ')}, not ${CPU}`);
  return started.port;
}

/** Kernel, initrd and squashfs share the bench's bytes as in a real image: the squashfs dominates. */
function imageSizes(total: number): { kernel: number; initrd: number; squashfs: number } {
  const kernel = Math.max(1, Math.round(total / 16));
  const initrd = Math.max(1, Math.round((total * 3) / 16));
  return { kernel, initrd, squashfs: Math.max(1, total - kernel - initrd) };
}

/**
 * exportPeerTree writes the tree with an untimed `labboot mirror export`, checks it against the
 * loopback mirror it was synced from (verbatim: the same signed metadata, the same image files,
 * at the same paths), then replaces each file that is a stored blob with a hard link to it.
 */
async function exportPeerTree(
  dir: string,
  dataDir: string,
): Promise<{ root: string; files: TreeFile[]; placed: string }> {
  const root = join(dir, 'tree');
  const paths = filesUnder(join(dir, 'mirror'));
  await labbootExport(dataDir, root);
  const files: TreeFile[] = [];
  const placed = new Set<string>();
  for (const path of filesUnder(root)) {
    const file = join(root, path);
    const sha256 = await sha256File(file);
    if (!paths.includes(path) || (await sha256File(join(dir, 'mirror', path))) !== sha256)
      throw new Error(`labboot mirror export wrote ${path}, unlike the synced mirror's file`);
    const size = statSync(file).size;
    files.push({ path, sha256, size });
    const blob = join(dataDir, 'blobs/sha256', sha256.slice(0, 2), sha256);
    if (existsSync(blob)) {
      rmSync(file);
      placed.add(placeForPeer(root, path, { sha256, size, path: blob }));
    } else {
      chmodSync(file, 0o644);
    }
  }
  return { root, files, placed: [...placed].join(' or ') };
}

async function main(dir: string): Promise<void> {
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const sizes = imageSizes(SIZE);
  await syncBenchImage(dir, dataDir, {
    'boot-kernel': sizes.kernel,
    'boot-initrd': sizes.initrd,
    squashfs: sizes.squashfs,
  });
  const tree = await exportPeerTree(dir, dataDir);
  // The sources of the sync are no longer needed; they would only crowd the page cache.
  rmSync(join(dir, 'src'), { recursive: true, force: true });
  rmSync(join(dir, 'mirror'), { recursive: true, force: true });
  const images = tree.files.filter((f) => !f.path.startsWith('streams/'));
  const imageBytes = images.reduce((n, f) => n + f.size, 0);
  const treeBytes = tree.files.reduce((n, f) => n + f.size, 0);

  // 1. Serving the tree.
  const servers = {
    labboot: await startMirrorServe(dataDir),
    nginx: await startNginx(dir, tree.root, CPU, children),
  };
  type Server = keyof typeof servers;
  const url = (name: Server, f: TreeFile): string => `http://127.0.0.1:${servers[name]}/${f.path}`;
  for (const name of Object.keys(servers) as Server[])
    for (const f of tree.files)
      if ((await curlSha256(url(name, f))) !== f.sha256)
        throw new Error(`${name} served wrong bytes for ${f.path}`);
  const mbps: Record<Server, number[]> = { labboot: [], nginx: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(Object.keys(servers) as Server[], round)) {
      const r = await pinnedCurl(CPU, [
        '-f',
        '-w',
        '%{size_download}\n',
        ...images.flatMap((f) => ['-o', '/dev/null', url(name, f)]),
      ]);
      const got = r.stdout
        .trim()
        .split('\n')
        .reduce((n, l) => n + Number(l), 0);
      if (got !== imageBytes) throw new Error(`${name}: got ${got} bytes, not ${imageBytes}`);
      mbps[name].push(imageBytes / 1e6 / (r.ms / 1000));
    }
  }
  await stopChildren(children);
  const a = median(mbps.labboot);
  const b = median(mbps.nginx);
  console.log(
    `mirror serve: ${images.length} image files (${(imageBytes / 2 ** 20).toFixed(0)} MiB) stored by labboot sync, fetched at their stream paths (${images.map((f) => f.path.split('/').at(-1)).join(', ')} under ${images[0]?.path.split('/').slice(0, -1).join('/')}/) by one curl per round on loopback from the bundled labboot mirror serve and from nginx (tree from labboot mirror export, image files ${tree.placed}), all pinned to CPU ${CPU}, median of ${rounds} rounds, order alternating, every file sha256-checked per server (MB/s = 10^6 B/s):`,
  );
  console.log(
    `  labboot ${a.toFixed(0)}  nginx ${b.toFixed(0)}  ratio ${(a / b).toFixed(2)}x  (per-round ${pairedRatio(mbps.labboot, mbps.nginx).toFixed(2)}x; goal >= 0.8x)`,
  );

  // 2. Exporting the tree to another folder.
  const sides = {
    labboot: async (out: string): Promise<number> => {
      const { ms } = await labbootExport(dataDir, out);
      await checkTree(out, tree.files, 'labboot mirror export');
      return ms;
    },
    peer: async (out: string): Promise<number> => {
      const sums = `${out}.sha256`;
      writeFileSync(sums, tree.files.map((f) => `${f.sha256}  ${join(out, f.path)}\n`).join(''));
      const copied = await run('cp', ['-r', tree.root, out]);
      const checked = await run('sha256sum', ['-c', '--quiet', '--strict', sums]);
      rmSync(sums);
      return copied.ms + checked.ms;
    },
  };
  type Side = keyof typeof sides;
  const ms: Record<Side, number[]> = { labboot: [], peer: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of roundOrder(Object.keys(sides) as Side[], round)) {
      const out = join(dir, `${side}-${round}`);
      ms[side].push(await sides[side](out));
      rmSync(out, { recursive: true, force: true });
    }
  }
  const rate = (t: number): string => (treeBytes / 1e6 / (t / 1000)).toFixed(0);
  const ea = median(ms.labboot);
  const eb = median(ms.peer);
  console.log(
    `mirror export: the same tree (${tree.files.length} files, ${(treeBytes / 2 ** 20).toFixed(0)} MiB with the signed metadata) written to a fresh folder on the same disk, pinned to CPU ${CPU}, median of ${rounds} rounds, order alternating (MB/s = 10^6 B/s):`,
  );
  console.log(
    `  labboot mirror export (bundled CLI: copy, fsync, read back, sha256 per file; folder sha256-checked after) ${ea.toFixed(0)} ms = ${rate(ea)} MB/s`,
  );
  console.log(`  cp -r + sha256sum -c --strict (no fsync) ${eb.toFixed(0)} ms = ${rate(eb)} MB/s`);
  console.log(
    `  ratio (peer time / labboot time) ${(eb / ea).toFixed(2)}x  (per-round ${pairedRatio(ms.peer, ms.labboot).toFixed(2)}x; goal >= 0.8x)`,
  );
}

const tmp = makeTempDir('labboot-bench-mirror-');
try {
  await main(tmp.path);
} finally {
  await stopChildren(children);
  tmp.remove();
}

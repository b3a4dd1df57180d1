/**
 * What the HTTP and TFTP benchmarks serve, set up the way a user gets it: an image with random
 * contents of the bench's size published by a signed loopback simplestreams mirror, put into a
 * store by the bundled `labboot sync`, and served by the bundled `labboot serve --address
 * 127.0.0.1 --dhcp off`, pinned to one CPU from its first instruction (`taskset -c`, so every thread
 * it starts is pinned too, as the peers are). The names the files are fetched under are read from
 * the iPXE script that `labboot serve` hands a booting machine, so the bench downloads exactly what
 * a machine would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { buildMirror, manifestText } from '../helpers/mirror/build-mirror';
import { MirrorServer } from '../helpers/mirror/mirror-server';
import { labbootBin, repoRoot } from '../helpers/console-process';
import { runBundledCli } from '../helpers/run-bundled-cli';
import { sha256File } from './bench-stats';

/** The image the benches sync and serve. */
export const BENCH_IMAGE = 'ubuntu/jammy/amd64';

/** The image files a booting machine fetches, by their simplestreams ftype. */
export type ImageFtype = 'boot-kernel' | 'boot-initrd' | 'squashfs';

/** A file of the synced image as the store holds it. */
export interface StoredImageFile {
  readonly sha256: string;
  readonly size: number;
  /** The blob in the store. */
  readonly path: string;
}

/** refuseWithoutBundle stops a bench (exit 1) when the bundled CLI it measures is not built. */
export function refuseWithoutBundle(): void {
  if (!existsSync(join(repoRoot, 'out/main/cli.js'))) {
    process.stderr.write(
      'bench refused: out/main/cli.js is missing; run `npx electron-vite build`.\n',
    );
    process.exit(1);
  }
}

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= buf.length) {
    randomFillSync(buf);
    writeSync(fd, buf, 0, Math.min(buf.length, left));
  }
  closeSync(fd);
}

async function labboot(dataDir: string, args: readonly string[]): Promise<string> {
  const r = await runBundledCli(['--data', dataDir, ...args], 600_000);
  if (r.status !== 0) throw new Error(`labboot ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

interface ImagesJson {
  kind?: string;
  versions: { complete: boolean; files: { ftype: string; sha256: string; path: string }[] }[];
}

/**
 * syncBenchImage builds a one-image mirror under `work` whose files have random contents of the
 * given sizes in bytes, syncs it into `dataDir` with the bundled CLI, checks every stored blob
 * against the mirror's digest, and returns the stored files by ftype.
 */
export async function syncBenchImage(
  work: string,
  dataDir: string,
  bytes: Record<ImageFtype, number>,
): Promise<Record<ImageFtype, StoredImageFile>> {
  const src = join(work, 'src');
  mkdirSync(src, { recursive: true });
  for (const [ftype, size] of Object.entries(bytes)) randomFile(join(src, ftype), size);
  const mirror = await buildMirror({
    root: join(work, 'mirror'),
    images: [
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'ga-22.04',
        versions: {
          '20250701': {
            kernel: { file: join(src, 'boot-kernel') },
            initrd: { file: join(src, 'boot-initrd') },
            squashfs: { file: join(src, 'squashfs') },
            manifest: manifestText({ bash: '5.1-6ubuntu1.1' }),
          },
        },
      },
    ],
  });
  const server = await new MirrorServer(mirror.root).start();
  try {
    const keyFile = join(work, 'mirror.asc');
    writeFileSync(keyFile, mirror.key.publicKey);
    await labboot(dataDir, ['sources', 'add', server.url, '--keyring', keyFile, '--name', 'bench']);
    await labboot(dataDir, ['select', 'add', BENCH_IMAGE]);
    await labboot(dataDir, ['sync']);
    const images = JSON.parse(await labboot(dataDir, ['--json', 'images'])) as ImagesJson[];
    const stored = images
      .filter((i) => i.kind === undefined || i.kind === 'image')
      .flatMap((i) => i.versions.filter((v) => v.complete).flatMap((v) => v.files));
    const pick = async (ftype: ImageFtype): Promise<StoredImageFile> => {
      const file = stored.find((f) => f.ftype === ftype);
      const item = mirror.items.find((i) => i.ftype === ftype);
      if (file === undefined || item === undefined)
        throw new Error(`labboot sync stored no ${ftype}: ${JSON.stringify(images)}`);
      if (file.sha256 !== item.sha256 || (await sha256File(file.path)) !== item.sha256)
        throw new Error(`labboot sync stored wrong bytes for ${ftype}`);
      return { sha256: file.sha256, size: statSync(file.path).size, path: file.path };
    };
    return {
      'boot-kernel': await pick('boot-kernel'),
      'boot-initrd': await pick('boot-initrd'),
      squashfs: await pick('squashfs'),
    };
  } finally {
    await server.stop();
  }
}

/** A running `labboot serve`. */
export interface LabbootServe {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly tftpPort: number;
  /** `native` when the serving process loaded LabBoot's native module, else `portable`. */
  readonly tftpEngine: 'native' | 'portable';
  /** Everything it printed on stderr so far. */
  stderr(): string;
}

/** threadCpus is the set of CPU lists the threads of `pid` may run on, as `taskset` prints them. */
export function threadCpus(pid: number): Set<string> {
  const lists = readdirSync(`/proc/${pid}/task`).map(
    (tid) =>
      /Cpus_allowed_list:\s*(\S+)/.exec(
        readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'),
      )?.[1] ?? '?',
  );
  return new Set(lists);
}

/**
 * startLabbootServe runs the bundled `labboot serve` on 127.0.0.1 with free ports, DHCP off and
 * the bench image as every machine's default, pinned to `cpu`, and waits until it serves. `env`
 * is added to its environment. The child is pushed onto `children` for the caller's cleanup.
 */
export async function startLabbootServe(
  dataDir: string,
  cpu: string,
  children: ChildProcess[],
  env: NodeJS.ProcessEnv = {},
): Promise<LabbootServe> {
  const child = spawn(
    'taskset',
    [
      '-c',
      cpu,
      process.execPath,
      labbootBin,
      '--data',
      dataDir,
      'serve',
      '--address',
      '127.0.0.1',
      '--dhcp',
      'off',
      '--http-port',
      '0',
      '--tftp-port',
      '0',
      '--boot',
      BENCH_IMAGE,
    ],
    // stdout carries one line per transfer; it is drained so a full pipe never stalls the server.
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'pipe' },
  );
  children.push(child);
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  let ports: RegExpExecArray | null = null;
  while (ports === null) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`labboot serve did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
    ports = /LabBoot serving:.*HTTP [\d.]+:(\d+).*TFTP [\d.]+:(\d+)/.exec(stderr);
  }
  const pid = child.pid ?? 0;
  const cpus = threadCpus(pid);
  if (cpus.size !== 1 || !cpus.has(cpu))
    throw new Error(`labboot serve threads run on CPUs ${[...cpus].join(' ')}, not only ${cpu}`);
  // The native module is loaded when the TFTP server starts, only if it is there to load.
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  return {
    child,
    httpPort: Number(ports[1]),
    tftpPort: Number(ports[2]),
    tftpEngine: maps.includes('labboot_native.node') ? 'native' : 'portable',
    stderr: () => stderr,
  };
}

/**
 * servedImagePaths reads the iPXE script `labboot serve` gives a machine without its own choice
 * and returns the path of each image file in it (`images/<sha256 prefix>/…`), the name LabBoot
 * serves the file under over HTTP (with a leading `/`) and TFTP alike.
 */
export async function servedImagePaths(httpPort: number): Promise<Record<ImageFtype, string>> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/ipxe.cfg-default`);
  const script = await res.text();
  if (!res.ok) throw new Error(`labboot serve answered ${res.status} for ipxe.cfg-default`);
  const paths = [...script.matchAll(/http:\/\/127\.0\.0\.1:\d+\/(images\/\S+)/g)].map((m) => m[1]);
  const find = (ftype: ImageFtype): string => {
    const path = paths.find((p) => p?.endsWith(`/${ftype}`));
    if (path === undefined) throw new Error(`no ${ftype} URL in LabBoot's iPXE script:\n${script}`);
    return path;
  };
  return {
    'boot-kernel': find('boot-kernel'),
    'boot-initrd': find('boot-initrd'),
    squashfs: find('squashfs'),
  };
}

/**
 * placeForPeer puts the stored blob at `name` under the peer's `root`: a hard link (the very file
 * LabBoot serves, same page cache) when the store's file is world-readable for the peer's
 * unprivileged worker, else a world-readable copy, so the store itself is never changed.
 */
export function placeForPeer(
  root: string,
  name: string,
  file: StoredImageFile,
): 'a hard link to the stored file' | 'a copy of the stored file' {
  const target = join(root, name);
  mkdirSync(dirname(target), { recursive: true });
  for (let dir = dirname(target); dir.length >= root.length; dir = dirname(dir))
    chmodSync(dir, 0o755);
  if ((statSync(file.path).mode & 0o004) !== 0) {
    try {
      linkSync(file.path, target);
      return 'a hard link to the stored file';
    } catch {
      // Another filesystem: fall through to a copy.
    }
  }
  copyFileSync(file.path, target);
  chmodSync(target, 0o644);
  return 'a copy of the stored file';
}

/**
 * stopChildren ends the bench's servers by their own pids: SIGTERM, then SIGKILL for any still
 * running after five seconds, and resolves once all have exited.
 */
export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (c) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

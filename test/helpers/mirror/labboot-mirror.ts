/**
 * Helpers for tests of LabBoot as a mirror: a LabBoot (services on its own data folder) synced
 * from a source, `labboot mirror serve` in a child process, what a store holds (blobs by digest,
 * catalogue without paths or times), and gpgv checks of clearsigned files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readKey } from 'openpgp';
import { createServices, type Services } from '../../../src-main/services';
import { cliMain, repoRoot } from './run-cli';

/** openLabboot opens the services of a data folder (dispose them in afterAll). */
export function openLabboot(dataDir: string): Promise<Services> {
  return createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
}

/** syncFrom adds one source, selects jammy/amd64 and syncs; resolves with the error, if any. */
export async function syncFrom(
  lb: Services,
  url: string,
  keyring: Uint8Array,
): Promise<Error | undefined> {
  await lb.sources.add({ url, name: 'up', keyring, verify: true });
  lb.sources.select(['ubuntu/jammy/amd64']);
  try {
    await lb.sync.run(() => undefined);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/** blobsOf maps every stored blob's name to the sha256 of its bytes. */
export function blobsOf(dataDir: string): Record<string, string> {
  const root = join(dataDir, 'blobs', 'sha256');
  const out: Record<string, string> = {};
  for (const prefix of readdirSync(root)) {
    for (const name of readdirSync(join(root, prefix))) {
      out[name] = createHash('sha256')
        .update(readFileSync(join(root, prefix, name)))
        .digest('hex');
    }
  }
  return out;
}

/** catalogOf is what a store holds, without paths, times or where it came from. */
export function catalogOf(lb: Services): unknown[] {
  return lb.sources.store.listResources().map((r) => ({
    kind: r.kind,
    os: r.os,
    release: r.release,
    arch: r.arch,
    subarch: r.subarch,
    kflavor: r.kflavor,
    label: r.label,
    product: r.product,
    versions: r.versions.map((v) => ({
      version: v.version,
      complete: v.complete,
      files: v.files.map((f) => ({ name: f.name, ftype: f.ftype, sha256: f.sha256, size: f.size })),
    })),
  }));
}

/** ServedMirror is a running `labboot mirror serve`. */
export interface ServedMirror {
  url: string;
  streams: { name: string; url: string }[];
  stop(): Promise<void>;
}

/** serveMirror runs `labboot --data DIR mirror serve --address 127.0.0.1 --port 0 --json …`. */
export async function serveMirror(dataDir: string, extra: string[] = []): Promise<ServedMirror> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cliMain,
      '--data',
      dataDir,
      '--json',
      'mirror',
      'serve',
      '--address',
      '127.0.0.1',
      '--port',
      '0',
      ...extra,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await exited;
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`mirror serve did not start: ${stderr}`)),
        30_000,
      );
      createInterface({ input: child.stdout }).once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.once('exit', () => reject(new Error(`mirror serve exited: ${stderr}`)));
    });
    const info = JSON.parse(line) as { url: string; streams: { name: string; url: string }[] };
    return { url: info.url, streams: info.streams, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** binaryKeyring turns armored public keys into the binary keyring gpgv reads. */
export async function binaryKeyring(armored: string, file: string): Promise<string> {
  writeFileSync(file, (await readKey({ armoredKey: armored })).write());
  return file;
}

/** gpgv checks a clearsigned file (or text) with a keyring; resolves with gpgv's status and output. */
export function gpgv(
  keyring: string,
  text: Uint8Array | string,
  home: string,
): { status: number | null; out: string } {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const r = spawnSync('gpgv', ['--homedir', home, '--keyring', keyring, '-'], { input: text });
  return { status: r.status, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

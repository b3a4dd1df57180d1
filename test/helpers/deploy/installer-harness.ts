/**
 * Runs LabBoot's installer script under busybox sh with no machine: a fake /sys tree describing
 * block devices, a fake /proc/mounts, plain files standing in for the disks, a PATH of busybox
 * applets only, and a loopback HTTP server that serves the image and records the reports.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  loadInstaller,
  renderInstaller,
  type InstallerSettings,
} from '../../../src-main/deploy/installer';

/** A fake block device. */
export interface FakeDisk {
  readonly name: string;
  /** Bytes (a multiple of 512). */
  readonly size: number;
  readonly removable?: boolean;
  readonly readOnly?: boolean;
  /** A plain file is made for it under dev/ (else only the /sys entry exists). */
  readonly file?: boolean;
}

/** One report the installer posted, as key → value. */
export type Report = Record<string, string>;

/** What one run did. */
export interface InstallerRun {
  readonly code: number | null;
  readonly output: string;
  readonly reports: Report[];
  readonly rebooted: boolean;
}

const APPLETS = [
  'sh',
  'wget',
  'gzip',
  'gunzip',
  'xz',
  'unxz',
  'bzip2',
  'tar',
  'tee',
  'dd',
  'sha256sum',
  'mkfifo',
  'sync',
  'cat',
  'grep',
  'sleep',
  'kill',
  'rm',
  'mkdir',
  'touch',
  'tail',
  'echo',
];

/** parseReport reads a report body (`key=value` lines). */
export function parseReport(body: string): Report {
  const out: Report = {};
  for (const line of body.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** InstallerHarness owns the fake machine under `root` and the HTTP server. */
export class InstallerHarness {
  readonly reports: Report[] = [];
  private server: Server | undefined;
  /** What GET /image answers; `cut` sends that many bytes, then drops the connection. */
  image: { body: Buffer; cut?: number } = { body: Buffer.alloc(0) };

  constructor(readonly root: string) {}

  /** makes sys/, dev/, proc/, bin/ and tmp/ with these disks and mounted devices. */
  machine(
    disks: readonly FakeDisk[],
    mounts: readonly string[] = [],
    extraTools: Record<string, string> = {},
  ): void {
    for (const sub of ['sys/block', 'dev', 'proc', 'bin', 'tmp'])
      mkdirSync(join(this.root, sub), { recursive: true });
    for (const d of disks) {
      const dir = join(this.root, 'sys/block', d.name);
      mkdirSync(join(dir, 'holders'), { recursive: true });
      writeFileSync(join(dir, 'size'), `${d.size / 512}\n`);
      writeFileSync(join(dir, 'removable'), d.removable === true ? '1\n' : '0\n');
      writeFileSync(join(dir, 'ro'), d.readOnly === true ? '1\n' : '0\n');
      writeFileSync(join(dir, 'stat'), '0 0 0 0 0 0 0 0 0 0 0\n');
      if (d.file !== false)
        writeFileSync(join(this.root, 'dev', d.name), Buffer.alloc(d.size, 0xee));
    }
    writeFileSync(
      join(this.root, 'proc/mounts'),
      mounts.map((m) => `${join(this.root, 'dev', m)} / ext4 rw 0 0\n`).join(''),
    );
    for (const a of APPLETS) symlinkSync('/usr/bin/busybox', join(this.root, 'bin', a));
    for (const [name, target] of Object.entries(extraTools))
      symlinkSync(target, join(this.root, 'bin', name));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          this.reports.push(parseReport(body));
          res.end('ok\n');
        });
        return;
      }
      const { body, cut } = this.image;
      res.writeHead(200, { 'Content-Length': body.length });
      if (cut === undefined) res.end(body);
      else res.write(body.subarray(0, cut), () => res.destroy());
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** run renders the installer with `settings` and runs it with busybox sh; bounded by 20 s. */
  async run(
    settings: Omit<InstallerSettings, 'reportUrl' | 'imageUrl'>,
    base: string,
  ): Promise<InstallerRun> {
    const script = join(this.root, 'user-data');
    writeFileSync(
      script,
      renderInstaller(loadInstaller(), {
        ...settings,
        reportUrl: `${base}/report`,
        imageUrl: `${base}/image`,
      }),
      { mode: 0o755 },
    );
    const rebootMark = join(this.root, 'rebooted');
    const child = spawn('/usr/bin/busybox', ['sh', script], {
      env: {
        PATH: join(this.root, 'bin'),
        TMPDIR: join(this.root, 'tmp'),
        LABBOOT_SYS_ROOT: join(this.root, 'sys'),
        LABBOOT_PROC_ROOT: join(this.root, 'proc'),
        LABBOOT_DEV_ROOT: join(this.root, 'dev'),
        LABBOOT_REBOOT: `touch ${rebootMark}`,
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    return { code, output, reports: [...this.reports], rebooted: existsSync(rebootMark) };
  }
}

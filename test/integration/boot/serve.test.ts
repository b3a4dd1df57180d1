/**
 * `labboot serve` end to end on loopback: a real sync fills the store from a signed test mirror,
 * then tftp-hpa, atftp and curl fetch bootloaders, generated configs, kernel, initrd and squashfs
 * with correct bytes; a privileged port without rights gets one clear sentence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { cliMain, repoRoot, runLabboot } from '../../helpers/mirror/run-cli';
import { requireBinaries, run, sha256File } from '../../helpers/boot/udp-tools';
import { BootResources } from '../../../src-main/store/boot-resources';
import { makeTempDir } from '../../helpers/temp-dir';

let env: SyncEnv;
let child: ChildProcess | undefined;
let stdout = '';
let stderr = '';
let tftpPort = 0;
let httpPort = 0;
const mac = '52:54:00:12:34:56';

beforeAll(async () => {
  await requireBinaries(['tftp', 'atftp', 'curl']);
  env = await makeSyncEnv({ key: await generateTestKey() });
  const error = await env.run();
  if (error !== undefined) throw error;
  const keyFile = join(env.tmp, 'admin.pub');
  writeFileSync(keyFile, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey admin@laptop\n');
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cliMain,
      '--data',
      env.dataDir,
      'serve',
      '--address',
      '127.0.0.1',
      '--tftp-port',
      '0',
      '--http-port',
      '0',
      '--boot',
      'ubuntu/jammy/amd64',
      '--ssh-key',
      keyFile,
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!/LabBoot serving:/.test(stderr)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`serve did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  httpPort = Number(/HTTP 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
  tftpPort = Number(/TFTP 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
});

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await env?.cleanup();
});

function image(): NonNullable<ReturnType<BootResources['findImage']>> {
  const img = new BootResources(env.db, env.dataDir).findImage('ubuntu/jammy/amd64');
  if (img === undefined) throw new Error('sync stored no jammy image');
  return img;
}

const tftpGet = async (name: string, dest: string): Promise<void> => {
  await run('tftp', ['-m', 'binary', '127.0.0.1', String(tftpPort), '-c', 'get', name, dest]);
};

describe('labboot serve', () => {
  it('serves bootloaders over TFTP (tftp-hpa, atftp) and HTTP with the stored bytes', async () => {
    const resources = new BootResources(env.db, env.dataDir);
    const pxe = resources.bootloaderDir('pxe', 'i386');
    const uefi = resources.bootloaderDir('uefi', 'amd64');
    expect(pxe && uefi).toBeTruthy();
    for (const [name, dir] of [
      ['lpxelinux.0', pxe],
      ['ldlinux.c32', pxe],
      ['bootx64.efi', uefi],
      ['grubx64.efi', uefi],
    ] as const) {
      const a = join(env.tmp, `tftp-${name}`);
      await tftpGet(`/${name}`, a);
      expect(sha256File(a), name).toBe(sha256File(join(dir ?? '', name)));
      const b = join(env.tmp, `atftp-${name}`);
      await run('atftp', [
        '--option',
        'blksize 1468',
        '--option',
        'tsize 0',
        '-g',
        '-r',
        name,
        '-l',
        b,
        '127.0.0.1',
        String(tftpPort),
      ]);
      expect(sha256File(b), name).toBe(sha256File(join(dir ?? '', name)));
      const c = join(env.tmp, `http-${name}`);
      await run('curl', ['-sSf', `http://127.0.0.1:${httpPort}/images/${name}`, '-o', c]);
      expect(sha256File(c), name).toBe(sha256File(join(dir ?? '', name)));
    }
  });

  it('generates per-MAC PXELINUX and GRUB configs whose URLs fetch the kernel, initrd and squashfs', async () => {
    const pxeCfg = join(env.tmp, 'pxe.cfg');
    await tftpGet(`pxelinux.cfg/01-${mac.replaceAll(':', '-')}`, pxeCfg);
    const text = readFileSync(pxeCfg, 'utf8');
    expect(text).toMatch(/^DEFAULT execute\n/);
    const img = image();
    const kernel = /KERNEL (\S+)/.exec(text)?.[1] ?? '';
    const initrd = /INITRD (\S+)/.exec(text)?.[1] ?? '';
    const squash = /root=squash:(\S+)/.exec(text)?.[1] ?? '';
    for (const [url, ftype] of [
      [kernel, 'boot-kernel'],
      [initrd, 'boot-initrd'],
      [squash, 'squashfs'],
    ] as const) {
      expect(url).toMatch(
        new RegExp(
          `^http://127\\.0\\.0\\.1:${httpPort}/images/[0-9a-f]{7,}/ubuntu/amd64/ga-22.04/jammy/stable/${ftype}$`,
        ),
      );
      const dest = join(env.tmp, `via-http-${ftype}`);
      await run('curl', ['-sSf', url, '-o', dest]);
      const stored = img.files.find((f) => f.ftype === ftype);
      expect(sha256File(dest), ftype).toBe(stored?.sha256);
      // The same file over TFTP, by the same path, as a PXE client without HTTP would fetch it.
      const viaTftp = join(env.tmp, `via-tftp-${ftype}`);
      await tftpGet(new URL(url).pathname, viaTftp);
      expect(sha256File(viaTftp), ftype).toBe(stored?.sha256);
    }
  });

  it('serves GRUB its pre-loader and per-MAC config over TFTP and HTTP, naming kernel and initrd paths both protocols serve', async () => {
    // GRUB asks `grub/grub.cfg` over TFTP when PXE loaded it, and `/grub/grub.cfg` over HTTP when
    // the firmware's HTTP Boot did; then the per-MAC file by the same road.
    const preTftp = join(env.tmp, 'grub-pre-tftp.cfg');
    await tftpGet('/grub/grub.cfg', preTftp);
    const preHttp = join(env.tmp, 'grub-pre-http.cfg');
    await run('curl', ['-sSf', `http://127.0.0.1:${httpPort}/grub/grub.cfg`, '-o', preHttp]);
    expect(readFileSync(preTftp, 'utf8')).toContain('configfile /grub/grub.cfg-${net_default_mac}');
    expect(readFileSync(preHttp, 'utf8')).toBe(readFileSync(preTftp, 'utf8'));
    const cfgTftp = join(env.tmp, 'grub-mac-tftp.cfg');
    // tftp-hpa reads a colon as host:file, so curl asks for the name with the MAC's colons.
    await run('curl', ['-sSf', `tftp://127.0.0.1:${tftpPort}/grub/grub.cfg-${mac}`, '-o', cfgTftp]);
    const cfgHttp = join(env.tmp, 'grub-mac-http.cfg');
    await run('curl', ['-sSf', `http://127.0.0.1:${httpPort}/grub/grub.cfg-${mac}`, '-o', cfgHttp]);
    const text = readFileSync(cfgHttp, 'utf8');
    expect(readFileSync(cfgTftp, 'utf8')).toBe(text);
    const viaHttp = [...text.matchAll(/\(http,127\.0\.0\.1:(\d+)\)(\/images\/\S+)/g)];
    const viaTftp = [...text.matchAll(/\(tftp,127\.0\.0\.1\)(\/images\/\S+)/g)];
    expect(viaHttp.map((m) => m[1])).toEqual([String(httpPort), String(httpPort)]);
    // The TFTP fallback names exactly the kernel and initrd the http branch does.
    expect(viaTftp.map((m) => m[1])).toEqual(viaHttp.map((m) => m[2]));
    const img = image();
    for (const [i, ftype] of (['boot-kernel', 'boot-initrd'] as const).entries()) {
      const path = viaHttp[i]?.[2] ?? '';
      expect(path).toMatch(new RegExp(`/${ftype}$`));
      const stored = img.files.find((f) => f.ftype === ftype)?.sha256;
      const h = join(env.tmp, `grub-http-${ftype}`);
      await run('curl', ['-sSf', `http://127.0.0.1:${httpPort}${path}`, '-o', h]);
      expect(sha256File(h), ftype).toBe(stored);
      const t = join(env.tmp, `grub-tftp-${ftype}`);
      await tftpGet(path, t);
      expect(sha256File(t), ftype).toBe(stored);
    }
  });

  it('serves a NoCloud seed with the admin key and prints one line per boot event', async () => {
    const userData = join(env.tmp, 'user-data');
    await run('curl', [
      '-sSf',
      `http://127.0.0.1:${httpPort}/cloud-init/${mac}/user-data`,
      '-o',
      userData,
    ]);
    expect(readFileSync(userData, 'utf8')).toBe(
      '#cloud-config\nhostname: labboot-123456\nssh_pwauth: false\nssh_authorized_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey admin@laptop\n',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(/ tftp 127\.0\.0\.1 \/lpxelinux\.0 complete /);
    expect(stdout).toMatch(
      / http 127\.0\.0\.1 GET \/cloud-init\/52:54:00:12:34:56\/user-data 200 /,
    );
  });

  it('says what to do, without a stack trace, when a privileged port is refused', async () => {
    // setpriv drops root's capabilities so port 69 is refused even though the test runs as root.
    await run('sh', ['-c', 'command -v setpriv']);
    const home = makeTempDir('labboot-nobody-');
    chmodSync(home.path, 0o777);
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--inh-caps=-all',
          process.execPath,
          '--import',
          'tsx',
          cliMain,
          '--data',
          join(home.path, 'data'),
          'serve',
          '--address',
          '127.0.0.1',
          '--http-port',
          '0',
        ],
        {
          cwd: repoRoot,
          env: { ...process.env, HOME: home.path, TMPDIR: home.path },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('close', (status) => resolve({ status, stderr: err }));
    }).finally(() => home.remove());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /TFTP cannot listen on 127\.0\.0\.1:69 because ports below 1024 need privileges.*cap_net_bind_service.*root.*port of 1024 or higher/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses unknown DHCP modes and wildcard addresses in one sentence', async () => {
    const wildcard = await runLabboot(['--data', env.dataDir, 'serve', '--address', '0.0.0.0']);
    expect(wildcard.status).toBe(1);
    expect(wildcard.stderr).toMatch(/never on all of them/);
    const nic = await runLabboot(['--data', env.dataDir, 'serve', '--interface', 'nosuch0']);
    expect(nic.status).toBe(1);
    expect(nic.stderr).toMatch(/no network interface named nosuch0/);
  });
});

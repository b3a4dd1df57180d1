/** BootHttpServer against curl: whole files, ranges, HEAD, validators, errors and traversal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BootHttpServer, type HttpRequestEvent } from '../../../src-main/boot/http/http-server';
import { directoryResolver } from '../../../src-main/boot/boot-files';
import { makeTempDir } from '../../helpers/temp-dir';
import { requireBinaries, run, sha256File } from '../../helpers/boot/udp-tools';

const tmp = makeTempDir('labboot-http-');
const root = join(tmp.path, 'root');
let server: BootHttpServer;
const events: HttpRequestEvent[] = [];
const body = randomBytes(3_000_000);

beforeAll(async () => {
  await requireBinaries(['curl']);
  mkdirSync(root);
  writeFileSync(join(root, 'squashfs'), body);
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(tmp.path, 'secret.txt'), 'outside\n');
  symlinkSync(join(tmp.path, 'secret.txt'), join(root, 'link-out'));
  server = await BootHttpServer.start({
    address: '127.0.0.1',
    port: 0,
    resolver: directoryResolver(root),
    onRequest: (e) => events.push(e),
  });
});

afterAll(async () => {
  await server?.close();
  tmp.remove();
});

const url = (p: string): string => `http://127.0.0.1:${server.port}${p}`;

/** curl with headers on stdout: returns status, headers and the saved body path. */
async function curl(
  path: string,
  extra: string[] = [],
): Promise<{ status: number; headers: Record<string, string>; file: string }> {
  const file = join(tmp.path, `body-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await run('curl', [
    '-sS',
    '--path-as-is',
    '-D',
    '-',
    '-o',
    file,
    ...extra,
    url(path),
  ]);
  const lines = stdout.trim().split(/\r?\n/);
  const status = Number(lines[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers, file };
}

describe('BootHttpServer', () => {
  it('streams a whole file with length and validators, over HTTP/1.0 and 1.1', async () => {
    for (const v of ['--http1.0', '--http1.1']) {
      const r = await curl('/squashfs', [v]);
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe(String(body.length));
      expect(r.headers.etag).toMatch(/^".+"$/);
      expect(r.headers['last-modified']).toBeDefined();
      expect(sha256File(r.file)).toBe(sha256File(join(root, 'squashfs')));
    }
    const last = events.at(-1);
    expect(last).toMatchObject({
      client: '127.0.0.1',
      method: 'GET',
      path: '/squashfs',
      status: 200,
      bytes: body.length,
    });
  });

  it('answers single ranges with 206 and the exact bytes, and 416 past the end', async () => {
    const r = await curl('/squashfs', ['-r', '1000-1999']);
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 1000-1999/${body.length}`);
    const { readFileSync } = await import('node:fs');
    expect(Buffer.compare(readFileSync(r.file), body.subarray(1000, 2000))).toBe(0);
    const tail = await curl('/squashfs', ['-r', '-100']);
    expect(Buffer.compare(readFileSync(tail.file), body.subarray(body.length - 100))).toBe(0);
    const bad = await curl('/squashfs', ['-r', `${body.length}-`]);
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${body.length}`);
  });

  it('resumes with If-Range and ignores the range when the validator is stale', async () => {
    const first = await curl('/squashfs', ['-I']);
    const etag = first.headers.etag ?? '';
    const ok = await curl('/squashfs', ['-r', '10-19', '-H', `If-Range: ${etag}`]);
    expect(ok.status).toBe(206);
    const stale = await curl('/squashfs', ['-r', '10-19', '-H', 'If-Range: "stale"']);
    expect(stale.status).toBe(200);
    const cached = await curl('/squashfs', ['-H', `If-None-Match: ${etag}`]);
    expect(cached.status).toBe(304);
  });

  it('answers HEAD without a body and serves empty files', async () => {
    const head = await curl('/squashfs', ['-I']);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(body.length));
    const empty = await curl('/empty');
    expect(empty.status).toBe(200);
    expect(empty.headers['content-length']).toBe('0');
  });

  it('refuses traversal, symlinks out of the root, missing files and writes', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/a/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/%00',
    ]) {
      expect((await curl(p)).status, p).toBe(400);
    }
    expect((await curl('/link-out')).status).toBe(403);
    expect((await curl('/missing')).status).toBe(404);
    expect((await curl('/squashfs', ['-X', 'PUT', '--data', 'x'])).status).toBe(405);
  });
});

describe('header spelling firmware depends on', () => {
  it('sends Content-Length in canonical case (GRUB 2.06 matches it case-sensitively)', async () => {
    const { stdout } = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', url('/squashfs')]);
    expect(stdout).toMatch(/^Content-Length: 3000000\r$/m);
    expect(stdout).toMatch(/^Content-Type: /m);
  });
});

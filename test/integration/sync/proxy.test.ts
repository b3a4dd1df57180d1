import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { generateTestKey, type TestKey } from '../../helpers/mirror/build-mirror';
import { repoRoot } from '../../helpers/mirror/run-cli';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

const childScript = fileURLToPath(new URL('../../helpers/mirror/sync-child.ts', import.meta.url));
let key: TestKey;
let env: SyncEnv | undefined;
let proxy: Server | undefined;
beforeAll(async () => {
  key = await generateTestKey();
});
afterEach(async () => {
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  proxy = undefined;
  await env?.cleanup();
  env = undefined;
});

describe('HTTP_PROXY', { timeout: 120_000 }, () => {
  it('sends every request through the proxy named by HTTP_PROXY', async () => {
    env = await makeSyncEnv({ key });
    env.db.close();
    const seen: string[] = [];
    const sockets: { destroy: () => void }[] = [];
    // A minimal forward proxy: absolute-URI GETs are forwarded to the (loopback) origin.
    proxy = createServer((req, res) => {
      seen.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    // undici tunnels through the proxy with CONNECT, also for http:// origins.
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url ?? ''}`);
      const [host, port] = (req.url ?? '').split(':');
      const up = connect(Number(port), host ?? '', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
      sockets.push(socket, up);
    });
    await new Promise<void>((r) => proxy?.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as AddressInfo).port;
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, env.dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '', no_proxy: '' },
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(killer);
    for (const sk of sockets) sk.destroy();
    expect(code, stderr).toBe(0);
    const origin = new URL(env.server.url).host;
    expect(seen.length).toBeGreaterThan(0);
    expect(
      seen.every((u) => u === `CONNECT ${origin}` || u.startsWith(env?.server.url ?? '-')),
    ).toBe(true);
    // Every file still arrived (through the tunnel): the mirror saw the squashfs request.
    expect(env.server.requests.some((r) => r.path.endsWith('/squashfs'))).toBe(true);
  });
});

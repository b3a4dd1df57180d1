import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { ApiHttpServer } from '../../../src-main/api/http-server';
import { Dispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/event-bus';
import { calls } from '../../../src-shared/contract/index';
import type { Handlers } from '../../../src-main/api/handlers/types';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const events = new EventBus();
const handlers = Object.fromEntries(
  Object.keys(calls).map((n) => [n, () => Promise.reject(new Error(n))]),
) as unknown as Handlers;
(handlers as unknown as Record<string, () => unknown>)['system.interfaces'] = () => [];
let server: ApiHttpServer;
let base: string;

/** raw sends a request with exactly the headers given (fetch would add or forbid some). */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

beforeAll(async () => {
  const ui = join(tmp.path, 'renderer');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(ui, 'assets', 'a.js'), 'console.log(1)');
  writeFileSync(join(tmp.path, 'secret.txt'), 'TOP-SECRET-CONTENT');
  symlinkSync(join(tmp.path, 'secret.txt'), join(ui, 'assets', 'link.js'));
  server = new ApiHttpServer({
    dispatcher: new Dispatcher(handlers),
    events,
    rendererDir: ui,
    token: 'T0ken',
  });
  const port = await server.listen(0);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server.dispose();
  tmp.remove();
});

const auth = { Authorization: 'Bearer T0ken', 'Content-Type': 'application/json' };

describe('ApiHttpServer', () => {
  it('answers a call with the token', async () => {
    const r = await raw('/api/call/system.interfaces', {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: [] });
  });

  it('refuses calls without the token, or with a wrong one (401)', async () => {
    const none = await raw('/api/call/system.interfaces', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    const wrong = await raw('/api/call/system.interfaces', {
      method: 'POST',
      headers: { ...auth, Authorization: 'Bearer T0kex' },
      body: '{}',
    });
    expect(wrong.status).toBe(401);
    const events = await raw('/api/events');
    expect(events.status).toBe(401);
  });

  it('refuses a foreign Origin even with the token (403)', async () => {
    const r = await raw('/api/call/system.interfaces', {
      method: 'POST',
      headers: { ...auth, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('bad-origin');
  });

  it('refuses a foreign Host (DNS rebinding) (403)', async () => {
    const r = await raw('/api/call/system.interfaces', {
      method: 'POST',
      headers: { ...auth, Host: 'rebind.example:80' },
      body: '{}',
    });
    expect(r.status).toBe(403);
  });

  it('reports unknown calls, bad JSON and bad input clearly', async () => {
    expect(
      (await raw('/api/call/nope', { method: 'POST', headers: auth, body: '{}' })).status,
    ).toBe(404);
    expect(
      (await raw('/api/call/system.info', { method: 'POST', headers: auth, body: '{' })).status,
    ).toBe(400);
    const bad = await raw('/api/call/system.info', {
      method: 'POST',
      headers: auth,
      body: '{"x":1}',
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('bad-input');
  });

  it('pushes contract events as Server-Sent Events', async () => {
    const res = await fetch(`${base}/api/events`, { headers: { Authorization: 'Bearer T0ken' } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const deadline = Date.now() + 5000;
    let emitted = false;
    while (!text.includes('event: system.log') && Date.now() < deadline) {
      const { value } = await reader.read();
      text += value ?? '';
      if (!emitted && text.includes('connected')) {
        emitted = true;
        events.emit('system.log', {
          at: '2026-01-01T00:00:00Z',
          level: 'info',
          component: 't',
          message: 'hello',
        });
      }
    }
    await reader.cancel();
    expect(text).toContain(
      'event: system.log\ndata: {"at":"2026-01-01T00:00:00Z","level":"info","component":"t","message":"hello"}',
    );
  });

  it('serves the UI with a CSP and never a file outside its folder', async () => {
    const index = await raw('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await raw('/assets/a.js')).status).toBe(200);
    for (const p of [
      '/../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/link.js',
      '/%00',
      '/assets/%E0%A4%A',
    ]) {
      const r = await raw(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain('TOP-SECRET-CONTENT');
    }
  });
});

describe('one-time sign-in codes (the URL handed to the browser opener)', () => {
  const origin = (): string => base;
  const exchange = (
    code: string,
    headers: Record<string, string> = { Origin: origin() },
  ): ReturnType<typeof raw> =>
    raw('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ code }),
    });
  const codeOf = (url: string): string => {
    const m = /^http:\/\/127\.0\.0\.1:\d+\/#code=([A-Za-z0-9_-]{43})$/.exec(url);
    if (m === null) throw new Error(`not a code URL: ${url}`);
    return m[1]!;
  };

  it('carries a code, not the token, and the code is traded for the token exactly once', async () => {
    const url = server.issueBrowserUrl();
    expect(url).not.toContain('T0ken');
    const code = codeOf(url);
    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ ok: true, value: { token: 'T0ken' } });
    expect(first.headers['cache-control']).toBe('no-store');
    const again = await exchange(code);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body).error.code).toBe('bad-code');
    expect(JSON.parse(again.body).error.message).toContain('already used or has expired');
  });

  it('refuses a foreign or missing Origin, a foreign Host, GET and unknown codes', async () => {
    const code = codeOf(server.issueBrowserUrl());
    expect((await exchange(code, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await exchange(code, {})).status).toBe(403);
    expect((await exchange(code, { Origin: origin(), Host: 'rebind.example:80' })).status).toBe(
      403,
    );
    expect((await raw('/api/session', { headers: { Origin: origin() } })).status).toBe(405);
    expect((await exchange('x'.repeat(43))).status).toBe(401);
    // None of those refusals used the code up.
    expect((await exchange(code)).status).toBe(200);
  });

  it('refuses a code after its lifetime', async () => {
    const short = new ApiHttpServer({
      dispatcher: new Dispatcher(handlers),
      events,
      token: 'Other',
      loginCodes: { ttlMs: 150, maxOutstanding: 8 },
    });
    const port = await short.listen(0);
    try {
      const code = codeOf(short.issueBrowserUrl());
      await new Promise((r) => setTimeout(r, 300));
      const r = await fetch(`http://127.0.0.1:${port}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${port}` },
        body: JSON.stringify({ code }),
      });
      expect(r.status).toBe(401);
    } finally {
      await short.dispose();
    }
  });
});

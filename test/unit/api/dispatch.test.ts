import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src-main/api/dispatch';
import type { Handlers } from '../../../src-main/api/handlers/types';
import { UserError } from '../../../src-shared/errors';
import { calls } from '../../../src-shared/contract/index';

const info = {
  version: '1.0.0',
  dataDir: '/d',
  databasePath: '/d/labboot.sqlite',
  platform: 'linux-x64',
  frontDoor: 'cli' as const,
  startedAt: '2026-01-01T00:00:00.000Z',
};

function dispatcherWith(
  overrides: Partial<Record<string, (input: unknown) => unknown>>,
): Dispatcher {
  const handlers = Object.fromEntries(
    Object.keys(calls).map((name) => [
      name,
      overrides[name] ?? (() => Promise.reject(new Error(`no ${name}`))),
    ]),
  ) as unknown as Handlers;
  return new Dispatcher(handlers);
}

describe('Dispatcher', () => {
  it('runs a handler with parsed input and returns its parsed output', async () => {
    const d = dispatcherWith({ 'system.info': () => info });
    expect(await d.call('system.info', {})).toEqual({ ok: true, value: info });
  });

  it('refuses unknown call names, including prototype keys', async () => {
    const d = dispatcherWith({});
    for (const name of ['nope', '__proto__', 'constructor', 42, null]) {
      const r = await d.call(name, {});
      expect(r).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    }
  });

  it('refuses input outside the schema before the handler runs', async () => {
    let ran = false;
    const d = dispatcherWith({ 'system.info': () => ((ran = true), info) });
    const r = await d.call('system.info', { extra: 1 });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(ran).toBe(false);
  });

  it('turns a UserError into its code and message', async () => {
    const d = dispatcherWith({
      'system.info': () => {
        throw new UserError('The disk is full; free some space.', 'enospc');
      },
    });
    expect(await d.call('system.info', {})).toEqual({
      ok: false,
      error: { code: 'enospc', message: 'The disk is full; free some space.' },
    });
  });

  it('hides bugs and contract-breaking outputs behind an internal error', async () => {
    const crash = dispatcherWith({
      'system.info': () => Promise.reject(new TypeError('x is undefined')),
    });
    expect(await crash.call('system.info', {})).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
    const wrong = dispatcherWith({ 'system.info': () => ({ ...info, version: 7 }) });
    expect(await wrong.call('system.info', {})).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });
});

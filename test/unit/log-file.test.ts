import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import {
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogFile } from '../../src-main/log-file';
import { createLogger, seeTheLog } from '../../src-main/logger';
import { makeTempDir } from '../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDir(): string {
  const t = makeTempDir('labboot-log-');
  cleanups.push(t.remove);
  return t.path;
}

/** allLines reads every kept file, oldest first. */
function allLines(file: LogFile, files: number): string[] {
  const out: string[] = [];
  for (let n = files - 1; n >= 0; n--) {
    const p = file.rotatedPath(n);
    if (existsSync(p))
      out.push(
        ...readFileSync(p, 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
  }
  return out;
}

describe('LogFile', () => {
  it('rotates by size, keeps the newest files and never loses the line being written', () => {
    const dir = tempDir();
    const log = new LogFile(dir, { maxBytes: 200, files: 3 });
    cleanups.push(() => log.dispose());
    const lines = Array.from(
      { length: 40 },
      (_, i) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(20)}`,
    );
    for (const l of lines) log.append(l);
    const names = readdirSync(dir).sort();
    expect(names).toEqual(['labboot.log', 'labboot.log.1', 'labboot.log.2']);
    for (const n of names) expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(200);
    const kept = allLines(log, 3);
    // The newest lines are all there, in order, and the last one written is the last one kept.
    expect(kept).toEqual(lines.slice(lines.length - kept.length));
    expect(kept.length).toBeGreaterThanOrEqual(15);
  });

  it('two writers sharing the folder (two processes) rotate it without losing a line', async () => {
    const dir = tempDir();
    const script = fileURLToPath(new URL('../helpers/log-writer.ts', import.meta.url));
    const run = (tag: string): Promise<number | null> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, dir, tag, '400'], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('error', reject);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    // 800 lines of ~40 bytes = ~32 KB, under the 10 × 4 KB kept: every line must be somewhere.
    const log = new LogFile(dir, { maxBytes: 4096, files: 10 });
    const kept = allLines(log, 10);
    const expected = ['a', 'b'].flatMap((t) =>
      Array.from({ length: 400 }, (_, i) => `${t} ${String(i).padStart(4, '0')}`),
    );
    expect(kept.map((l) => l.slice(0, 6)).sort()).toEqual(expected.sort());
    expect(readdirSync(dir).filter((n) => n.endsWith('.lock'))).toEqual([]);
    for (const n of readdirSync(dir))
      expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(4096 + 200);
  }, 30_000);

  it('takes over a rotation lock left by a process that died while rotating', () => {
    const dir = tempDir();
    const log = new LogFile(dir, { maxBytes: 100, files: 2 });
    cleanups.push(() => log.dispose());
    const lock = join(dir, 'labboot.log.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    for (let i = 0; i < 10; i++) log.append(`${i} ${'y'.repeat(30)}`);
    expect(existsSync(join(dir, 'labboot.log.1'))).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('reads the tail of the current file', () => {
    const dir = tempDir();
    const log = new LogFile(dir);
    cleanups.push(() => log.dispose());
    expect(log.tail(5)).toEqual([]);
    for (let i = 0; i < 50; i++) log.append(`entry ${i}`);
    expect(log.tail(3)).toEqual(['entry 47', 'entry 48', 'entry 49']);
    // A window that starts mid-line drops the partial line.
    expect(log.tail(100, 30)).toEqual(['entry 47', 'entry 48', 'entry 49']);
  });

  it('reports a log file it cannot write once and does not throw', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'labboot.log'), '');
    const reports: string[] = [];
    // A folder where the file should be: opening it for append fails.
    const log = new LogFile(join(dir, 'labboot.log'), { onFailure: (m) => reports.push(m) });
    log.append('one');
    log.append('two');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('cannot write the log file');
  });
});

describe('logger and the log file', () => {
  it('appends escaped, timestamped lines of every level and names the file for "see the log"', () => {
    const dir = tempDir();
    const file = new LogFile(dir);
    cleanups.push(() => file.dispose());
    const log = createLogger({ stderrLevel: 'silent', file });
    log.info('boot', 'serving');
    log.warn('tftp', 'evil\nname');
    log.error('api', 'boom');
    const text = readFileSync(file.path, 'utf8').trimEnd().split('\n');
    expect(text.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'INFO  [boot] serving',
      'WARN  [tftp] evil\\nname',
      'ERROR [api] boom',
    ]);
    expect(text[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    expect(seeTheLog(log)).toBe(`see the log file ${file.path}`);
    expect(seeTheLog(createLogger({ stderrLevel: 'silent' }))).toBe('see the log');
  });

  it('keeps info lines out of the file when fileLevel is warn', () => {
    const dir = tempDir();
    const file = new LogFile(dir);
    cleanups.push(() => file.dispose());
    const log = createLogger({ stderrLevel: 'silent', file, fileLevel: 'warn' });
    log.info('dhcp', 'offer');
    log.warn('dhcp', 'odd');
    expect(readFileSync(file.path, 'utf8')).toMatch(/^\S+ WARN {2}\[dhcp\] odd\n$/);
  });
});

describe('an internal API error', () => {
  it('tells the caller which log file holds the details, and writes them there', async () => {
    const { Dispatcher } = await import('../../src-main/api/dispatch');
    const dir = tempDir();
    const file = new LogFile(dir);
    cleanups.push(() => file.dispose());
    const log = createLogger({ stderrLevel: 'silent', file });
    const handlers = {
      'system.info': () => {
        throw new TypeError('x is undefined');
      },
    } as unknown as ConstructorParameters<typeof Dispatcher>[0];
    const result = await new Dispatcher(handlers, log).call('system.info', {});
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'internal',
        message: `Internal error in system.info; see the log file ${file.path}.`,
      },
    });
    expect(readFileSync(file.path, 'utf8')).toMatch(
      /ERROR \[api\] system\.info failed: TypeError: x is undefined/,
    );
  });
});

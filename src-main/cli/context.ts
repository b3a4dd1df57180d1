import { resolveDataDir } from '../data-dir';
import { createServices, type Services } from '../services';
import type { FrontDoor } from '../system-service';

/** The global options every command sees (`labboot --data DIR --json …`). */
export interface GlobalOptions {
  data?: string;
  json?: boolean;
}

/** CliContext is what a command needs from the CLI: options, output and the services. */
export interface CliContext {
  /** The global options, read when the command runs (commander parses them first). */
  globals(): GlobalOptions;
  /** The data folder after `--data` / `$LABBOOT_DATA` / default precedence. */
  dataDir(): string;
  /** true when `--json` was given. */
  json(): boolean;
  /** output prints `human` text, or `jsonValue` as JSON with `--json`. */
  output(human: string | (() => string), jsonValue: unknown): void;
  /** info writes a line for people to stderr (never mixed into `--json` stdout). */
  info(line: string): void;
  /** withServices opens the store, runs `fn`, and always disposes the services. */
  withServices<T>(fn: (services: Services) => Promise<T>, frontDoor?: FrontDoor): Promise<T>;
  /** openServices opens them for a long-running command that disposes them itself. */
  openServices(frontDoor?: FrontDoor): Promise<Services>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** createCliContext binds the context to a function that reads the parsed global options. */
export function createCliContext(readGlobals: () => GlobalOptions, io: CliIo): CliContext {
  const ctx: CliContext = {
    globals: readGlobals,
    dataDir: () => resolveDataDir(readGlobals().data, io.env),
    json: () => readGlobals().json === true,
    output(human, jsonValue) {
      if (ctx.json()) {
        io.stdout.write(`${JSON.stringify(jsonValue, null, 2)}\n`);
      } else {
        const text = typeof human === 'function' ? human() : human;
        io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
      }
    },
    info(line) {
      io.stderr.write(`${line}\n`);
    },
    async withServices(fn, frontDoor = 'cli') {
      const services = await ctx.openServices(frontDoor);
      try {
        return await fn(services);
      } finally {
        await services.dispose();
      }
    },
    openServices(frontDoor = 'cli') {
      return createServices({
        dataDir: ctx.dataDir(),
        frontDoor,
        stderrLogLevel: frontDoor === 'cli' ? 'warn' : 'info',
      });
    },
    stdout: io.stdout,
    stderr: io.stderr,
  };
  return ctx;
}

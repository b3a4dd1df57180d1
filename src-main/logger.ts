import type { EventBus } from './event-bus';
import { printable } from '../src-shared/text/printable';

export type LogLevel = 'info' | 'warn' | 'error';

/** Logger writes `[component] message` lines to stderr, the log file and the live log stream. */
export interface Logger {
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
  /** The log file, for messages that tell a person to look there; absent without one. */
  readonly filePath?: string;
}

/** A file that takes whole log lines (the rotating `labboot.log`). */
export interface LogFileSink {
  readonly path: string;
  append(line: string): void;
}

/** Where log lines are written; `process.stderr` unless a test passes its own. */
export interface LineSink {
  write(text: string): unknown;
}

export interface LoggerOptions {
  /** Lines at or above this level go to stderr; `silent` writes none. */
  stderrLevel: LogLevel | 'silent';
  events?: EventBus;
  stderr?: LineSink;
  /** Every line at or above `fileLevel` (default info) is appended here too, with its time. */
  file?: LogFileSink;
  fileLevel?: LogLevel;
}

const order: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

/**
 * createLogger builds the process logger used by every service. Messages often carry what a network
 * client sent (file names, paths, host names), so both sinks get them with control and bidi
 * characters escaped: one call is always exactly one line, and no escape sequence reaches a terminal.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stderr = options.stderr ?? process.stderr;
  const write = (level: LogLevel, component: string, message: string): void => {
    const c = printable(component);
    const m = printable(message);
    const at = new Date().toISOString();
    if (options.stderrLevel !== 'silent' && order[level] >= order[options.stderrLevel]) {
      stderr.write(`[${c}] ${m}\n`);
    }
    if (options.file !== undefined && order[level] >= order[options.fileLevel ?? 'info']) {
      options.file.append(`${at} ${level.toUpperCase().padEnd(5)} [${c}] ${m}`);
    }
    options.events?.emit('system.log', {
      at,
      level,
      component: c,
      message: m,
    });
  };
  return {
    info: (c, m) => write('info', c, m),
    warn: (c, m) => write('warn', c, m),
    error: (c, m) => write('error', c, m),
    ...(options.file === undefined ? {} : { filePath: options.file.path }),
  };
}

/** seeTheLog is the end of a message that sends a person to the log: it names the file. */
export function seeTheLog(log: Pick<Logger, 'filePath'> | undefined): string {
  return log?.filePath === undefined ? 'see the log' : `see the log file ${log.filePath}`;
}

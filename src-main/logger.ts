import type { EventBus } from './event-bus';
import { printable } from '../src-shared/text/printable';

export type LogLevel = 'info' | 'warn' | 'error';

/** Logger writes `[component] message` lines to stderr and to the live log event stream. */
export interface Logger {
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
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
    if (options.stderrLevel !== 'silent' && order[level] >= order[options.stderrLevel]) {
      stderr.write(`[${c}] ${m}\n`);
    }
    options.events?.emit('system.log', {
      at: new Date().toISOString(),
      level,
      component: c,
      message: m,
    });
  };
  return {
    info: (c, m) => write('info', c, m),
    warn: (c, m) => write('warn', c, m),
    error: (c, m) => write('error', c, m),
  };
}

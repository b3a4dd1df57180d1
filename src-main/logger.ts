import type { EventBus } from './event-bus';

export type LogLevel = 'info' | 'warn' | 'error';

/** Logger writes `[component] message` lines to stderr and to the live log event stream. */
export interface Logger {
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
}

export interface LoggerOptions {
  /** Lines at or above this level go to stderr; `silent` writes none. */
  stderrLevel: LogLevel | 'silent';
  events?: EventBus;
}

const order: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

/** createLogger builds the process logger used by every service. */
export function createLogger(options: LoggerOptions): Logger {
  const write = (level: LogLevel, component: string, message: string): void => {
    if (options.stderrLevel !== 'silent' && order[level] >= order[options.stderrLevel]) {
      process.stderr.write(`[${component}] ${message}\n`);
    }
    options.events?.emit('system.log', { at: new Date().toISOString(), level, component, message });
  };
  return {
    info: (c, m) => write('info', c, m),
    warn: (c, m) => write('warn', c, m),
    error: (c, m) => write('error', c, m),
  };
}

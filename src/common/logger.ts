import { pino } from 'pino';
import type { Logger as PinoLogger, DestinationStream } from 'pino';

/** The structured logger every component receives (pino: JSON lines). */
export type Logger = PinoLogger;

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written; default `info`. */
  level?: LogLevel;
  /** Where lines go; default standard error (stdout stays free for command output). */
  destination?: DestinationStream;
}

/** Creates the root logger of a process; components take `logger.child({ component })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

import type { Command } from 'commander';
import { createLogger, LOG_LEVELS } from '../src/common/logger.ts';
import type { Logger, LogLevel } from '../src/common/logger.ts';

/** Exit codes of the `maestro` binary. */
export const EXIT_OK = 0;
/** A runtime failure (a server could not start, a request failed). */
export const EXIT_FAILURE = 1;
/** A usage or configuration error (bad flag, invalid config file). */
export const EXIT_USAGE = 2;

/** Thrown by subcommands for usage/configuration errors; `maestro.ts` prints it and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The logger of a subcommand, honouring the global `--log-level`. */
export function loggerFor(command: Command): Logger {
  const level = (command.optsWithGlobals() as { logLevel?: string }).logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`invalid --log-level '${level}': use one of ${LOG_LEVELS.join(', ')}`);
  }
  return createLogger({ level: level as LogLevel });
}

/**
 * Resolves when the process receives SIGINT or SIGTERM. Only `cmd/` installs signal handlers; a second
 * signal exits at once so an operator is never stuck behind a slow drain.
 */
export function waitForShutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        logger.warn({ signal }, 'second signal, exiting immediately');
        process.exit(EXIT_FAILURE);
      }
      received = true;
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Called once a long-running command (server, agent) has stopped everything it started: when the
 * process would exit by itself it does so at once; when something still holds the event loop after
 * `graceMs`, it exits anyway with the exit code `maestro` set. The AWS CRT's MQTT 5 client is such a
 * thing: its closed native client keeps the process alive until it is garbage-collected
 * (awslabs/aws-crt-nodejs#600), which held a stopped AWS IoT server or agent for about 100 s, longer
 * than Kubernetes' default 30 s termination grace period.
 */
export function exitOnceStopped(graceMs = 1000): void {
  setTimeout(() => process.exit(), graceMs).unref();
}

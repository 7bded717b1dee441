/**
 * LISTEN on a dedicated connection, reconnecting with backoff when the database goes away. NOTIFYs
 * sent while disconnected are lost, so every (re)connect also calls the handlers: they re-read what
 * they track from the tables (spec outbox, status events), which is the source of truth.
 */
import pg from 'pg';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { Database } from './database.ts';

/** Options for {@link createNotificationListener}. */
export interface NotificationListenerOptions {
  database: Pick<Database, 'url' | 'ssl'>;
  logger: Logger;
  /**
   * Channel → handler, called with the notification's payload, or with none after a (re)connect (when
   * anything may have been missed).
   */
  handlers: Readonly<Record<string, (payload?: string) => void>>;
  /** Reconnect backoff bounds; default 200 ms → 10 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A running listener. */
export interface NotificationListener {
  /** Connects (retrying in the background if the database is down); resolves after the first attempt. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
}

/** Creates a {@link NotificationListener}. */
export function createNotificationListener(options: NotificationListenerOptions): NotificationListener {
  const logger = options.logger.child({ component: 'notification-listener' });
  const minBackoff = options.minBackoffMs ?? 200;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let client: pg.Client | undefined;
  let stopped = false;
  let connected = false;
  let backoff = minBackoff;
  let timer: NodeJS.Timeout | undefined;

  const fireAll = (): void => {
    for (const handler of Object.values(options.handlers)) handler();
  };

  const scheduleReconnect = (): void => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.database.url, ssl: options.database.ssl });
    const lost = (err?: Error): void => {
      if (client !== next) return;
      client = undefined;
      connected = false;
      if (!stopped)
        logger.warn({ err: err && errorMessage(err) }, 'notification connection lost, reconnecting');
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', (msg) => options.handlers[msg.channel]?.(msg.payload));
    client = next;
    try {
      await next.connect();
      for (const channel of Object.keys(options.handlers)) {
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      if (stopped) return;
      connected = true;
      backoff = minBackoff;
      logger.debug('listening for notifications');
      fireAll();
    } catch (err: unknown) {
      lost(err as Error);
    }
  };

  return {
    get connected() {
      return connected;
    },
    start: async () => {
      stopped = false;
      await connect();
    },
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const current = client;
      client = undefined;
      connected = false;
      await current?.end().catch(() => undefined);
    },
  };
}

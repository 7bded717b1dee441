/**
 * Serial event delivery shared by the transports: events are handed to the handler one at a time in
 * arrival order, a failing handler is logged without stopping delivery, and closing the queue
 * guarantees that no further handler call starts.
 */
import type { Logger } from '../common/logger.ts';
import { errorMessage, isMaestroError } from '../common/errors.ts';
import type { MaestroEvent } from '../cloudevents/event.ts';
import type { EventHandler } from './transport.ts';

/** Options for {@link createDeliveryQueue}. */
export interface DeliveryQueueOptions {
  handler: EventHandler;
  logger: Logger;
  /** Called each time the queue becomes empty (e.g. to resume a paused stream). */
  onDrain?: () => void;
}

/** A FIFO feeding one handler; see the module comment. */
export interface DeliveryQueue {
  /** Events waiting plus the one being handled. */
  readonly size: number;
  /** Appends an event; ignored once the queue is closed. */
  push(event: MaestroEvent): void;
  /** Drops the events still waiting (the one being handled finishes). */
  clear(): void;
  /** Stops delivery for good: waiting events are dropped and no handler call starts any more. */
  close(): void;
}

/** Creates a {@link DeliveryQueue}. */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const pending: MaestroEvent[] = [];
  let running = false;
  let closed = false;

  async function drain(): Promise<void> {
    running = true;
    while (!closed && pending.length > 0) {
      const event = pending.shift() as MaestroEvent;
      try {
        await options.handler(event);
      } catch (err) {
        const level = isMaestroError(err) && err.code !== 'INTERNAL' ? 'warn' : 'error';
        options.logger[level](
          { err: errorMessage(err), eventId: event.id, eventType: event.type },
          'event handler failed',
        );
      }
    }
    running = false;
    if (!closed) options.onDrain?.();
  }

  return {
    get size() {
      return pending.length + (running ? 1 : 0);
    },
    push(event) {
      if (closed) return;
      pending.push(event);
      if (!running) void drain();
    },
    clear() {
      pending.length = 0;
    },
    close() {
      closed = true;
      pending.length = 0;
    },
  };
}

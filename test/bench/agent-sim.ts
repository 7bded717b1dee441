/**
 * A child process simulating many agents on the integrated broker (forked by `server-bench.ts`):
 * one `Subscribe` stream per consumer, several streams per HTTP/2 connection, recording the
 * create → agent latency from each event's `time`, and publishing status updates on request (on a
 * few connections shared by this process's agents, through the lean caller of `raw-grpc-unary.ts`).
 * Talks to its parent over IPC.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { HEARTBEAT_EVENT_TYPE, MANIFEST_BUNDLE_DATA_TYPE } from '../../src/cloudevents/event-types.ts';
import { loadCloudEventService } from '../../src/cloudevents/proto.ts';
import { PUBLISH_METHOD_PATH, SUBSCRIBE_METHOD_PATH } from '../../src/transport/grpc/service.ts';
import { publishRequestFactory, scanDeliveredEvent } from './event-bytes.ts';
import { connectRawGrpc } from './raw-grpc-unary.ts';
import type { RawGrpcConnection } from './raw-grpc-unary.ts';

/** Messages from the parent. */
export type AgentSimCommand =
  | { cmd: 'connect'; port: number; consumers: string[]; streamsPerConnection: number }
  | { cmd: 'stats' }
  | { cmd: 'received' }
  | { cmd: 'status'; durationMs: number; concurrency: number }
  | { cmd: 'exit' };

const { Subscribe } = loadCloudEventService();
const clients: Client[] = [];
/** Connections the status updates go out on (a few, shared by all simulated agents of this process). */
const publishers: RawGrpcConnection[] = [];
const PUBLISH_CONNECTIONS = 8;
const calls: ClientReadableStream<Buffer>[] = [];
const received: { id: string; consumer: string }[] = [];
let latencies: number[] = [];
let connected = 0;
let sequence = 0n;
let exiting = false;

function nextSequenceId(): string {
  const fromClock = (BigInt(Date.now() - 1288834974657) << 22n) | (1n << 12n);
  sequence = fromClock > sequence ? fromClock : sequence + 1n;
  return sequence.toString();
}

/** Streams being opened at once per process: thousands at once overflow the server's accept backlog. */
const OPENING_AT_ONCE = 128;

/**
 * Opens one stream per consumer, {@link OPENING_AT_ONCE} at a time, and resolves once every stream is
 * established. A stream that fails before its `subscription-id` header (a refused connection) is
 * reopened after a short delay, as a real agent would, so one lost connect cannot hang the bench.
 * (Opening all at once made the kernel drop connections beyond the listen backlog, and their SYN
 * retries stretched connecting 10,000 agents to minutes.)
 */
function connect(port: number, consumers: string[], perConnection: number): Promise<void> {
  let pending = consumers.length;
  let next = 0;
  return new Promise((resolve) => {
    const open = (consumer: string, client: Client): void => {
      const call = client.makeServerStreamRequest(
        SUBSCRIBE_METHOD_PATH,
        Subscribe.requestSerialize,
        (bytes: Buffer) => bytes, // read with scanDeliveredEvent: a real agent's decoding is not what we measure

        { source: '', cluster_name: consumer, data_type: MANIFEST_BUNDLE_DATA_TYPE },
        new Metadata(),
      ) as ClientReadableStream<Buffer>;
      calls.push(call);
      let established = false;
      call.once('metadata', () => {
        established = true;
        connected += 1;
        if (--pending === 0) resolve();
        openNext();
      });
      call.on('error', () => {
        if (!established && !exiting) setTimeout(() => open(consumer, client), 200);
      });
      call.on('data', (bytes: Buffer) => {
        const event = scanDeliveredEvent(bytes);
        if (event.type === HEARTBEAT_EVENT_TYPE || !event.type.endsWith('create_request')) return;
        if (Number.isFinite(event.timeMs)) latencies.push(Date.now() - event.timeMs);
        received.push({ id: event.resourceId ?? '', consumer });
      });
    };
    const openNext = (): void => {
      if (next >= consumers.length) return;
      const i = next++;
      if (i % perConnection === 0) {
        clients.push(
          new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
            'grpc.use_local_subchannel_pool': 1,
            // as Maestro's own clients: nothing reads channelz, so tracking every message is waste
            'grpc.enable_channelz': 0,
          }),
        );
      }
      open(consumers[i] as string, clients[clients.length - 1] as Client);
    };
    for (let i = 0; i < OPENING_AT_ONCE; i += 1) openNext();
    if (consumers.length === 0) resolve();
  });
}

const statusBytes = publishRequestFactory(
  {
    id: 'template',
    source: 'bench-work-agent',
    type: `${MANIFEST_BUNDLE_DATA_TYPE}.status.update_request`,
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    clustername: 'template',
    resourceid: 'template',
    resourceversion: 1,
    originalsource: 'maestro',
    sequenceid: '1',
    statushash: 'a'.repeat(64),
    data: {
      conditions: [
        {
          type: 'Applied',
          status: 'True',
          lastTransitionTime: new Date().toISOString(),
          reason: 'R',
          message: 'm',
        },
      ],
      resourceStatus: [],
    },
  },
  ['clustername', 'resourceid', 'sequenceid'],
);

async function statusLoad(durationMs: number, concurrency: number): Promise<{ ok: number; failed: number }> {
  const deadline = Date.now() + durationMs;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (Date.now() < deadline && received.length > 0) {
      const target = received[next++ % received.length] as { id: string; consumer: string };
      const bytes = statusBytes({
        clustername: target.consumer,
        resourceid: target.id,
        sequenceid: nextSequenceId(),
      });
      const publisher = publishers[w % publishers.length] as RawGrpcConnection;
      if (await publisher.unary(PUBLISH_METHOD_PATH, bytes)) ok += 1;
      else failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { ok, failed };
}

process.on('message', (message: AgentSimCommand) => {
  void (async () => {
    switch (message.cmd) {
      case 'connect':
        await connect(message.port, message.consumers, message.streamsPerConnection);
        // a later `connect` adds agents; the status connections are opened once
        while (publishers.length < PUBLISH_CONNECTIONS)
          publishers.push(connectRawGrpc(`127.0.0.1:${message.port}`));
        process.send?.({ cmd: 'connected', connected });
        break;
      case 'received':
        process.send?.({ cmd: 'received', received: received.length });
        break;
      case 'stats':
        process.send?.({ cmd: 'stats', connected, received: received.length, latencies });
        latencies = [];
        break;
      case 'status':
        process.send?.({ cmd: 'status', ...(await statusLoad(message.durationMs, message.concurrency)) });
        break;
      case 'exit':
        exiting = true;
        for (const call of calls) call.cancel();
        for (const client of clients) client.close();
        for (const publisher of publishers) publisher.close();
        process.exit(0);
    }
  })();
});

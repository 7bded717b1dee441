/**
 * MQTT spec delivery benchmark: spec events published at QoS 1 by the server-side (source-role) MQTT
 * transport, as the broker-mode outbox publisher does (in order per consumer, consumers in parallel),
 * through a real Mosquitto to subscribed agent-role MQTT transports, one per consumer. The figure is
 * events delivered end to end per second, from the first publish to the last event received by its
 * agent. Goal (issue 8): ≥ 5,000 events/s. The agents run in a child process (as they would on
 * other machines), so publisher and subscribers do not share one event loop.
 */
import { fork } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { fromJsonEvent } from '../../src/cloudevents/json-codec.ts';
import type { MaestroEvent } from '../../src/cloudevents/event.ts';
import { createSilentLogger } from '../../src/common/logger.ts';
import { createMqttTransport } from '../../src/transport/mqtt/mqtt-transport.ts';
import type { Transport, TransportIdentity } from '../../src/transport/transport.ts';
import { workEvent } from '../integration/http/rest-harness.ts';
import { isMosquittoAvailable, startMosquitto } from '../support/mosquitto.ts';
import type { MosquittoInstance } from '../support/mosquitto.ts';
import type { BenchMetric, BenchModule, BenchOptions } from './bench-module.ts';

const SOURCE = 'maestro';

function transport(broker: MosquittoInstance, identity: TransportIdentity, consumer?: string): Transport {
  const topics =
    identity.role === 'source'
      ? {
          sourceEvents: 'sources/maestro/consumers/+/sourceevents',
          agentEvents: '$share/statussubscribers/sources/maestro/consumers/+/agentevents',
        }
      : {
          sourceEvents: `sources/maestro/consumers/${consumer}/sourceevents`,
          agentEvents: `sources/maestro/consumers/${consumer}/agentevents`,
        };
  return createMqttTransport(identity, {
    config: {
      brokerHost: broker.brokerHost,
      keepAliveSeconds: 60,
      dialTimeoutMs: 5000,
      pubQoS: 1,
      subQoS: 1,
      topics,
    },
    logger: createSilentLogger(),
  });
}

/** Events for `consumer`, ~2 KB each (the upstream fixture's Deployment bundle). */
function eventsFor(consumer: string, count: number): MaestroEvent[] {
  return Array.from({ length: count }, (_, i) =>
    fromJsonEvent(
      workEvent({
        id: `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
        consumer,
        source: SOURCE,
      }),
    ),
  );
}

/**
 * Child-process side: subscribes one agent transport per consumer, reports `ready`, then counts
 * events and reports `done` once all arrived.
 */
async function runAgents(brokerHost: string, consumers: number, total: number): Promise<void> {
  const broker = { brokerHost } as MosquittoInstance;
  let received = 0;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const agents = consumerNames(consumers).map((name) =>
    transport(broker, { role: 'agent', clusterName: name }, name),
  );
  await Promise.all(
    agents.map((agent) =>
      agent.start(async () => {
        received += 1;
        if (received === 1) cpuAtStart = process.cpuUsage();
        if (received === total) {
          const cpu = process.cpuUsage(cpuAtStart);
          process.send?.({ done: true, cpuMicros: cpu.user + cpu.system });
          await Promise.all(agents.map((a) => a.stop()));
          process.disconnect();
        }
      }),
    ),
  );
  process.send?.({ ready: true });
}

function consumerNames(consumers: number): string[] {
  return Array.from({ length: consumers }, (_, i) => `bench-c${i}`);
}

async function measure(
  broker: MosquittoInstance,
  consumers: number,
  perConsumer: number,
): Promise<BenchMetric[]> {
  const total = consumers * perConsumer;
  const child = fork(fileURLToPath(import.meta.url), [
    '--agents',
    broker.brokerHost,
    String(consumers),
    String(total),
  ]);
  const messages = new EventEmitter();
  let agentsCpuMicros = 0;
  child.on('message', (message: { ready?: boolean; done?: boolean; cpuMicros?: number }) => {
    if (message.ready) messages.emit('ready');
    if (message.done) {
      agentsCpuMicros = message.cpuMicros ?? 0;
      messages.emit('done');
    }
  });
  const exited = once(child, 'exit');
  let running = true;
  void exited.then(([code]) => {
    if (running) messages.emit('error', new Error(`the agents process exited with ${code}`));
  });
  let seconds: number;
  let publishSeconds: number;
  let publisherCpu: NodeJS.CpuUsage;
  try {
    await once(messages, 'ready');
    const source = transport(broker, { role: 'source', sourceId: SOURCE });
    await source.start(async () => undefined);
    const batches = consumerNames(consumers).map((name) => eventsFor(name, perConsumer));
    const delivered = once(messages, 'done');
    const start = performance.now();
    const cpuAtStart = process.cpuUsage();
    await Promise.all(
      batches.map(async (events) => {
        for (const event of events) await source.publish(event);
      }),
    );
    publishSeconds = (performance.now() - start) / 1000;
    await delivered;
    seconds = (performance.now() - start) / 1000;
    publisherCpu = process.cpuUsage(cpuAtStart);
    await source.stop();
  } finally {
    running = false;
    if (child.exitCode === null) child.kill();
    await exited;
  }
  return [
    {
      name: 'spec events delivered/s (QoS 1)',
      value: total / seconds,
      unit: 'events/s',
      goal: { op: '>=', value: 5000 },
    },
    { name: 'publish throughput', value: total / publishSeconds, unit: 'events/s' },
    { name: 'events', value: total, unit: 'events' },
    // CPU per event says what a change saved even when other work shares the machine
    {
      name: 'publisher CPU per event',
      value: (publisherCpu.user + publisherCpu.system) / total,
      unit: 'µs',
    },
    { name: 'agents CPU per event', value: agentsCpuMicros / total, unit: 'µs' },
  ];
}

/** The MQTT spec delivery benchmark; see the module comment. */
export const mqttSpecDeliveryBenchmark: BenchModule = {
  name: 'mqtt-spec-delivery',
  description: 'spec events through Mosquitto at QoS 1, server publisher → subscribed agents',
  async run(options: BenchOptions) {
    if (!(await isMosquittoAvailable())) throw new Error('mosquitto is not installed (/usr/sbin/mosquitto)');
    const broker = await startMosquitto({ mode: 'plain' });
    try {
      const consumers = 100;
      const perConsumer = options.quick ? 50 : 500;
      options.log(`${consumers} agents × ${perConsumer} spec events`);
      return await measure(broker, consumers, perConsumer);
    } finally {
      await broker.stop();
    }
  },
};

if (process.argv[2] === '--agents') {
  await runAgents(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
}

/**
 * Transport-contract harnesses for the MQTT-based transports on a real Mosquitto
 * ({@link startMosquitto}): the topic layout the tests use, client configs per broker mode, and a log
 * capture for asserting what a transport logged.
 */
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import type { Logger } from '../../src/common/logger.ts';
import type { MqttBrokerConfig, MqttTopicsConfig } from '../../src/transport/broker-config.ts';
import type { TransportIdentity } from '../../src/transport/transport.ts';
import { isMosquittoAvailable, startMosquitto } from './mosquitto.ts';
import type { MosquittoInstance, MosquittoOptions } from './mosquitto.ts';

/**
 * Upstream-shaped topics for one role. Sources get their own source id in their topics and a shared
 * subscription for status (as Maestro replicas use); agents leave the source segment a wildcard so
 * status reaches the source named by `originalsource`.
 */
export function testTopics(identity: TransportIdentity): MqttTopicsConfig {
  const broadcasts = {
    sourceBroadcast: 'sources/+/sourcebroadcast',
    agentBroadcast: 'clusters/+/agentbroadcast',
  };
  if (identity.role === 'source') {
    return {
      sourceEvents: `sources/${identity.sourceId}/consumers/+/sourceevents`,
      agentEvents: `$share/statussubscribers/sources/${identity.sourceId}/consumers/+/agentevents`,
      ...broadcasts,
    };
  }
  return {
    sourceEvents: 'sources/+/consumers/+/sourceevents',
    agentEvents: 'sources/+/consumers/+/agentevents',
    ...broadcasts,
  };
}

/**
 * The broker config a client of `broker` uses for `identity`; in certificate modes a client
 * certificate is issued with the source id or cluster name as its identity.
 */
export async function testMqttConfig(
  broker: MosquittoInstance,
  identity: TransportIdentity,
): Promise<Omit<MqttBrokerConfig, 'unknownKeys'>> {
  const config: Omit<MqttBrokerConfig, 'unknownKeys'> = {
    brokerHost: broker.brokerHost,
    keepAliveSeconds: 60,
    dialTimeoutMs: 5000,
    pubQoS: 1,
    subQoS: 1,
    topics: testTopics(identity),
    username: broker.credentials?.username,
    password: broker.credentials?.password,
  };
  if (broker.pki !== undefined) {
    config.ca = Buffer.from(broker.pki.ca.cert);
    config.caFile = broker.pki.ca.certFile;
  }
  if (broker.mode === 'mtls' || broker.mode === 'aws-iot') {
    const cert = await broker.issueClientCertificate(
      identity.role === 'source' ? identity.sourceId : identity.clusterName,
    );
    config.clientCertFile = cert.certFile;
    config.clientKeyFile = cert.keyFile;
  }
  return config;
}

/** Starts Mosquitto, or returns the reason it cannot run here. */
export async function startTestMosquitto(
  options: MosquittoOptions,
): Promise<MosquittoInstance | { skip: string }> {
  if (!(await isMosquittoAvailable())) return { skip: 'mosquitto is not installed (/usr/sbin/mosquitto)' };
  return startMosquitto(options);
}

/** A logger whose JSON lines are kept in `lines` (parsed), for asserting what was logged. */
export function createCapturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/**
 * Runs a full garbage collection. The AWS CRT's MQTT 5 client keeps the process alive until its
 * closed native client is collected (awslabs/aws-crt-nodejs#600), so a test file using it calls this
 * in `after()` to let the test process exit.
 */
export function collectClosedNativeClients(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

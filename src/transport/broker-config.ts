/**
 * Loads the upstream broker config files (YAML or JSON, the same files upstream's
 * `--message-broker-config-file` and `--workload-source-config` take): the MQTT `MQTTConfig`
 * (protocol.md §10.4, also used for AWS IoT Core) and the Pub/Sub `PubSubConfig` (§11.4).
 *
 * Values are validated up front so a bad file fails at start-up with a message naming the key
 * (`mqtt config /etc/mqtt.yaml: 'keepAlive' must be a whole number of seconds`). Unknown keys are
 * ignored as upstream ignores them (Maestro's own scripts write an `insecure` key nobody reads) and are
 * returned in `unknownKeys` so callers can warn about typos.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseGoDuration } from '../common/duration.ts';
import { errorMessage, MaestroError } from '../common/errors.ts';

/** MQTT topics (protocol.md §10.1); `sourceEvents` and `agentEvents` are required. */
export interface MqttTopicsConfig {
  sourceEvents: string;
  agentEvents: string;
  sourceBroadcast?: string;
  agentBroadcast?: string;
}

/** A validated MQTT broker config. */
export interface MqttBrokerConfig {
  /** `host:port` of the broker. */
  brokerHost: string;
  username?: string;
  password?: string;
  /** CA certificate PEM, from `caFile` or base64 `caData`. */
  ca?: Buffer;
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  /** Keepalive in seconds; default 60. */
  keepAliveSeconds: number;
  /** Connect timeout; default 60 s. */
  dialTimeoutMs: number;
  /** Publish QoS; default 1. */
  pubQoS: 0 | 1 | 2;
  /** Subscribe QoS; default 1. */
  subQoS: 0 | 1 | 2;
  topics: MqttTopicsConfig;
  /** Keys present in the file that this loader does not know. */
  unknownKeys: string[];
}

/** Pub/Sub topics by role: a source publishes to the first two, an agent to the last two. */
export interface PubSubTopicsConfig {
  sourceEvents?: string;
  sourceBroadcast?: string;
  agentEvents?: string;
  agentBroadcast?: string;
}

/** Pub/Sub subscriptions by role: a source reads the agent ones, an agent the source ones. */
export type PubSubSubscriptionsConfig = PubSubTopicsConfig;

/** Client keepalive (upstream `keepaliveSettings`). */
export interface PubSubKeepaliveConfig {
  timeMs: number;
  timeoutMs: number;
  permitWithoutStream: boolean;
}

/** Receive flow control (the parts of upstream `receiveSettings` the Node client can honour). */
export interface PubSubReceiveConfig {
  maxExtensionMs?: number;
  maxOutstandingMessages?: number;
  maxOutstandingBytes?: number;
}

/** A validated Pub/Sub broker config. */
export interface PubSubBrokerConfig {
  projectID: string;
  endpoint?: string;
  credentialsFile?: string;
  disableTLS: boolean;
  topics: PubSubTopicsConfig;
  subscriptions: PubSubSubscriptionsConfig;
  keepalive: PubSubKeepaliveConfig;
  receive: PubSubReceiveConfig;
  /** Keys present in the file that this loader does not know. */
  unknownKeys: string[];
}

/** Reads and parses a YAML or JSON file into a plain object (throws `INVALID_ARGUMENT`). */
export function readBrokerConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `cannot read broker config file '${path}': ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `broker config file '${path}' is not valid YAML or JSON: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MaestroError('INVALID_ARGUMENT', `broker config file '${path}' must hold a mapping of keys`);
  }
  return parsed as Record<string, unknown>;
}

/** Loads an MQTT config file; see {@link parseMqttBrokerConfig}. */
export function loadMqttBrokerConfig(path: string): MqttBrokerConfig {
  return parseMqttBrokerConfig(readBrokerConfigFile(path), `mqtt config ${path}`);
}

/** Loads a Pub/Sub config file; see {@link parsePubSubBrokerConfig}. */
export function loadPubSubBrokerConfig(path: string): PubSubBrokerConfig {
  return parsePubSubBrokerConfig(readBrokerConfigFile(path), `pubsub config ${path}`);
}

const MQTT_KEYS = [
  'brokerHost',
  'username',
  'password',
  'caFile',
  'caData',
  'clientCertFile',
  'clientKeyFile',
  'keepAlive',
  'dialTimeout',
  'pubQoS',
  'subQoS',
  'topics',
];
const MQTT_TOPIC_KEYS = ['sourceEvents', 'agentEvents', 'sourceBroadcast', 'agentBroadcast'];

/**
 * Validates an MQTT config object; `origin` prefixes every error message. Files named by `caFile` are
 * read now (the client certificate and key are read by the transport, which reports their paths).
 */
export function parseMqttBrokerConfig(
  raw: Record<string, unknown>,
  origin = 'mqtt config',
): MqttBrokerConfig {
  const r = createReader(raw, origin);
  const brokerHost = r.requiredString('brokerHost');
  const caFile = r.string('caFile');
  const caData = r.string('caData');
  let ca: Buffer | undefined;
  if (caData !== undefined) ca = Buffer.from(caData, 'base64');
  else if (caFile !== undefined) ca = r.file('caFile', caFile);
  const clientCertFile = r.string('clientCertFile');
  const clientKeyFile = r.string('clientKeyFile');
  if ((clientCertFile === undefined) !== (clientKeyFile === undefined)) {
    throw r.error('clientCertFile', 'and clientKeyFile must be set together');
  }
  const topics = r.object('topics');
  if (topics === undefined) throw r.error('topics', 'is required (sourceEvents and agentEvents)');
  const t = createReader(topics, origin, 'topics.');
  const config: MqttBrokerConfig = {
    brokerHost,
    username: r.string('username'),
    password: r.string('password'),
    ca,
    caFile,
    clientCertFile,
    clientKeyFile,
    keepAliveSeconds: r.integer('keepAlive') ?? 60,
    dialTimeoutMs: r.duration('dialTimeout') ?? 60_000,
    pubQoS: r.qos('pubQoS') ?? 1,
    subQoS: r.qos('subQoS') ?? 1,
    topics: {
      sourceEvents: t.requiredString('sourceEvents'),
      agentEvents: t.requiredString('agentEvents'),
      sourceBroadcast: t.string('sourceBroadcast'),
      agentBroadcast: t.string('agentBroadcast'),
    },
    unknownKeys: [...unknownKeys(raw, MQTT_KEYS), ...unknownKeys(topics, MQTT_TOPIC_KEYS, 'topics.')],
  };
  return config;
}

const PUBSUB_KEYS = [
  'projectID',
  'endpoint',
  'credentialsFile',
  'disableTLS',
  'topics',
  'subscriptions',
  'keepaliveSettings',
  'receiveSettings',
];
const PUBSUB_PROJECT_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const PUBSUB_TOPIC_NAMES = ['sourceevents', 'agentevents', 'sourcebroadcast', 'agentbroadcast'];

/**
 * Validates a Pub/Sub config object (protocol.md §11.4): the project id (6–30 characters, lower-case
 * letters, digits and dashes), every topic and subscription name against upstream's patterns, and
 * `endpoint` being set when `disableTLS` is.
 */
export function parsePubSubBrokerConfig(
  raw: Record<string, unknown>,
  origin = 'pubsub config',
): PubSubBrokerConfig {
  const r = createReader(raw, origin);
  const projectID = r.requiredString('projectID');
  if (projectID.length < 6 || projectID.length > 30 || !PUBSUB_PROJECT_PATTERN.test(projectID)) {
    throw r.error(
      'projectID',
      `'${projectID}' is not a valid project id (6-30 of a-z, 0-9 and '-', starting with a letter)`,
    );
  }
  const disableTLS = r.boolean('disableTLS') ?? false;
  const endpoint = r.string('endpoint');
  if (disableTLS && endpoint === undefined) throw r.error('endpoint', 'is required when disableTLS is true');
  const topicPattern = new RegExp(`^projects/${projectID}/topics/(${PUBSUB_TOPIC_NAMES.join('|')})$`);
  const subscriptionPattern = new RegExp(
    `^projects/${projectID}/subscriptions/(${PUBSUB_TOPIC_NAMES.join('|')})-[a-z0-9-]+$`,
  );
  const names = (key: 'topics' | 'subscriptions', pattern: RegExp): PubSubTopicsConfig => {
    const section = r.object(key) ?? {};
    const s = createReader(section, origin, `${key}.`);
    const result: PubSubTopicsConfig = {};
    for (const name of MQTT_TOPIC_KEYS as (keyof PubSubTopicsConfig)[]) {
      const value = s.string(name);
      if (value === undefined) continue;
      if (!pattern.test(value)) throw s.error(name, `'${value}' does not match ${pattern.source}`);
      result[name] = value;
    }
    return result;
  };
  const keepalive = createReader(r.object('keepaliveSettings') ?? {}, origin, 'keepaliveSettings.');
  const receive = createReader(r.object('receiveSettings') ?? {}, origin, 'receiveSettings.');
  return {
    projectID,
    endpoint,
    credentialsFile: r.string('credentialsFile'),
    disableTLS,
    topics: names('topics', topicPattern),
    subscriptions: names('subscriptions', subscriptionPattern),
    keepalive: {
      timeMs: keepalive.duration('time') ?? 5 * 60_000,
      timeoutMs: keepalive.duration('timeout') ?? 20_000,
      permitWithoutStream: keepalive.boolean('permitWithoutStream') ?? false,
    },
    receive: {
      maxExtensionMs: receive.duration('maxExtension'),
      maxOutstandingMessages: receive.integer('maxOutstandingMessages'),
      maxOutstandingBytes: receive.integer('maxOutstandingBytes'),
    },
    unknownKeys: unknownKeys(raw, PUBSUB_KEYS),
  };
}

function unknownKeys(section: Record<string, unknown>, known: string[], prefix = ''): string[] {
  return Object.keys(section)
    .filter((key) => !known.includes(key))
    .map((key) => `${prefix}${key}`);
}

/** Typed accessors over one mapping, producing errors that name `<prefix><key>`. */
function createReader(section: Record<string, unknown>, origin: string, prefix = '') {
  const error = (key: string, problem: string) =>
    new MaestroError('INVALID_ARGUMENT', `${origin}: '${prefix}${key}' ${problem}`);
  const present = (key: string) => section[key] !== undefined && section[key] !== null && section[key] !== '';
  const reader = {
    error,
    string(key: string): string | undefined {
      if (!present(key)) return undefined;
      const value = section[key];
      if (typeof value !== 'string') throw error(key, 'must be a string');
      return value;
    },
    requiredString(key: string): string {
      const value = reader.string(key);
      if (value === undefined) throw error(key, 'is required');
      return value;
    },
    integer(key: string): number | undefined {
      if (!present(key)) return undefined;
      const value = section[key];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw error(key, 'must be a non-negative whole number');
      }
      return value;
    },
    boolean(key: string): boolean | undefined {
      if (!present(key)) return undefined;
      const value = section[key];
      if (typeof value !== 'boolean') throw error(key, 'must be true or false');
      return value;
    },
    duration(key: string): number | undefined {
      if (!present(key)) return undefined;
      const value = section[key];
      const ms = typeof value === 'string' || typeof value === 'number' ? parseGoDuration(value) : undefined;
      if (ms === undefined)
        throw error(key, `must be a duration like 60s or 1m30s, got ${JSON.stringify(value)}`);
      return ms;
    },
    qos(key: string): 0 | 1 | 2 | undefined {
      const value = reader.integer(key);
      if (value === undefined) return undefined;
      if (value > 2) throw error(key, 'must be 0, 1 or 2');
      return value as 0 | 1 | 2;
    },
    object(key: string): Record<string, unknown> | undefined {
      if (!present(key)) return undefined;
      const value = section[key];
      if (typeof value !== 'object' || Array.isArray(value)) throw error(key, 'must be a mapping');
      return value as Record<string, unknown>;
    },
    file(key: string, path: string): Buffer {
      try {
        return readFileSync(path);
      } catch (err) {
        throw error(key, `names a file that cannot be read ('${path}': ${errorMessage(err)})`);
      }
    },
  };
  return reader;
}

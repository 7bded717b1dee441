/**
 * `maestro server` configuration: one table of flags (upstream names and defaults, server.md §8.1),
 * merged as flags > `MAESTRO_*` environment > defaults and validated before any I/O. The CLI builds
 * its commander options from {@link SERVER_FLAGS}, so help text and parsing never drift apart.
 * This is the only server module that reads `process.env`.
 */
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { parseGoDuration } from '../common/duration.ts';
import { MaestroError } from '../common/errors.ts';

/** How a flag's text value is parsed. */
export type FlagKind = 'string' | 'port' | 'integer' | 'duration' | 'boolean' | 'choice';

/** One `maestro server` flag. */
export interface FlagDefinition {
  /** The flag name without dashes, e.g. `grpc-server-bindport`. */
  name: string;
  kind: FlagKind;
  /** The default as text (parsed like a user value); `undefined` when the flag is unset by default. */
  defaultValue?: string;
  /** Allowed values for `choice` flags. */
  choices?: readonly string[];
  description: string;
}

/** Message broker modes (upstream `--message-broker-type`; `grpc` is the default here). */
export const MESSAGE_BROKER_TYPES = ['grpc', 'mqtt', 'pubsub', 'awsiot'] as const;

/** One of {@link MESSAGE_BROKER_TYPES}. */
export type MessageBrokerType = (typeof MESSAGE_BROKER_TYPES)[number];

/** The PostgreSQL SSL modes upstream accepts (`--db-sslmode`). */
export const DB_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/** Every flag of `maestro server` (the database ones are shared with `maestro migration`). */
export const SERVER_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'server-hostname',
    kind: 'string',
    defaultValue: 'localhost',
    description: 'host every listener binds to ("" = all interfaces)',
  },
  { name: 'http-server-bindport', kind: 'port', defaultValue: '8000', description: 'REST API port' },
  { name: 'grpc-server-bindport', kind: 'port', defaultValue: '8090', description: 'gRPC source API port' },
  {
    name: 'grpc-broker-bindport',
    kind: 'port',
    defaultValue: '8091',
    description: 'integrated gRPC agent broker port (with --message-broker-type=grpc)',
  },
  {
    name: 'health-check-server-bindport',
    kind: 'port',
    defaultValue: '8083',
    description: 'health check server port',
  },
  {
    name: 'metrics-server-bindport',
    kind: 'port',
    defaultValue: '8080',
    description: 'Prometheus metrics port',
  },
  {
    name: 'message-broker-type',
    kind: 'choice',
    choices: MESSAGE_BROKER_TYPES,
    defaultValue: 'grpc',
    description:
      'how spec events reach agents: the integrated gRPC broker, MQTT 5, GCP Pub/Sub or AWS IoT Core',
  },
  {
    name: 'message-broker-config-file',
    kind: 'string',
    description: 'broker config file (YAML/JSON) for the mqtt, pubsub and awsiot modes',
  },
  {
    name: 'source-id',
    kind: 'string',
    defaultValue: 'maestro',
    description: 'CloudEvents source of spec events',
  },
  {
    name: 'client-id',
    kind: 'string',
    description: 'broker client id and server instance id (default: maestro-<hostname>-<pid>)',
  },
  {
    name: 'heartbeat-check-interval',
    kind: 'duration',
    defaultValue: '10s',
    description: 'interval of heartbeat events on gRPC subscription streams',
  },
  {
    name: 'heartbeat-disable',
    kind: 'boolean',
    defaultValue: 'false',
    description: 'send no heartbeat events on gRPC streams',
  },
  {
    name: 'heartbeat-interval',
    kind: 'duration',
    defaultValue: '15s',
    description: 'server instance heartbeat interval (a bare number means seconds)',
  },
  {
    name: 'grpc-max-receive-message-size',
    kind: 'integer',
    defaultValue: '4194304',
    description: 'largest gRPC message accepted, in bytes',
  },
  {
    name: 'grpc-tls-cert-file',
    kind: 'string',
    description: 'TLS certificate of the gRPC source API (TLS 1.3; with --grpc-tls-key-file)',
  },
  { name: 'grpc-tls-key-file', kind: 'string', description: 'TLS private key of the gRPC source API' },
  {
    name: 'grpc-client-ca-file',
    kind: 'string',
    description: 'CA that source clients must present certificates from (mutual TLS on the source API)',
  },
  {
    name: 'grpc-broker-tls-cert-file',
    kind: 'string',
    description: 'TLS certificate of the gRPC agent broker (TLS 1.3; with --grpc-broker-tls-key-file)',
  },
  {
    name: 'grpc-broker-tls-key-file',
    kind: 'string',
    description: 'TLS private key of the gRPC agent broker',
  },
  {
    name: 'grpc-broker-client-ca-file',
    kind: 'string',
    description: 'CA that agents must present certificates from (mutual TLS on the agent broker)',
  },
  {
    name: 'db-url',
    kind: 'string',
    description: 'external PostgreSQL URL (postgres://user:pass@host:port/db); default: embedded PostgreSQL',
  },
  { name: 'db-host-file', kind: 'string', description: 'file holding the external database host' },
  { name: 'db-port-file', kind: 'string', description: 'file holding the external database port' },
  { name: 'db-user-file', kind: 'string', description: 'file holding the external database user' },
  { name: 'db-password-file', kind: 'string', description: 'file holding the external database password' },
  { name: 'db-name-file', kind: 'string', description: 'file holding the external database name' },
  { name: 'db-rootcert', kind: 'string', description: 'CA bundle for verify-ca/verify-full' },
  {
    name: 'db-sslmode',
    kind: 'choice',
    choices: DB_SSL_MODES,
    defaultValue: 'disable',
    description: 'SSL mode for the external database',
  },
  {
    name: 'db-max-open-connections',
    kind: 'integer',
    defaultValue: '50',
    description: 'size of the database connection pool',
  },
  {
    name: 'data-dir',
    kind: 'string',
    description: 'data directory of the embedded PostgreSQL (default: ~/.maestro/data)',
  },
];

/** Database flags, the subset `maestro migration` accepts. */
export const DATABASE_FLAG_NAMES: readonly string[] = SERVER_FLAGS.filter(
  (f) => f.name.startsWith('db-') || f.name === 'data-dir',
).map((f) => f.name);

/** Where the database is. */
export type DatabaseConfig =
  | {
      kind: 'external';
      /** A URL, or the pieces read from the `--db-*-file` files. */
      url?: string;
      files?: { host?: string; port?: string; user?: string; password?: string; name?: string };
      sslMode: (typeof DB_SSL_MODES)[number];
      rootCertFile?: string;
      maxConnections: number;
    }
  | {
      kind: 'embedded';
      /** The embedded cluster's data directory (kept across restarts). */
      dataDir: string;
      maxConnections: number;
    };

/** The validated configuration of `maestro server`. */
export interface ServerConfig {
  hostname: string;
  ports: { http: number; grpcServer: number; grpcBroker: number; healthCheck: number; metrics: number };
  messageBrokerType: MessageBrokerType;
  messageBrokerConfigFile?: string;
  sourceId: string;
  /** Unique id of this replica in `server_instances`. */
  instanceId: string;
  /** Stream heartbeat interval in ms, or 0 when heartbeats are disabled. */
  streamHeartbeatMs: number;
  /** `server_instances` heartbeat interval in ms. */
  instanceHeartbeatMs: number;
  maxReceiveMessageBytes: number;
  /** TLS of the gRPC source API (:8090); plaintext when absent. */
  grpcTls?: TlsFiles;
  /** TLS of the integrated gRPC agent broker (:8091); plaintext when absent. */
  brokerTls?: TlsFiles;
  database: DatabaseConfig;
}

/** The PEM files of a TLS server; with `clientCaFile`, clients must present a certificate it signed. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

/** Raw values as commander hands them over: camel-cased flag names to strings or booleans. */
export type RawFlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** The `MAESTRO_*` variable name of a flag: `grpc-server-bindport` → `MAESTRO_GRPC_SERVER_BINDPORT`. */
export function envNameOf(flag: string): string {
  return `MAESTRO_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** commander's attribute name of a flag: `grpc-server-bindport` → `grpcServerBindport`. */
export function camelNameOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Parses a Go-style duration (`10s`, `1m30s`, `500ms`, `1h`); a bare number means seconds, as
 * upstream's integer `--heartbeat-interval`. Returns milliseconds.
 */
export function parseDuration(text: string): number {
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw new MaestroError('INVALID_ARGUMENT', `invalid duration '${text}' (use e.g. 10s, 1m30s, 500ms)`);
  }
  return Math.round(ms);
}

type FlagValue = string | number | boolean | undefined;

function parseFlagValue(def: FlagDefinition, raw: string | boolean, origin: string): FlagValue {
  const fail = (why: string): never => {
    throw new MaestroError('INVALID_ARGUMENT', `invalid ${origin} '${String(raw)}': ${why}`);
  };
  if (def.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    return fail('expected true or false');
  }
  const text = String(raw);
  switch (def.kind) {
    case 'port': {
      const port = /^\d+$/.test(text) ? Number(text) : NaN;
      return port >= 0 && port <= 65535 ? port : fail('expected a port between 0 and 65535');
    }
    case 'integer': {
      const value = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(value) && value > 0 ? value : fail('expected a positive integer');
    }
    case 'duration':
      try {
        return parseDuration(text);
      } catch (err: unknown) {
        return fail(err instanceof Error ? err.message : String(err));
      }
    case 'choice':
      return def.choices?.includes(text) ? text : fail(`expected one of ${def.choices?.join(', ')}`);
    default:
      return text;
  }
}

/** Options for {@link resolveServerConfig}. */
export interface ResolveServerConfigOptions {
  /** Flag values from commander (camel-cased names); only flags the user set should be present. */
  flags: RawFlagValues;
  /** The environment; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Merges flags > `MAESTRO_*` env > defaults for every flag in {@link SERVER_FLAGS} and validates them.
 * Throws `INVALID_ARGUMENT` naming the offending flag or variable. No I/O.
 */
export function resolveServerConfig(options: ResolveServerConfigOptions): ServerConfig {
  const env = options.env ?? process.env;
  const values = new Map<string, FlagValue>();
  const explicit = new Set<string>();
  for (const def of SERVER_FLAGS) {
    const fromFlag = options.flags[camelNameOf(def.name)];
    const fromEnv = env[envNameOf(def.name)];
    let value: FlagValue;
    if (fromFlag !== undefined) {
      value = parseFlagValue(def, fromFlag, `--${def.name}`);
      explicit.add(def.name);
    } else if (fromEnv !== undefined) {
      value = parseFlagValue(def, fromEnv, envNameOf(def.name));
      explicit.add(def.name);
    } else if (def.defaultValue !== undefined) {
      value = parseFlagValue(def, def.defaultValue, `default of --${def.name}`);
    }
    values.set(def.name, value);
  }
  const str = (name: string): string | undefined => values.get(name) as string | undefined;
  const num = (name: string): number => values.get(name) as number;

  const clientId = str('client-id');
  if (clientId === '')
    throw new MaestroError('INVALID_ARGUMENT', `invalid --client-id '': must not be empty`);
  const sourceId = str('source-id') as string;
  if (sourceId === '')
    throw new MaestroError('INVALID_ARGUMENT', `invalid --source-id '': must not be empty`);
  const interval = num('heartbeat-check-interval');
  if (interval <= 0)
    throw new MaestroError('INVALID_ARGUMENT', `invalid --heartbeat-check-interval: must be > 0`);
  const brokerType = str('message-broker-type') as MessageBrokerType;
  if (brokerType !== 'grpc' && str('message-broker-config-file') === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `--message-broker-type=${brokerType} needs --message-broker-config-file`,
    );
  }

  return {
    hostname: str('server-hostname') as string,
    ports: {
      http: num('http-server-bindport'),
      grpcServer: num('grpc-server-bindport'),
      grpcBroker: num('grpc-broker-bindport'),
      healthCheck: num('health-check-server-bindport'),
      metrics: num('metrics-server-bindport'),
    },
    messageBrokerType: brokerType,
    messageBrokerConfigFile: str('message-broker-config-file'),
    sourceId,
    instanceId: clientId ?? `maestro-${hostname()}-${process.pid}`,
    streamHeartbeatMs: values.get('heartbeat-disable') === true ? 0 : interval,
    instanceHeartbeatMs: num('heartbeat-interval'),
    maxReceiveMessageBytes: num('grpc-max-receive-message-size'),
    grpcTls: resolveTls(str, 'grpc-tls-cert-file', 'grpc-tls-key-file', 'grpc-client-ca-file'),
    brokerTls: resolveTls(
      str,
      'grpc-broker-tls-cert-file',
      'grpc-broker-tls-key-file',
      'grpc-broker-client-ca-file',
    ),
    database: resolveDatabase(str, num, explicit),
  };
}

function resolveTls(
  str: (name: string) => string | undefined,
  certFlag: string,
  keyFlag: string,
  clientCaFlag: string,
): TlsFiles | undefined {
  const certFile = str(certFlag);
  const keyFile = str(keyFlag);
  const clientCaFile = str(clientCaFlag);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) {
      throw new MaestroError('INVALID_ARGUMENT', `--${clientCaFlag} needs --${certFlag} and --${keyFlag}`);
    }
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new MaestroError('INVALID_ARGUMENT', `--${certFlag} and --${keyFlag} go together`);
  }
  return { certFile, keyFile, ...(clientCaFile === undefined ? {} : { clientCaFile }) };
}

function resolveDatabase(
  str: (name: string) => string | undefined,
  num: (name: string) => number,
  explicit: ReadonlySet<string>,
): DatabaseConfig {
  const maxConnections = num('db-max-open-connections');
  const fileFlags = ['db-host-file', 'db-port-file', 'db-user-file', 'db-password-file', 'db-name-file'];
  const url = str('db-url');
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new MaestroError('INVALID_ARGUMENT', `invalid --db-url: expected postgres://… or postgresql://…`);
    }
    if (explicit.has('data-dir')) {
      throw new MaestroError(
        'INVALID_ARGUMENT',
        `--data-dir is for the embedded database; drop it or --db-url`,
      );
    }
  }
  if (url !== undefined || fileFlags.some((f) => explicit.has(f))) {
    return {
      kind: 'external',
      url,
      files: url
        ? undefined
        : {
            host: str('db-host-file'),
            port: str('db-port-file'),
            user: str('db-user-file'),
            password: str('db-password-file'),
            name: str('db-name-file'),
          },
      sslMode: str('db-sslmode') as (typeof DB_SSL_MODES)[number],
      rootCertFile: str('db-rootcert'),
      maxConnections,
    };
  }
  return {
    kind: 'embedded',
    dataDir: str('data-dir') ?? join(homedir(), '.maestro', 'data'),
    maxConnections,
  };
}

/**
 * The connection flags shared by `maestro consumer` and `maestro resourcebundle` (upstream's names,
 * local defaults), resolved flags > `MAESTRO_*` environment > defaults, and the SDK connection they
 * describe.
 */
import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { Command } from 'commander';
import { createMaestroConnection, DEFAULT_GRPC_ADDRESS, DEFAULT_REST_URL } from '../src/client/index.ts';
import type { MaestroConnection } from '../src/client/index.ts';
import { createLogger, LOG_LEVELS } from '../src/common/logger.ts';
import type { LogLevel } from '../src/common/logger.ts';
import { UsageError } from './program-context.ts';

/** Output formats of the client commands. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;

/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Default source id of the CLI's gRPC writes. */
export const DEFAULT_CLI_SOURCE_ID = 'maestro-cli';

interface FlagDefinition {
  flag: string;
  key: string;
  env: string;
  description: string;
  defaultValue?: string;
  boolean?: boolean;
  grpc?: boolean;
}

const FLAGS: readonly FlagDefinition[] = [
  {
    flag: '--rest-url <url>',
    key: 'restUrl',
    env: 'MAESTRO_REST_URL',
    description: 'Maestro REST API URL',
    defaultValue: DEFAULT_REST_URL,
  },
  {
    flag: '--insecure-skip-verify',
    key: 'insecureSkipVerify',
    env: 'MAESTRO_REST_INSECURE_SKIP_VERIFY',
    description: 'skip TLS verification of the REST API certificate',
    boolean: true,
  },
  {
    flag: '--timeout <duration>',
    key: 'timeout',
    env: 'MAESTRO_REST_TIMEOUT',
    description: 'time limit of each request and of connecting (e.g. 30s, 1m)',
    defaultValue: '30s',
  },
  {
    flag: '--grpc-server-address <host:port>',
    key: 'grpcServerAddress',
    env: 'MAESTRO_GRPC_SERVER_ADDRESS',
    description: 'Maestro gRPC source API address',
    defaultValue: DEFAULT_GRPC_ADDRESS,
    grpc: true,
  },
  {
    flag: '--grpc-source-id <id>',
    key: 'grpcSourceId',
    env: 'MAESTRO_GRPC_SOURCE_ID',
    description: 'source id the CLI writes resource bundles as',
    defaultValue: DEFAULT_CLI_SOURCE_ID,
    grpc: true,
  },
  {
    flag: '--grpc-ca-file <file>',
    key: 'grpcCaFile',
    env: 'MAESTRO_GRPC_CA_FILE',
    description: 'CA certificate of the gRPC (and HTTPS REST) server',
    grpc: true,
  },
  {
    flag: '--grpc-token-file <file>',
    key: 'grpcTokenFile',
    env: 'MAESTRO_GRPC_TOKEN_FILE',
    description: 'file holding a bearer token (needs --grpc-ca-file)',
    grpc: true,
  },
  {
    flag: '--grpc-client-cert-file <file>',
    key: 'grpcClientCertFile',
    env: 'MAESTRO_GRPC_CLIENT_CERT_FILE',
    description: 'client certificate for mutual TLS',
    grpc: true,
  },
  {
    flag: '--grpc-client-key-file <file>',
    key: 'grpcClientKeyFile',
    env: 'MAESTRO_GRPC_CLIENT_KEY_FILE',
    description: 'client key for mutual TLS',
    grpc: true,
  },
];

/** Adds the connection flags (REST only, or REST and gRPC) to `command`, defaults shown in the help. */
export function addConnectionFlags(command: Command, withGrpc: boolean): Command {
  for (const def of FLAGS) {
    if (def.grpc === true && !withGrpc) continue;
    const defaultNote = def.defaultValue === undefined ? '' : ` (default: ${def.defaultValue})`;
    command.addOption(new Option(def.flag, `${def.description}; env ${def.env}${defaultNote}`));
  }
  return command;
}

/** Adds `-o/--output`. */
export function addOutputFlag(command: Command): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'),
  );
}

/**
 * Parses a duration: Go style (`500ms`, `30s`, `1m30s`, `1h`) or a plain number of seconds.
 * Throws {@link UsageError}.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`invalid duration '${text}': use e.g. 30s, 1m or 1m30s`);
  }
  const ms = parts.reduce((sum, [, value, unit]) => sum + Number(value) * units[unit!]!, 0);
  if (ms <= 0) throw new UsageError(`invalid duration '${text}': must be positive`);
  return Math.round(ms);
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} '${path}': ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The resolved connection settings of a client command. */
export interface ClientSettings {
  restUrl: string;
  insecureSkipVerify: boolean;
  timeoutMs: number;
  grpcServerAddress: string;
  grpcSourceId: string;
  caFile?: string;
  tokenFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Resolves the connection flags of `command` (and its parents): flags > `env` > defaults. */
export function resolveClientSettings(
  command: Command,
  env: NodeJS.ProcessEnv = process.env,
): ClientSettings {
  const flags = command.optsWithGlobals() as Record<string, string | boolean | undefined>;
  const value = (key: string): string | undefined => {
    const def = FLAGS.find((f) => f.key === key)!;
    const flag = flags[key];
    if (typeof flag === 'string') return flag;
    if (flag === true) return 'true';
    const fromEnv = env[def.env];
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : def.defaultValue;
  };
  const bool = (key: string): boolean => ['true', '1', 'yes'].includes((value(key) ?? '').toLowerCase());
  const caFile = value('grpcCaFile');
  const tokenFile = value('grpcTokenFile');
  const certFile = value('grpcClientCertFile');
  const keyFile = value('grpcClientKeyFile');
  return {
    restUrl: value('restUrl')!,
    insecureSkipVerify: bool('insecureSkipVerify'),
    timeoutMs: parseDuration(value('timeout')!),
    grpcServerAddress: value('grpcServerAddress')!,
    grpcSourceId: value('grpcSourceId')!,
    ...(caFile === undefined ? {} : { caFile }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

/**
 * The logger of a client command: errors only (the command reports failures itself) unless `--log-level` was given, so command
 * output stays readable.
 */
function clientLogLevel(command: Command): LogLevel {
  let root: Command = command;
  while (root.parent !== null) root = root.parent;
  const level = (root.opts() as { logLevel?: string }).logLevel;
  if (root.getOptionValueSource('logLevel') === 'default' || level === undefined) return 'error';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new UsageError(`invalid --log-level '${level}'`);
  return level as LogLevel;
}

/** Creates the SDK connection the command's flags describe (nothing connects yet). */
export function connectionFor(command: Command, env: NodeJS.ProcessEnv = process.env): MaestroConnection {
  const settings = resolveClientSettings(command, env);
  const ca = settings.caFile === undefined ? undefined : readFile(settings.caFile, '--grpc-ca-file');
  const cert =
    settings.certFile === undefined ? undefined : readFile(settings.certFile, '--grpc-client-cert-file');
  const key =
    settings.keyFile === undefined ? undefined : readFile(settings.keyFile, '--grpc-client-key-file');
  const token =
    settings.tokenFile === undefined ? undefined : readFile(settings.tokenFile, '--grpc-token-file').trim();
  return createMaestroConnection({
    sourceId: settings.grpcSourceId,
    restUrl: settings.restUrl,
    grpcAddress: settings.grpcServerAddress,
    tls: {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      insecureSkipVerify: settings.insecureSkipVerify,
    },
    ...(token === undefined ? {} : { token }),
    deadlines: { restMs: settings.timeoutMs, publishMs: settings.timeoutMs, connectMs: settings.timeoutMs },
    logger: createLogger({ level: clientLogLevel(command) }),
  });
}

/**
 * Configuration of `maestro agent`: upstream's flag names and defaults (agent.md §6.1), merged as
 * flags > `MAESTRO_*` environment > defaults and validated before any I/O. This is the only agent
 * module that reads the environment (callers pass `process.env` in).
 */
import { MaestroError } from '../common/errors.ts';
import { parseGoDuration } from '../common/duration.ts';

/** Broker drivers `--workload-source-driver` accepts. */
export const WORKLOAD_SOURCE_DRIVERS = ['grpc', 'mqtt', 'pubsub', 'awsiot'] as const;

/** One of {@link WORKLOAD_SOURCE_DRIVERS}. */
export type WorkloadSourceDriver = (typeof WORKLOAD_SOURCE_DRIVERS)[number];

/** The validated agent configuration. Durations are milliseconds. */
export interface AgentConfig {
  /** `--consumer-name`: the cluster name, also the ManifestWork namespace. Required. */
  consumerName: string;
  /** `--kubeconfig`; absent = in-cluster, else `KUBECONFIG` / `~/.kube/config`. */
  kubeconfig?: string;
  /** `--workload-source-driver` (default `grpc`). */
  workloadSourceDriver: WorkloadSourceDriver;
  /** `--workload-source-config`: the upstream broker YAML file. */
  workloadSourceConfig?: string;
  /** `--cloudevents-client-id`: the `source` of every event the agent sends (default `<consumer>-work-agent`). */
  cloudEventsClientId: string;
  /** `--status-sync-interval` (default 10 s): how often applied objects are re-read for status. */
  statusSyncIntervalMs: number;
  /** `--max-json-raw-length` (default 1 MiB): cap of a `JsonRaw` status feedback value. */
  maxJsonRawLength: number;
  /** `--max-feedback-watch` (default 50): most applied objects watched for `feedbackScrapeType: Watch`. */
  maxFeedbackWatch: number;
  /** `--kube-api-qps` (default 50). */
  kubeApiQps: number;
  /** `--kube-api-burst` (default 100). */
  kubeApiBurst: number;
  /** `--appliedmanifestwork-eviction-grace-period` (default 60 min); 100 years or more disables eviction. */
  evictionGracePeriodMs: number;
  /** `--health-port` (default 8083): plain HTTP `/livez`, `/readyz` and `/metrics`; 0 picks a free port. */
  healthPort: number;
  /** `--health-bind-address` (default `0.0.0.0`). */
  healthBindAddress: string;
}

/** Raw option values as the command line gives them (strings, or numbers commander already parsed). */
export interface AgentFlagValues {
  consumerName?: string;
  kubeconfig?: string;
  workloadSourceDriver?: string;
  workloadSourceConfig?: string;
  cloudeventsClientId?: string;
  statusSyncInterval?: string;
  maxJsonRawLength?: string | number;
  maxFeedbackWatch?: string | number;
  kubeApiQps?: string | number;
  kubeApiBurst?: string | number;
  appliedmanifestworkEvictionGracePeriod?: string;
  healthPort?: string | number;
  healthBindAddress?: string;
}

/** Defaults, as upstream (maestro overrides ocm's `--max-json-raw-length` 1024 with 1 MiB). */
export const AGENT_DEFAULTS = {
  workloadSourceDriver: 'grpc',
  statusSyncInterval: '10s',
  maxJsonRawLength: 1048576,
  maxFeedbackWatch: 50,
  kubeApiQps: 50,
  kubeApiBurst: 100,
  appliedmanifestworkEvictionGracePeriod: '60m',
  healthPort: 8083,
  healthBindAddress: '0.0.0.0',
} as const;

/** The environment variable that backs each flag (flags win). */
export const AGENT_ENV_VARS: Readonly<Record<keyof AgentFlagValues, string>> = {
  consumerName: 'MAESTRO_CONSUMER_NAME',
  kubeconfig: 'MAESTRO_KUBECONFIG',
  workloadSourceDriver: 'MAESTRO_WORKLOAD_SOURCE_DRIVER',
  workloadSourceConfig: 'MAESTRO_WORKLOAD_SOURCE_CONFIG',
  cloudeventsClientId: 'MAESTRO_CLOUDEVENTS_CLIENT_ID',
  statusSyncInterval: 'MAESTRO_STATUS_SYNC_INTERVAL',
  maxJsonRawLength: 'MAESTRO_MAX_JSON_RAW_LENGTH',
  maxFeedbackWatch: 'MAESTRO_MAX_FEEDBACK_WATCH',
  kubeApiQps: 'MAESTRO_KUBE_API_QPS',
  kubeApiBurst: 'MAESTRO_KUBE_API_BURST',
  appliedmanifestworkEvictionGracePeriod: 'MAESTRO_APPLIEDMANIFESTWORK_EVICTION_GRACE_PERIOD',
  healthPort: 'MAESTRO_AGENT_HEALTH_PORT',
  healthBindAddress: 'MAESTRO_AGENT_HEALTH_BIND_ADDRESS',
};

/**
 * Parses a Go duration flag value (`10s`, `1m30s`, `60m`, `0`) into milliseconds. Unlike the broker
 * config files, a flag needs a unit, as Go's `time.ParseDuration` requires.
 */
export function parseDurationFlag(text: string, flag: string): number {
  const trimmed = text.trim();
  const ms = trimmed === '0' || !/^[\d.]+$/.test(trimmed) ? parseGoDuration(trimmed) : undefined;
  if (ms === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid ${flag} '${text}': use a duration such as 10s, 5m or 1h30m`,
    );
  }
  return ms;
}

function integer(value: string | number, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < min || n > max || (typeof value === 'string' && value.trim() === '')) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid ${flag} '${String(value)}': must be an integer between ${min} and ${max}`,
    );
  }
  return n;
}

function positiveNumber(value: string | number, flag: string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(n) || n <= 0) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid ${flag} '${String(value)}': must be a positive number`,
    );
  }
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Merges flags over `MAESTRO_*` environment variables over {@link AGENT_DEFAULTS} and validates the
 * result. Throws `MaestroError` `INVALID_ARGUMENT` naming the flag at the first problem.
 */
export function resolveAgentConfig(
  flags: AgentFlagValues,
  env: Readonly<Record<string, string | undefined>> = {},
): AgentConfig {
  const pick = <K extends keyof AgentFlagValues>(key: K): AgentFlagValues[K] | string | undefined => {
    const flagValue = flags[key];
    if (flagValue !== undefined && flagValue !== '') return flagValue;
    return nonEmpty(env[AGENT_ENV_VARS[key]]);
  };

  const consumerName = nonEmpty(pick('consumerName') as string | undefined);
  if (consumerName === undefined) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      'missing --consumer-name: the agent needs the name of its cluster',
    );
  }
  const driver = String(pick('workloadSourceDriver') ?? AGENT_DEFAULTS.workloadSourceDriver);
  if (!(WORKLOAD_SOURCE_DRIVERS as readonly string[]).includes(driver)) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid --workload-source-driver '${driver}': use one of ${WORKLOAD_SOURCE_DRIVERS.join(', ')}`,
    );
  }
  const healthPort = integer(pick('healthPort') ?? AGENT_DEFAULTS.healthPort, '--health-port', 0, 65535);

  return {
    consumerName,
    kubeconfig: nonEmpty(pick('kubeconfig') as string | undefined),
    workloadSourceDriver: driver as WorkloadSourceDriver,
    workloadSourceConfig: nonEmpty(pick('workloadSourceConfig') as string | undefined),
    cloudEventsClientId:
      nonEmpty(pick('cloudeventsClientId') as string | undefined) ?? `${consumerName}-work-agent`,
    statusSyncIntervalMs: positiveDuration(
      String(pick('statusSyncInterval') ?? AGENT_DEFAULTS.statusSyncInterval),
      '--status-sync-interval',
    ),
    maxJsonRawLength: integer(
      pick('maxJsonRawLength') ?? AGENT_DEFAULTS.maxJsonRawLength,
      '--max-json-raw-length',
      1,
    ),
    maxFeedbackWatch: integer(
      pick('maxFeedbackWatch') ?? AGENT_DEFAULTS.maxFeedbackWatch,
      '--max-feedback-watch',
      0,
    ),
    kubeApiQps: positiveNumber(pick('kubeApiQps') ?? AGENT_DEFAULTS.kubeApiQps, '--kube-api-qps'),
    kubeApiBurst: integer(pick('kubeApiBurst') ?? AGENT_DEFAULTS.kubeApiBurst, '--kube-api-burst', 1),
    evictionGracePeriodMs: parseDurationFlag(
      String(
        pick('appliedmanifestworkEvictionGracePeriod') ??
          AGENT_DEFAULTS.appliedmanifestworkEvictionGracePeriod,
      ),
      '--appliedmanifestwork-eviction-grace-period',
    ),
    healthPort,
    healthBindAddress: String(pick('healthBindAddress') ?? AGENT_DEFAULTS.healthBindAddress),
  };
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDurationFlag(text, flag);
  if (ms <= 0)
    throw new MaestroError('INVALID_ARGUMENT', `invalid ${flag} '${text}': must be greater than 0`);
  return ms;
}

/** Grace periods of 100 years or more disable eviction (upstream rule). */
export const EVICTION_DISABLED_THRESHOLD_MS = 100 * 365 * 24 * 3_600_000;

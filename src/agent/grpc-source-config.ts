/**
 * Reads the agent's `--workload-source-config` for the grpc driver: upstream's `GRPCConfig` YAML
 * (protocol.md §9.7: `url`, `caFile`/`caData`, `clientCertFile`/`clientCertData`,
 * `clientKeyFile`/`clientKeyData`, `token`/`tokenFile`, `keepAliveConfig`, `serverHealthinessTimeout`)
 * into the gRPC client transport's connection options. `*Data` values are base64 PEM, as upstream.
 */
import { MaestroError } from '../common/errors.ts';
import { parseGoDuration, readBrokerConfigFile } from '../transport/broker-config.ts';
import type { GrpcConnectionOptions } from '../transport/grpc/client.ts';

function optionalString(config: Record<string, unknown>, key: string, origin: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new MaestroError('INVALID_ARGUMENT', `${origin}: '${key}' must be a string`);
  return value;
}

function duration(value: unknown, key: string, origin: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'string' || typeof value === 'number' ? parseGoDuration(value) : undefined;
  if (ms === undefined)
    throw new MaestroError('INVALID_ARGUMENT', `${origin}: '${key}' must be a duration such as 30s`);
  return ms;
}

/** Parses an already-read gRPC config mapping; `origin` prefixes error messages. */
export function parseGrpcSourceConfig(
  config: Record<string, unknown>,
  origin: string,
): GrpcConnectionOptions {
  const url = optionalString(config, 'url', origin);
  if (url === undefined) throw new MaestroError('INVALID_ARGUMENT', `${origin}: 'url' is required`);
  const pemData = (key: string): Buffer | undefined => {
    const data = optionalString(config, key, origin);
    return data === undefined ? undefined : Buffer.from(data, 'base64');
  };
  const tls = {
    ca: pemData('caData'),
    caFile: optionalString(config, 'caFile', origin),
    cert: pemData('clientCertData'),
    certFile: optionalString(config, 'clientCertFile', origin),
    key: pemData('clientKeyData'),
    keyFile: optionalString(config, 'clientKeyFile', origin),
  };
  const hasTls = Object.values(tls).some((v) => v !== undefined);
  const keepAlive = config.keepAliveConfig as Record<string, unknown> | undefined;
  const options: GrpcConnectionOptions = {
    url,
    ...(hasTls ? { tls } : {}),
    token: optionalString(config, 'token', origin),
    tokenFile: optionalString(config, 'tokenFile', origin),
    serverHealthinessTimeoutMs: duration(config.serverHealthinessTimeout, 'serverHealthinessTimeout', origin),
  };
  if (keepAlive !== undefined && keepAlive !== null && keepAlive.enable === true) {
    options.keepalive = {
      timeMs: duration(keepAlive.time, 'keepAliveConfig.time', origin) ?? 30_000,
      timeoutMs: duration(keepAlive.timeout, 'keepAliveConfig.timeout', origin) ?? 10_000,
      permitWithoutStream: keepAlive.permitWithoutStream === true,
    };
  }
  return options;
}

/** Loads the gRPC `--workload-source-config` file (throws `INVALID_ARGUMENT` naming the problem). */
export function loadGrpcSourceConfig(path: string): GrpcConnectionOptions {
  return parseGrpcSourceConfig(readBrokerConfigFile(path), `grpc config ${path}`);
}

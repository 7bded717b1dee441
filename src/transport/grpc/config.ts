/**
 * The upstream gRPC client config file (protocol.md §9.7), as the agent's `--grpc-config` /
 * the SDK take it, turned into {@link GrpcConnectionOptions}:
 *
 * ```yaml
 * url: maestro-grpc-broker.maestro:8091     # required, host:port
 * caFile: /certs/ca.crt                      # or caData: <base64 PEM>
 * clientCertFile: /certs/client.crt          # or clientCertData
 * clientKeyFile: /certs/client.key           # or clientKeyData
 * token: ""                                  # or tokenFile: /path
 * keepAliveConfig: {enable: false, time: 30s, timeout: 10s, permitWithoutStream: false}
 * serverHealthinessTimeout: 40s
 * ```
 *
 * Files named in the config are read when the transport is created, not here. Unknown keys are
 * ignored, as Go does, but reported through `onUnknownKey` so a typo can be logged.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MaestroError } from '../../common/errors.ts';
import { parseGoDuration } from '../../common/duration.ts';
import type { GrpcConnectionOptions } from './client.ts';

const KNOWN_KEYS = new Set([
  'url',
  'caFile',
  'caData',
  'clientCertFile',
  'clientCertData',
  'clientKeyFile',
  'clientKeyData',
  'token',
  'tokenFile',
  'keepAliveConfig',
  'serverHealthinessTimeout',
]);

const KEEPALIVE_KEYS = new Set(['enable', 'time', 'timeout', 'permitWithoutStream']);

/** The servers reject client pings more frequent than this (protocol.md §9.4). */
const MIN_KEEPALIVE_TIME_MS = 5000;

/** Options for {@link parseGrpcClientConfig}. */
export interface GrpcConfigParseOptions {
  /** Where the text came from, for error messages. */
  origin?: string;
  /** Told about each key the config has that upstream does not define (dotted path). */
  onUnknownKey?: (key: string) => void;
}

/** Parses the YAML (or JSON) text of a gRPC client config; throws `INVALID_ARGUMENT` naming the bad key. */
export function parseGrpcClientConfig(
  text: string,
  options: GrpcConfigParseOptions = {},
): GrpcConnectionOptions {
  const origin = options.origin ?? 'grpc config';
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new MaestroError('INVALID_ARGUMENT', `${origin}: not valid YAML: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const fail = (key: string, problem: string): never => {
    throw new MaestroError('INVALID_ARGUMENT', `${origin}: '${key}' ${problem}`);
  };
  const duration = (key: string, value: unknown): number => {
    const ms = typeof value === 'string' || typeof value === 'number' ? parseGoDuration(value) : undefined;
    return ms ?? fail(key, `must be a duration such as '40s', got ${JSON.stringify(value)}`);
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    fail('url', 'is required (the file is empty)');
  const config = doc as Record<string, unknown>;
  for (const key of Object.keys(config)) if (!KNOWN_KEYS.has(key)) options.onUnknownKey?.(key);

  const stringValue = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') fail(key, `must be a string, got ${JSON.stringify(value)}`);
    return value as string;
  };
  const pemData = (key: string): Buffer | undefined => {
    const value = stringValue(key);
    if (value === undefined) return undefined;
    const decoded = Buffer.from(value, 'base64');
    if (!decoded.toString('utf8').includes('-----BEGIN')) fail(key, 'must be base64 of a PEM block');
    return decoded;
  };

  const url = stringValue('url') ?? fail('url', 'is required');
  if (!/^(\[[^\]]+\]|[^:\s]+):\d+$/.test(url)) fail('url', `must be host:port, got '${url}'`);
  const result: GrpcConnectionOptions = { url };

  const tls = {
    ca: pemData('caData'),
    caFile: stringValue('caFile'),
    cert: pemData('clientCertData'),
    certFile: stringValue('clientCertFile'),
    key: pemData('clientKeyData'),
    keyFile: stringValue('clientKeyFile'),
  };
  const definedTls = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  if (Object.keys(definedTls).length > 0) result.tls = definedTls;
  const hasCert = tls.cert !== undefined || tls.certFile !== undefined;
  const hasKey = tls.key !== undefined || tls.keyFile !== undefined;
  if (hasCert !== hasKey)
    fail(hasCert ? 'clientKeyFile' : 'clientCertFile', 'is required with a client certificate/key');

  const token = stringValue('token');
  const tokenFile = stringValue('tokenFile');
  if (token !== undefined) result.token = token;
  else if (tokenFile !== undefined) result.tokenFile = tokenFile;
  if ((token !== undefined || tokenFile !== undefined) && tls.ca === undefined && tls.caFile === undefined) {
    fail(token !== undefined ? 'token' : 'tokenFile', 'requires a CA certificate (caFile or caData)');
  }

  const keepAlive = config.keepAliveConfig;
  if (keepAlive !== undefined && keepAlive !== null) {
    if (typeof keepAlive !== 'object' || Array.isArray(keepAlive))
      fail('keepAliveConfig', 'must be a mapping');
    const ka = keepAlive as Record<string, unknown>;
    for (const key of Object.keys(ka))
      if (!KEEPALIVE_KEYS.has(key)) options.onUnknownKey?.(`keepAliveConfig.${key}`);
    const flag = (key: string): boolean => {
      const value = ka[key] ?? false;
      if (typeof value !== 'boolean')
        fail(`keepAliveConfig.${key}`, `must be true or false, got ${JSON.stringify(value)}`);
      return value as boolean;
    };
    if (flag('enable')) {
      const timeMs = ka.time === undefined ? 30_000 : duration('keepAliveConfig.time', ka.time);
      const timeoutMs = ka.timeout === undefined ? 10_000 : duration('keepAliveConfig.timeout', ka.timeout);
      if (timeMs < MIN_KEEPALIVE_TIME_MS) {
        fail(
          'keepAliveConfig.time',
          `must be at least 5s (servers reject more frequent pings), got '${String(ka.time)}'`,
        );
      }
      if (timeoutMs <= 0) fail('keepAliveConfig.timeout', `must be positive, got '${String(ka.timeout)}'`);
      result.keepalive = { timeMs, timeoutMs, permitWithoutStream: flag('permitWithoutStream') };
    }
  }

  const healthiness = config.serverHealthinessTimeout;
  if (healthiness !== undefined && healthiness !== null && healthiness !== '') {
    const ms = duration('serverHealthinessTimeout', healthiness);
    if (ms > 0) result.serverHealthinessTimeoutMs = ms;
  }
  return result;
}

/** Reads and parses a gRPC client config file; errors name the file and the key. */
export function loadGrpcClientConfig(
  path: string,
  options: Omit<GrpcConfigParseOptions, 'origin'> = {},
): GrpcConnectionOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MaestroError('INVALID_ARGUMENT', `cannot read grpc config file '${path}'`, { cause: err });
  }
  return parseGrpcClientConfig(text, { ...options, origin: `grpc config file '${path}'` });
}

/**
 * The gRPC contract `proto/io/cloudevents/v1/cloudevent.proto`, loaded at run time with
 * `@grpc/proto-loader` (nothing is generated). The interfaces below describe the plain objects
 * proto-loader hands out and accepts with the options in {@link PROTO_LOADER_OPTIONS}.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Options } from '@grpc/proto-loader';
import { MaestroError } from '../common/errors.ts';
import { findPackageFile } from '../common/package-files.ts';

/** The proto file's path relative to the repository (and published package) root. */
export const CLOUDEVENT_PROTO_FILE = 'io/cloudevents/v1/cloudevent.proto';

/** The fully-qualified gRPC service name. */
export const CLOUDEVENT_SERVICE_NAME = 'io.cloudevents.v1.CloudEventService';

/**
 * proto-loader options: field names as in the proto (`spec_version`, `binary_data`), 64-bit integers
 * as decimal strings, no default values filled in (an absent field stays `undefined`), and the
 * virtual oneof fields (`data`, `attr`) that name the populated case.
 */
export const PROTO_LOADER_OPTIONS: Readonly<Options> = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** `google.protobuf.Timestamp`; `seconds` is a decimal string when decoded (int64). */
export interface PbTimestamp {
  seconds?: string | number;
  nanos?: number;
}

/** The oneof case names of {@link PbAttributeValue}. */
export type PbAttributeCase =
  'ce_boolean' | 'ce_integer' | 'ce_string' | 'ce_bytes' | 'ce_uri' | 'ce_uri_ref' | 'ce_timestamp';

/** `io.cloudevents.v1.CloudEventAttributeValue`: exactly one case is set. */
export interface PbAttributeValue {
  ce_boolean?: boolean;
  ce_integer?: number;
  ce_string?: string;
  ce_bytes?: Uint8Array;
  ce_uri?: string;
  ce_uri_ref?: string;
  ce_timestamp?: PbTimestamp;
  /** Set by the decoder: which case is populated. */
  attr?: PbAttributeCase;
}

/** `google.protobuf.Any`. */
export interface PbAny {
  type_url?: string;
  value?: Uint8Array;
}

/** `io.cloudevents.v1.CloudEvent`. */
export interface PbCloudEvent {
  id?: string;
  source?: string;
  spec_version?: string;
  type?: string;
  attributes?: Record<string, PbAttributeValue>;
  binary_data?: Uint8Array;
  text_data?: string;
  proto_data?: PbAny;
  /** Set by the decoder: which data case is populated. */
  data?: 'binary_data' | 'text_data' | 'proto_data';
}

/** `io.cloudevents.v1.PublishRequest`. */
export interface PbPublishRequest {
  event?: PbCloudEvent;
}

/** `io.cloudevents.v1.SubscriptionRequest`: every field optional. */
export interface PbSubscriptionRequest {
  source?: string;
  cluster_name?: string;
  data_type?: string;
}

/**
 * The `CloudEventService` methods, typed with the message shapes above; usable directly with grpc-js
 * (`server.addService`, `makeGenericClientConstructor`).
 */
export interface CloudEventServiceDefinition extends ServiceDefinition {
  Publish: MethodDefinition<PbPublishRequest, Record<string, never>>;
  Subscribe: MethodDefinition<PbSubscriptionRequest, PbCloudEvent>;
}

/**
 * The directory holding `proto/` (walking up from this module), so the proto is found both from the
 * sources (`src/cloudevents/`) and from the build output (`dist/src/cloudevents/`).
 */
export function findProtoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  const protoFile = findPackageFile(join('proto', CLOUDEVENT_PROTO_FILE), start);
  return protoFile.slice(0, protoFile.length - CLOUDEVENT_PROTO_FILE.length - 1);
}

let cached: CloudEventServiceDefinition | undefined;

/**
 * The loaded `CloudEventService` definition (loaded once, then cached). Pass it to grpc-js's
 * `server.addService` or `makeGenericClientConstructor`; google/protobuf imports resolve from the
 * well-known types bundled with protobufjs.
 */
export function loadCloudEventService(): CloudEventServiceDefinition {
  if (cached === undefined) {
    const root = findProtoRoot();
    const definition = loadSync(CLOUDEVENT_PROTO_FILE, { ...PROTO_LOADER_OPTIONS, includeDirs: [root] });
    const service = definition[CLOUDEVENT_SERVICE_NAME];
    if (service === undefined || !('Publish' in service) || !('Subscribe' in service)) {
      throw new MaestroError('INTERNAL', `service '${CLOUDEVENT_SERVICE_NAME}' missing from '${root}'`);
    }
    cached = service as unknown as CloudEventServiceDefinition;
  }
  return cached;
}

/** Encodes a {@link PbCloudEvent} to protobuf bytes (the exact bytes a `Subscribe` stream carries). */
export function encodeProtoEvent(event: PbCloudEvent): Buffer {
  return loadCloudEventService().Subscribe.responseSerialize(event);
}

/** Decodes protobuf bytes into a {@link PbCloudEvent}. */
export function decodeProtoEvent(bytes: Buffer): PbCloudEvent {
  return loadCloudEventService().Subscribe.responseDeserialize(bytes);
}

/** Encodes a {@link PbPublishRequest} to protobuf bytes (the body of a `Publish` call). */
export function encodePublishRequest(request: PbPublishRequest): Buffer {
  return loadCloudEventService().Publish.requestSerialize(request);
}

/** Decodes the protobuf bytes of a `Publish` request. */
export function decodePublishRequest(bytes: Buffer): PbPublishRequest {
  return loadCloudEventService().Publish.requestDeserialize(bytes);
}

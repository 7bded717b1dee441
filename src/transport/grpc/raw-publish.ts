/**
 * `Publish` with the request left as bytes, shared by both gRPC servers (agent broker, source API):
 * grpc-js answers INTERNAL when its deserializer throws, while a malformed request is the client's
 * fault, so the handler decodes it with {@link decodePublishedEvent} and answers INVALID_ARGUMENT.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { errorMessage, MaestroError, toMaestroError } from '../../common/errors.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { decodePublishRequest } from '../../cloudevents/proto.ts';
import type { PbPublishRequest } from '../../cloudevents/proto.ts';
import { fromProtoEvent } from '../../cloudevents/proto-codec.ts';
import { cloudEventGrpcService } from './service.ts';

let cached: ServiceDefinition | undefined;

/** {@link cloudEventGrpcService} with `Publish` requests passed to the handler as raw bytes. */
export function rawPublishGrpcService(): ServiceDefinition {
  if (cached === undefined) {
    const service = cloudEventGrpcService();
    cached = { ...service, Publish: { ...service.Publish, requestDeserialize: (bytes: Buffer) => bytes } };
  }
  return cached;
}

/** Decodes a `Publish` request body into its event; every failure is an INVALID_ARGUMENT naming it. */
export function decodePublishedEvent(bytes: Buffer): MaestroEvent {
  let request: PbPublishRequest;
  try {
    request = decodePublishRequest(bytes);
  } catch (err: unknown) {
    throw new MaestroError('INVALID_ARGUMENT', `malformed publish request: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  if (request.event === undefined || request.event === null) {
    throw new MaestroError('INVALID_ARGUMENT', 'publish request has no event');
  }
  try {
    return fromProtoEvent(request.event);
  } catch (err: unknown) {
    throw toMaestroError(err, 'INVALID_ARGUMENT');
  }
}

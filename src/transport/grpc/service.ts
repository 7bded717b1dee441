/**
 * The `io.cloudevents.v1.CloudEventService` definition the gRPC servers use: the proto-loader
 * definition with one change, `Subscribe` responses that are already encoded (`Buffer`s from
 * `encodeProtoEvent`) pass through the serializer untouched. An event fanned out to many subscription
 * streams, or checked against a size limit before sending, is then encoded exactly once. Clients call
 * the methods by path ({@link PUBLISH_METHOD_PATH}, {@link SUBSCRIBE_METHOD_PATH}).
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import { CLOUDEVENT_SERVICE_NAME, loadCloudEventService } from '../../cloudevents/proto.ts';
import type { PbCloudEvent } from '../../cloudevents/proto.ts';

/** The full path of the unary `Publish` method. */
export const PUBLISH_METHOD_PATH = `/${CLOUDEVENT_SERVICE_NAME}/Publish`;

/** The full path of the server-streaming `Subscribe` method. */
export const SUBSCRIBE_METHOD_PATH = `/${CLOUDEVENT_SERVICE_NAME}/Subscribe`;

/** A `Subscribe` response: a decoded event, or its protobuf bytes. */
export type SubscribeResponse = PbCloudEvent | Buffer;

let cached: ServiceDefinition | undefined;

/** The service definition for grpc-js `server.addService`; see the module comment. */
export function cloudEventGrpcService(): ServiceDefinition {
  if (cached === undefined) {
    const { Publish, Subscribe } = loadCloudEventService();
    cached = {
      Publish,
      Subscribe: {
        ...Subscribe,
        responseSerialize: (message: SubscribeResponse) =>
          Buffer.isBuffer(message) ? message : Subscribe.responseSerialize(message),
      },
    } as ServiceDefinition;
  }
  return cached;
}

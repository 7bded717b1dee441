// Public names of the transport layer: the broker-neutral Transport interface, its shared helpers,
// the in-memory, gRPC, MQTT 5, Pub/Sub and AWS IoT implementations, and the broker config loaders.
export type {
  EventHandler,
  Transport,
  TransportIdentity,
  TransportState,
  TransportStatus,
} from './transport.ts';
export { createStatusEmitter } from './status.ts';
export type { StatusEmitter } from './status.ts';
export { createDeliveryQueue } from './delivery-queue.ts';
export type { DeliveryQueue, DeliveryQueueOptions } from './delivery-queue.ts';
export { createBackoff } from './backoff.ts';
export type { Backoff, BackoffOptions } from './backoff.ts';
export { routeAgentEvent, routeSourceEvent } from './routing.ts';
export type { AgentRoute, SourceRoute } from './routing.ts';
export { createMemoryBroker, MEMORY_TRANSPORT_NAME } from './memory.ts';
export type { MemoryBroker, MemoryBrokerOptions } from './memory.ts';
export { createGrpcBrokerTransport, GRPC_BROKER_TRANSPORT_NAME } from './grpc/broker-server.ts';
export type { GrpcBrokerOptions, GrpcBrokerTransport } from './grpc/broker-server.ts';
export { createGrpcTransport, GRPC_TRANSPORT_NAME } from './grpc/client.ts';
export type { GrpcClientOptions, GrpcConnectionOptions, GrpcKeepaliveOptions } from './grpc/client.ts';
export { createChannelCredentials } from './grpc/client-credentials.ts';
export type { GrpcClientSecurityOptions, GrpcClientTlsOptions } from './grpc/client-credentials.ts';
export { loadGrpcClientConfig, parseGrpcClientConfig } from './grpc/config.ts';
export type { GrpcConfigParseOptions } from './grpc/config.ts';
export { createServerCredentials } from './grpc/server-credentials.ts';
export type { GrpcServerTlsOptions } from './grpc/server-credentials.ts';
export { cloudEventGrpcService, PUBLISH_METHOD_PATH, SUBSCRIBE_METHOD_PATH } from './grpc/service.ts';
export type { SubscribeResponse } from './grpc/service.ts';
export { fromGrpcError, grpcStatusOf, toServiceError } from './grpc/status-mapping.ts';
export { openSubscriptionStream, SUBSCRIPTION_ID_HEADER } from './grpc/subscription-stream.ts';
export type { SubscriptionStream, SubscriptionStreamOptions } from './grpc/subscription-stream.ts';
export { createMqttTransport, MQTT_TRANSPORT_NAME } from './mqtt/mqtt-transport.ts';
export { AWS_IOT_MAX_MESSAGE_BYTES, MQTT_MAX_MESSAGE_BYTES } from './mqtt/message.ts';
export type { MqttTransportOptions } from './mqtt/mqtt-transport.ts';
export { createPubSubTransport, PUBSUB_LIMITS, PUBSUB_TRANSPORT_NAME } from './pubsub/pubsub-transport.ts';
export type { PubSubTransportOptions } from './pubsub/pubsub-transport.ts';
export { provisionPubSub } from './pubsub/provision.ts';
export type { PubSubProvisionOptions, PubSubProvisionResult } from './pubsub/provision.ts';
export { AWS_IOT_TRANSPORT_NAME, createAwsIotTransport } from './aws-iot/aws-iot-transport.ts';
export type { AwsIotTransportOptions } from './aws-iot/aws-iot-transport.ts';
export {
  loadMqttBrokerConfig,
  loadPubSubBrokerConfig,
  parseMqttBrokerConfig,
  parsePubSubBrokerConfig,
  readBrokerConfigFile,
} from './broker-config.ts';
export type { MqttBrokerConfig, MqttTopicsConfig, PubSubBrokerConfig } from './broker-config.ts';
export { CONFIGURED_BROKER_TYPES, createTransportFromConfig } from './factory.ts';
export type { ConfiguredBrokerType, ConfiguredTransport, TransportFromConfigOptions } from './factory.ts';
export { splitIntoBatches } from './batches.ts';
export type { BatchBudget } from './batches.ts';

// Public names of the CloudEvents layer: the event model, event types, extensions and the wire codecs.
export {
  createEvent,
  extensionNames,
  integerExtension,
  isRfc3339,
  requireIntegerExtension,
  requireStringExtension,
  stringExtension,
  timeExtension,
} from './event.ts';
export type { EventInit, MaestroEvent } from './event.ts';
export {
  EVENT_ACTIONS,
  HEARTBEAT_EVENT_TYPE,
  MANIFEST_BUNDLE_DATA_TYPE,
  formatDataType,
  formatEventType,
  manifestBundleEventType,
  parseDataType,
  parseEventType,
} from './event-types.ts';
export type { DataType, EventAction, EventType, SubResource } from './event-types.ts';
export { EXT, EXTENSION_KINDS } from './extensions.ts';
export type { AttributeKind } from './extensions.ts';
export {
  CLOUDEVENT_PROTO_FILE,
  CLOUDEVENT_SERVICE_NAME,
  PROTO_LOADER_OPTIONS,
  decodeProtoEvent,
  decodePublishRequest,
  encodeProtoEvent,
  encodePublishRequest,
  findProtoRoot,
  loadCloudEventService,
} from './proto.ts';
export type {
  CloudEventServiceDefinition,
  PbAny,
  PbAttributeCase,
  PbAttributeValue,
  PbCloudEvent,
  PbPublishRequest,
  PbSubscriptionRequest,
  PbTimestamp,
} from './proto.ts';
export { PROTO_CONTENT_TYPE_KEY, fromProtoEvent, toProtoEvent } from './proto-codec.ts';
export { fromMqttMessage, toMqttMessage } from './mqtt-codec.ts';
export type { MqttEventMessage, MqttEventProperties } from './mqtt-codec.ts';
export { PUBSUB_CONTENT_TYPE_KEY, fromPubSubMessage, toPubSubMessage } from './pubsub-codec.ts';
export type { PubSubEventMessage } from './pubsub-codec.ts';
export { fromJsonEvent, fromJsonEventText, toJsonEvent } from './json-codec.ts';
export type { JsonEvent, JsonEventOptions } from './json-codec.ts';
export { rfc3339FromTimestamp, timestampFromRfc3339 } from './timestamp.ts';
export {
  CLOUDEVENTS_JSON_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  attributeText,
  encodeEventData,
  isJsonContentType,
  isStructuredContentType,
} from './wire-values.ts';
export {
  ATTRIBUTE_PREFIX,
  STANDARD_ATTRIBUTES,
  assembleEvent,
  decodePayload,
  normaliseExtensionName,
  normaliseExtensionValue,
  setPrefixedAttribute,
} from './event-assembly.ts';

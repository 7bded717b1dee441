/**
 * Encoding an event for an MQTT publish with the broker's size limit enforced up front, shared by the
 * MQTT and AWS IoT transports: a message the broker would refuse (or silently drop, as AWS IoT Core
 * does above 128 KiB) is rejected with `RESOURCE_EXHAUSTED` naming the event and both sizes.
 */
import { MaestroError } from '../../common/errors.ts';
import type { MaestroEvent } from '../../cloudevents/event.ts';
import { toMqttMessage } from '../../cloudevents/mqtt-codec.ts';
import type { MqttEventMessage } from '../../cloudevents/mqtt-codec.ts';

/** Upstream Maestro's MQTT packet budget (protocol.md §10.2): 512 KiB. */
export const MQTT_MAX_MESSAGE_BYTES = 512 * 1024;

/** AWS IoT Core's message size limit: 128 KiB. */
export const AWS_IOT_MAX_MESSAGE_BYTES = 128 * 1024;

/** The encoded message plus its estimated PUBLISH packet size. */
export interface SizedMqttMessage extends MqttEventMessage {
  bytes: number;
}

/**
 * Encodes `event` in binary mode (via the CloudEvents MQTT codec) and estimates the size of the
 * PUBLISH packet carrying it to `topic`; throws `RESOURCE_EXHAUSTED` over `maxMessageBytes`.
 */
export function encodeMqttEvent(
  event: MaestroEvent,
  topic: string,
  maxMessageBytes: number,
): SizedMqttMessage {
  const message = toMqttMessage(event);
  const bytes = estimatePublishBytes(topic, message);
  if (bytes > maxMessageBytes) {
    throw new MaestroError(
      'RESOURCE_EXHAUSTED',
      `event '${event.id}' needs a ${bytes}-byte mqtt message, more than the ${maxMessageBytes}-byte limit`,
    );
  }
  return { ...message, bytes };
}

/** Fixed header, topic, packet id, properties (content type, user properties) and payload. */
function estimatePublishBytes(topic: string, message: MqttEventMessage): number {
  let properties = 0;
  if (message.properties.contentType !== undefined) {
    properties += 3 + Buffer.byteLength(message.properties.contentType);
  }
  for (const [key, value] of Object.entries(message.properties.userProperties)) {
    properties += 5 + Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  return 5 + 2 + Buffer.byteLength(topic) + 2 + 4 + properties + message.payload.length;
}

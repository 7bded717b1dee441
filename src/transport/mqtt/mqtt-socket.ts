/**
 * The mqtt.js client on a socket Maestro opens itself (mqtt.js's documented
 * `new MqttClient(streamBuilder, options)`), so the socket can join writes: mqtt-packet writes a
 * PUBLISH in ~65 small pieces (fixed header, each user property's lengths and bytes, topic, payload)
 * and corks them per tick, so they reached the kernel as writev calls of thousands of tiny buffers.
 * That per-buffer cost was a third of an MQTT publisher's CPU; joining each corked batch into one
 * buffer costs a single copy (measured by the `mqtt-spec-delivery` bench: ~150 → ~125 µs of
 * publisher CPU per event).
 */
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { MqttClient } from 'mqtt';
import type { IClientOptions } from 'mqtt';

/** mqtt.js client options with the broker address spelled out. */
export type MqttClientOptions = IClientOptions & { host: string; port: number };

/**
 * A client for `options`, connecting at once and again on every
 * `reconnect()` through a write-joining socket: TLS with `tls` (CA, client certificate, minimum
 * version, server name), plain TCP without.
 */
export function createMqttClient(options: MqttClientOptions, tls?: ConnectionOptions): MqttClient {
  const { host, port } = options;
  const open = (): Socket =>
    tls === undefined ? createConnection({ host, port }) : connectTls({ ...tls, host, port });
  return new MqttClient(() => joinWrites(open()), options);
}

/** Makes `socket` pass each batch of buffered writes to the kernel as one buffer. */
export function joinWrites<T extends Socket>(socket: T): T {
  socket._writev = (chunks, callback) => {
    const buffers = chunks.map(({ chunk, encoding }) =>
      typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Buffer),
    );
    // 'buffer' is what Writable itself passes along with a Buffer chunk
    socket._write(Buffer.concat(buffers), 'buffer' as BufferEncoding, callback);
  };
  return socket;
}

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { joinWrites } from '../../../../src/transport/mqtt/mqtt-socket.ts';

test('a write-joining socket delivers corked buffers and strings intact and in order', async (t) => {
  const received: Buffer[] = [];
  let peerEnded: Promise<unknown> = Promise.resolve();
  const server = createServer((peer) => {
    peer.on('data', (chunk: Buffer) => received.push(chunk));
    peerEnded = once(peer, 'end');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const socket: Socket = joinWrites(
    createConnection({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }),
  );
  await once(socket, 'connect');

  // as mqtt-packet writes a packet: header bytes, a utf8 string, binary in another encoding, payload
  socket.cork();
  socket.write(Buffer.from([0x32, 0x10]));
  socket.write('tópic', 'utf8');
  socket.write('00ff', 'hex');
  socket.write(Buffer.from('payload'));
  process.nextTick(() => socket.uncork());
  // a second corked batch after the first
  await new Promise<void>((resolve) => socket.write(Buffer.from('-next'), () => resolve()));
  socket.end();
  await once(socket, 'close');
  await peerEnded;

  const expected = Buffer.concat([
    Buffer.from([0x32, 0x10]),
    Buffer.from('tópic', 'utf8'),
    Buffer.from([0x00, 0xff]),
    Buffer.from('payload-next'),
  ]);
  assert.deepEqual(Buffer.concat(received), expected);
});

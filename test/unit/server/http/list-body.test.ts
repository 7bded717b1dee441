import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, createListBodyEncoder } from '../../../../src/server/http/list-body.ts';

test('Accept-Encoding: gzip is accepted when listed (or matched by *) with a non-zero quality', () => {
  for (const header of ['gzip', 'GZIP', 'deflate, gzip;q=0.5', 'br, x-gzip', '*', 'deflate;q=1, *;q=0.1']) {
    assert.equal(acceptsGzip(header), true, header);
  }
  for (const header of [undefined, '', 'identity', 'deflate, br', 'gzip;q=0', 'gzip;q=0, *', '*;q=0']) {
    assert.equal(acceptsGzip(header), false, String(header));
  }
});

test('the body is the parts in order: gzipped when accepted, as is otherwise', async () => {
  const encoder = createListBodyEncoder();
  const parts = ['{"items":[', '{"a":"ü"}', ',', '{"b":2}', ']}'].map((p) => Buffer.from(p));
  const expected = Buffer.concat(parts).toString();

  const gzipped = await encoder.encode(parts, 'gzip');
  assert.equal(gzipped.encoding, 'gzip');
  assert.equal(gunzipSync(gzipped.body).toString(), expected);

  const plain = await encoder.encode(parts, 'deflate');
  assert.equal(plain.encoding, undefined);
  assert.equal(plain.body.toString(), expected);
});

test('concurrent and successive bodies of different sizes never mix (the reused buffers)', async () => {
  const encoder = createListBodyEncoder();
  const bodies = Array.from({ length: 12 }, (_, i) => [
    Buffer.from(`[${i},`),
    Buffer.alloc(1_000 * ((i * 7) % 12) + 1, String.fromCharCode(97 + i)),
    Buffer.from(']'),
  ]);
  for (let round = 0; round < 2; round++) {
    const encoded = await Promise.all(bodies.map((parts) => encoder.encode(parts, 'gzip')));
    encoded.forEach(({ body }, i) => {
      assert.equal(gunzipSync(body).toString(), Buffer.concat(bodies[i]!).toString(), `body ${i}`);
    });
    for (const [i, parts] of bodies.entries()) {
      const { body } = await encoder.encode(parts, 'gzip');
      assert.equal(gunzipSync(body).toString(), Buffer.concat(parts).toString(), `body ${i} alone`);
    }
  }
});

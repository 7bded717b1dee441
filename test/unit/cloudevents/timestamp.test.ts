import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMaestroError } from '../../../src/common/errors.ts';
import { createEvent } from '../../../src/cloudevents/event.ts';
import { rfc3339FromTimestamp, timestampFromRfc3339 } from '../../../src/cloudevents/timestamp.ts';

describe('timestamps', () => {
  test('nanosecond RFC 3339 text round trips exactly', () => {
    for (const text of [
      '2025-12-16T06:00:17.921082037Z',
      '2025-12-13T13:32:30.308693Z',
      '2024-10-15T17:31:05Z',
      '1969-12-31T23:59:59.5Z',
    ]) {
      assert.equal(rfc3339FromTimestamp(timestampFromRfc3339(text)), text);
    }
  });

  test('offsets are converted to UTC and trailing zeros trimmed, as Go formats RFC3339Nano', () => {
    const ts = timestampFromRfc3339('2024-10-15T11:54:06.120+02:00');
    assert.deepEqual(ts, { seconds: '1728986046', nanos: 120000000 });
    assert.equal(rfc3339FromTimestamp(ts), '2024-10-15T09:54:06.12Z');
  });

  test('invalid text and out-of-range nanos are refused', () => {
    assert.throws(
      () => timestampFromRfc3339('2024-10-15 09:54:06'),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => rfc3339FromTimestamp({ seconds: '1', nanos: 1_000_000_000 }),
      (err) => isMaestroError(err, 'INVALID_ARGUMENT'),
    );
  });

  test('an event built without time gets one in RFC3339Nano form', () => {
    const time = createEvent({ id: 'e', source: 's', type: 't' }).time as string;
    assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/);
    assert.equal(rfc3339FromTimestamp(timestampFromRfc3339(time)), time);
  });
});

/**
 * RFC 3339 text ⇄ `google.protobuf.Timestamp`, without going through `Date` (which would drop
 * everything below milliseconds: upstream times carry nanoseconds).
 */
import { MaestroError } from '../common/errors.ts';
import type { PbTimestamp } from './proto.ts';

const RFC3339_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp (up to nanoseconds, any offset) into seconds and nanos since the epoch. */
export function timestampFromRfc3339(text: string): { seconds: string; nanos: number } {
  const m = RFC3339_PARTS.exec(text);
  if (m === null) {
    throw new MaestroError('INVALID_ARGUMENT', `invalid RFC 3339 timestamp '${text}'`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  let seconds = date.getTime() / 1000;
  if (m[8] === undefined) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60;
    seconds -= m[9] === '+' ? offset : -offset;
  }
  const nanos = Number((m[7] ?? '').padEnd(9, '0'));
  return { seconds: String(seconds), nanos };
}

// the last second formatted: events arrive with the times of the last moments, so most reuse it
let lastSeconds = Number.NaN;
let lastWhole = '';

/** Formats a protobuf timestamp as Go's `time.RFC3339Nano` in UTC (fraction without trailing zeros). */
export function rfc3339FromTimestamp(timestamp: PbTimestamp): string {
  const seconds = Number(timestamp.seconds ?? 0);
  const nanos = timestamp.nanos ?? 0;
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new MaestroError(
      'INVALID_ARGUMENT',
      `invalid timestamp {seconds: ${String(timestamp.seconds)}, nanos: ${String(timestamp.nanos)}}`,
    );
  }
  if (seconds !== lastSeconds) {
    lastWhole = new Date(seconds * 1000).toISOString().slice(0, 19);
    lastSeconds = seconds;
  }
  const whole = lastWhole;
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${whole}${fraction}Z`;
}

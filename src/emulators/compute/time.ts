// Time in microseconds since the epoch (Nova and Keystone print six fractional digits; a JS millisecond
// clock can't hold them). Nova prints naive UTC without a zone, Keystone appends 'Z'.

/** Epoch ms (may be fractional, for microseconds), a Date, or an ISO 8601 string (UTC when it has no zone). */
export type TimeInput = number | Date | string;

export const MICROS_PER_MS = 1000;

export function toMicros(t: TimeInput): number {
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new Error(`not a time: ${t}`);
    return Math.round(t * MICROS_PER_MS);
  }
  if (t instanceof Date) return t.getTime() * MICROS_PER_MS;
  const us = parseIsoTime(t);
  if (us === undefined) throw new Error(`not an ISO 8601 time: ${t}`);
  return us;
}

/** `2018-04-25T01:26:28.909887`: the naive UTC form Nova serializes datetimes in. */
export function novaTime(us: number): string {
  const seconds = Math.floor(us / 1_000_000);
  const micros = us - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}`;
}

/** `2026-11-25T12:00:00.000000Z`: Keystone's issued_at / expires_at form. */
export const keystoneTime = (us: number): string => `${novaTime(us)}Z`;

// The subset of ISO 8601 that python-iso8601 (behind oslo's parse_isotime) accepts and anyone would send:
// a date, optionally a time ('T' or space), optional seconds and fraction, optional zone (Z, ±hh, ±hh:mm, ±hhmm).
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::?(\d{2}))?(?::?(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Parses to epoch microseconds, or undefined when malformed or not a real calendar time. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) =>
    v === undefined ? undefined : Number(v),
  ) as [number, number, number, number?, number?, number?];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over to March: reject anything that doesn't round-trip.
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return undefined;
  const fraction = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, '0'));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hh = Number(digits.slice(0, 2));
    const mm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hh > 23 || mm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hh * 60 + mm);
  }
  return (ms - offsetMinutes * 60_000) * MICROS_PER_MS + fraction;
}

// Time helpers. The v2.0 API speaks local wall-clock strings (KST in the Korea region), the v2.1 API epoch ms.

const KST_OFFSET_MS = 9 * 60 * 60 * 1000;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** "One month before" as a calendar month, the way the docs describe the activation window. */
export function oneMonthBefore(ms: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getTime();
}

/** Formats epoch ms as the v2.0 local-time string `yyyy-MM-ddTHH:mm:ss` (KST). */
export function formatKst(ms: number): string {
  return new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 19);
}

/**
 * Parses a v2.0 `yyyy-MM-ddTHH:mm:ss` KST string to epoch ms, or undefined when malformed or not a real
 * calendar date (Date.UTC would silently roll 2024-02-31 over to March, so the result is round-tripped).
 */
export function parseKst(text: string): number | undefined {
  const m = LOCAL_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - KST_OFFSET_MS;
  if (!Number.isFinite(ms) || formatKst(ms) !== text) return undefined;
  return ms;
}

/**
 * Docker-style log timestamp: ISO 8601 with nanosecond digits (30 chars), so that OpenWhisk's
 * `f"$time%-30s $stream: $log"` line format has exactly one space after it.
 */
export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, -1) + '000000Z';
}

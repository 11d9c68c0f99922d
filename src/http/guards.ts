/**
 * guards: who may talk to the gateway from a browser, decided from the request's headers before
 * anything else runs.
 *
 * - Host (DNS rebinding). With GATEWAY_AUTH=none on a loopback address, anything that reaches the
 *   port can read and invoke. A web page cannot reach it directly (CORS, CSRF prevention), but a
 *   page on a domain that the attacker re-points at 127.0.0.1 is same-origin with the gateway. Its
 *   requests carry that domain in `Host`, so only the gateway's own loopback names are answered:
 *   `localhost`, `127.0.0.1` and `[::1]`, with the port the request arrived on.
 * - Origin (WebSocket). Browsers send `Origin` on a WebSocket upgrade but apply no CORS to it, so
 *   the upgrade is accepted only without an Origin (not a browser), from the gateway's own origin,
 *   or from an origin of GATEWAY_CORS_ORIGINS.
 */

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Splits a Host header into its lower-cased name and port (undefined when absent). */
function splitHost(host: string): { name: string; port: string | undefined } {
  const value = host.trim().toLowerCase();
  const bracket = value.startsWith('[') ? value.indexOf(']') : -1;
  const colon = value.indexOf(':', bracket + 1);
  if (colon < 0) return { name: value, port: undefined };
  return { name: value.slice(0, colon), port: value.slice(colon + 1) };
}

/** Whether `host` names this gateway's loopback address, with the port the request came in on. */
export function isOwnLoopbackHost(host: string | undefined, localPort: number | undefined): boolean {
  if (!host || localPort === undefined) return false;
  const { name, port } = splitHost(host);
  if (!LOOPBACK_NAMES.has(name)) return false;
  return port === undefined ? localPort === 80 : port === String(localPort);
}

/** Whether a WebSocket upgrade with this Origin may open (see the header). */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowlist: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowlist.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, files) and anything else that is not an origin
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return host !== undefined && url.host === host.trim().toLowerCase();
}

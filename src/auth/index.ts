/**
 * auth: who the client is. Runs once per HTTP request and once per WebSocket connection, before any
 * operation, from the request headers (or the WebSocket's connection parameters):
 *
 *   GATEWAY_AUTH=none    everyone is `anonymous` with every scope (loopback only, unless allowed)
 *   GATEWAY_AUTH=apikey  `Authorization: Bearer ncfgw_…` or `X-API-Key: ncfgw_…`
 *   GATEWAY_AUTH=jwt     `Authorization: Bearer <JWT>`
 *
 * A missing or invalid credential fails the whole request with HTTP 401 and UNAUTHENTICATED; an
 * identity provider that cannot be asked, with 503 and AUTH_UNAVAILABLE; a missing scope fails only
 * the fields that need it, with FORBIDDEN (see ./scopes). Each failure carries a `reason` for the
 * server log (never the credential itself).
 *
 * In apikey mode the keys can change while the gateway runs: {@link Authenticator.reload} re-reads
 * the keys file and swaps the verifier in one assignment, so every request is checked against the
 * old keys or the new ones, never against none; a file that does not parse changes nothing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../config';
import { ErrorCode, GatewayError } from '../errors';
import { ApiKeyVerifier, cannotReadKeys, parseKeysFile, readKeysText } from './apikeys';
import { JwtVerifier } from './jwt';
import { ANONYMOUS, type Principal } from './principal';

export type { Principal } from './principal';

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** The caller's principal; throws an {@link AuthFailure} otherwise. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
  /** API keys accepted now (apikey mode). */
  readonly keys?: number;
  /**
   * apikey mode: re-reads the keys file and, when it parses, accepts its keys from then on (for new
   * requests and new WebSocket connections). Calls are serialized; resolves with what happened, for
   * the caller to log. Never rejects.
   */
  reload?(): Promise<KeysReload>;
  /**
   * apikey mode: calls `listener` after a reload with the ids of the keys it withdrew (removed, or
   * their secret or scopes changed), so whoever holds a principal issued for one of them (an open
   * WebSocket) can end it. Returns the function that unsubscribes.
   */
  onKeysWithdrawn?(listener: (ids: ReadonlySet<string>) => void): () => void;
}

/** The outcome of one {@link Authenticator.reload}. */
export interface KeysReload {
  /** The keys in use are now the file's. false: it could not be read or parsed, and the previous keys stay. */
  ok: boolean;
  /** The file's content differs from the previous reading (successful or not). */
  changed: boolean;
  /** API keys accepted now. */
  keys: number;
  /** Ids of keys no longer accepted as they were (empty unless `ok`). */
  withdrawn: string[];
  /** Why the file was not taken: names the problem, never a key, a hash or the file's text. */
  error?: string;
}

/** A refused credential: what the client is told, and why, for the server log. */
export class AuthFailure extends GatewayError {
  constructor(
    code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.AUTH_UNAVAILABLE,
    message: string,
    /** Server-side only: a short code such as `ERR_JWT_EXPIRED` or `missing`. */
    readonly reason: string,
    headers: Record<string, string> = {},
  ) {
    super(code, message, { httpStatus: code === ErrorCode.UNAUTHENTICATED ? 401 : 503, httpHeaders: headers });
    this.name = 'AuthFailure';
  }
}

function unauthenticated(message: string, reason: string, scheme = 'Bearer realm="ncf-gateway"'): AuthFailure {
  return new AuthFailure(ErrorCode.UNAUTHENTICATED, message, reason, { 'www-authenticate': scheme });
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', authenticate: async () => ANONYMOUS };
    case 'apikey':
      return new ApiKeyAuthenticator(config.keysFile);
    case 'jwt': {
      const verifier = new JwtVerifier(config);
      return {
        mode: 'jwt',
        async authenticate(headers) {
          const token = bearer(headers);
          if (!token) throw unauthenticated('A bearer token is required: send Authorization: Bearer <JWT>.', 'missing');
          const result = await verifier.verify(token);
          if ('invalid' in result) {
            throw unauthenticated(
              'The bearer token is not valid.',
              result.invalid,
              'Bearer realm="ncf-gateway", error="invalid_token"',
            );
          }
          if ('unavailable' in result) {
            throw new AuthFailure(
              ErrorCode.AUTH_UNAVAILABLE,
              'The identity provider could not be reached to check the token; try again shortly.',
              result.unavailable,
              { 'retry-after': '5' },
            );
          }
          return result.principal;
        },
      };
    }
  }
}

function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** apikey mode: the keys of one file, re-read on {@link Authenticator.reload}. */
class ApiKeyAuthenticator implements Authenticator {
  readonly mode = 'apikey';
  #verifier: ApiKeyVerifier;
  /** What the last reading found (the content's digest, or the read error), to tell a change. */
  #lastReading: string;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(ids: ReadonlySet<string>) => void>();

  constructor(readonly file: string) {
    // At start-up a file that does not read or parse stops the gateway (the error names it).
    const initial = readKeysText(file);
    this.#verifier = new ApiKeyVerifier(parseKeysFile(initial));
    this.#lastReading = digestOf(initial);
  }

  get keys(): number {
    return this.#verifier.size;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const header = headers['x-api-key'];
    const key = bearer(headers) ?? (typeof header === 'string' ? header.trim() : undefined);
    if (!key) throw unauthenticated('An API key is required: send Authorization: Bearer <key>.', 'missing');
    const verifier = this.#verifier;
    const principal = verifier.verify(key);
    if (!principal) throw unauthenticated('The API key is not valid.', verifier.whyInvalid(key));
    return principal;
  }

  reload(): Promise<KeysReload> {
    const run = this.#queue.then(() => this.#readOnce());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  onKeysWithdrawn(listener: (ids: ReadonlySet<string>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether this reading differs from the previous one; remembers it. */
  #changed(reading: string): boolean {
    const changed = this.#lastReading !== reading;
    this.#lastReading = reading;
    return changed;
  }

  async #readOnce(): Promise<KeysReload> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const changed = this.#changed(`error ${code}`);
      return { ok: false, changed, keys: this.keys, withdrawn: [], error: cannotReadKeys(this.file, code) };
    }
    const changed = this.#changed(digestOf(text));
    let next: ApiKeyVerifier;
    try {
      next = new ApiKeyVerifier(parseKeysFile(text));
    } catch (error) {
      return { ok: false, changed, keys: this.keys, withdrawn: [], error: (error as Error).message };
    }
    const withdrawn = this.#verifier.withdrawnIn(next);
    // The swap: one assignment. A request being checked now holds the verifier it started with; the
    // next one gets the new keys. Nothing waits, nothing is refused while the file is read.
    this.#verifier = next;
    if (withdrawn.length > 0) this.#tell(new Set(withdrawn));
    return { ok: true, changed, keys: this.keys, withdrawn };
  }

  #tell(ids: ReadonlySet<string>): void {
    for (const listener of this.#listeners) {
      try {
        listener(ids);
      } catch {
        // A listener's failure is its own; the keys are swapped anyway.
      }
    }
  }
}

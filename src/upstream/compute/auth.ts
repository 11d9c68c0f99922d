/**
 * auth: Keystone v3 tokens for the compute client (docs/upstream/compute.md#keystone-tokens).
 *
 * - A token is issued with `POST {authUrl}/auth/tokens` (password or application credential) and
 *   comes back in the `X-Subject-Token` header; its `expires_at` and catalog come in the body.
 * - It is cached and reused until shortly before it expires (half its lifetime or one minute,
 *   whichever is less, ahead of `expires_at`).
 * - Concurrent callers share one issue request: there is at most one renewal in flight.
 * - {@link KeystoneAuth.invalidate} drops a token the compute API refused (401), so that the next
 *   call renews it; a token already replaced is not dropped twice.
 * - The compute endpoint is read from the catalog (type `compute`, the configured interface and
 *   region) unless NOVA_URL overrides it.
 *
 * The password, the application credential secret and the tokens stay here and in the request
 * headers: never in an error, the GraphQL context, a log line or a span. Traced, an issue is a
 * `keystone token` span (child of the operation that needed it) around its request's span.
 */
import type { Context } from '@opentelemetry/api';
import type { ComputeConfig, IdentityConfig } from '../../config';
import { ErrorCode, GatewayError, isGatewayError, upstreamFailure } from '../../errors';
import { ATTR } from '../../telemetry/spans';
import { endInternal, type TracedCall, type UpstreamSpans } from '../../telemetry/upstream';
import { exchange, parseRetryAfter, serializeBody, type PoolRegistry, type UpstreamObserver } from '../http';
import type { UpstreamGuard } from '../resilience';
import { keystoneError } from './errors';
import type { KeystoneCatalogEntry } from './types';

export interface ComputeSession {
  token: string;
  /** Compute API base, e.g. https://nova.example:8774/v2.1, without a trailing slash. */
  computeUrl: string;
}

interface CachedSession extends ComputeSession {
  refreshAt: number;
}

export interface KeystoneAuthOptions {
  identity: IdentityConfig;
  compute: Pick<ComputeConfig, 'region' | 'interface' | 'novaUrl'>;
  pools: PoolRegistry;
  guard: UpstreamGuard;
  observer?: UpstreamObserver;
  now?: () => number;
  /** Traced only: the token fetch's span. */
  spans?: UpstreamSpans;
}

/** Renew this long before expiry at most. */
const MAX_REFRESH_MARGIN_MS = 60_000;

export class KeystoneAuth {
  readonly #opts: KeystoneAuthOptions;
  readonly #now: () => number;
  #current: CachedSession | undefined;
  #pending: Promise<CachedSession> | undefined;
  /** How many tokens were issued (for tests and metrics). */
  issued = 0;

  constructor(options: KeystoneAuthOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  /** Who the gateway is to Keystone (no secret): part of shared-read keys. */
  get identity(): string {
    const { credentials: c, scope, authUrl } = this.#opts.identity;
    const who =
      c.method === 'application_credential'
        ? `appcred:${c.id}`
        : `user:${c.userId ?? `${c.userDomainId ?? c.userDomainName}/${c.username}`}`;
    const project = !scope
      ? ''
      : 'projectId' in scope
        ? scope.projectId
        : `${scope.projectDomainId ?? scope.projectDomainName}/${scope.projectName}`;
    return `${authUrl} ${who} ${project}`;
  }

  /** A valid session: the cached one, or a shared renewal (traced as a child of `call`'s operation). */
  async session(signal?: AbortSignal, call?: TracedCall): Promise<ComputeSession> {
    const current = this.#current;
    if (current && this.#now() < current.refreshAt) return current;
    if (!this.#pending) {
      this.#pending = (this.#opts.spans ? this.#issueTraced(this.#opts.spans, call ?? {}) : this.#issue()).finally(
        () => {
          this.#pending = undefined;
        },
      );
    }
    const pending = this.#pending;
    if (!signal) return pending;
    // A caller whose own deadline passes stops waiting; the shared renewal goes on for the others.
    return abortable(pending, signal);
  }

  /** Forgets `token` if it is still the cached one (the compute API answered 401 to it). */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #issueTraced(spans: UpstreamSpans, call: TracedCall): Promise<CachedSession> {
    const method = this.#opts.identity.credentials.method;
    const ctx = spans.startInternal('keystone token', spans.parentOf(call), {
      [ATTR.UPSTREAM_SERVICE]: 'identity',
      [ATTR.KEYSTONE_METHOD]: method,
    });
    try {
      const session = await this.#issue(ctx);
      endInternal(ctx, {});
      return session;
    } catch (error) {
      endInternal(ctx, {}, isGatewayError(error) ? error.code : 'Error');
      throw error;
    }
  }

  async #issue(parent?: Context): Promise<CachedSession> {
    const { identity, pools, observer, compute, guard } = this.#opts;
    const url = new URL(`${identity.authUrl}/auth/tokens`);
    if (compute.novaUrl) url.search = '?nocatalog';
    const route = 'POST /v3/auth/tokens';
    // Issuing a token twice is harmless, so this POST is retried like a read.
    const res = await guard.run(
      (traceparent?: string) =>
        exchange(
          pools.get(url.origin),
          {
            origin: url.origin,
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            headers: {},
            json: serializeBody(requestBody(identity)),
            ...(traceparent !== undefined ? { traceparent } : {}),
          },
          { service: 'identity', route, ...(observer ? { observer } : {}) },
        ),
      { idempotent: true, route, method: 'POST', parent },
    );
    if (res.status !== 201 && res.status !== 200)
      throw keystoneError(res.status, parseRetryAfter(res.headers['retry-after']));
    const header = res.headers['x-subject-token'];
    const token = Array.isArray(header) ? header[0] : header;
    const body = (res.body as { token?: { expires_at?: unknown; issued_at?: unknown; catalog?: unknown } } | undefined)
      ?.token;
    const expiresAt = typeof body?.expires_at === 'string' ? Date.parse(withZone(body.expires_at)) : NaN;
    if (!token || !body || Number.isNaN(expiresAt)) {
      throw upstreamFailure('badResponse', 'identity', { status: res.status });
    }
    const now = this.#now();
    const issuedAt = typeof body.issued_at === 'string' ? Date.parse(withZone(body.issued_at)) : now;
    const lifetime = Math.max(0, expiresAt - (Number.isNaN(issuedAt) ? now : issuedAt));
    const computeUrl = compute.novaUrl ?? computeEndpoint(body.catalog, compute);
    this.issued += 1;
    this.#current = { token, computeUrl, refreshAt: expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 2) };
    return this.#current;
  }
}

/** Keystone times may lack a zone; they are UTC. */
function withZone(time: string): string {
  return /(Z|[+-]\d\d:?\d\d)$/i.test(time) ? time : `${time}Z`;
}

function requestBody(identity: IdentityConfig): unknown {
  const c = identity.credentials;
  if (c.method === 'application_credential') {
    return {
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id: c.id, secret: c.secret } },
      },
    };
  }
  const user = c.userId
    ? { id: c.userId, password: c.password }
    : {
        name: c.username,
        domain: c.userDomainId ? { id: c.userDomainId } : { name: c.userDomainName ?? 'Default' },
        password: c.password,
      };
  const s = identity.scope;
  const scope = !s
    ? undefined
    : 'projectId' in s
      ? { project: { id: s.projectId } }
      : {
          project: {
            name: s.projectName,
            domain: s.projectDomainId ? { id: s.projectDomainId } : { name: s.projectDomainName ?? 'Default' },
          },
        };
  return { auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } };
}

/** The compute endpoint for the configured interface and region, from a token's catalog. */
export function computeEndpoint(catalog: unknown, compute: Pick<ComputeConfig, 'region' | 'interface'>): string {
  const entries = Array.isArray(catalog) ? (catalog as KeystoneCatalogEntry[]) : [];
  for (const entry of entries) {
    if (entry?.type !== 'compute' || !Array.isArray(entry.endpoints)) continue;
    const match = entry.endpoints.find(
      (e) =>
        e.interface === compute.interface &&
        typeof e.url === 'string' &&
        (!compute.region || e.region === compute.region || e.region_id === compute.region),
    );
    if (match?.url) return match.url.replace(/\/+$/, '');
  }
  throw new GatewayError(
    ErrorCode.UPSTREAM_CONFIGURATION,
    `The identity catalog has no ${compute.interface} compute endpoint` +
      `${compute.region ? ` in region ${compute.region}` : ''}: ` +
      'check OS_REGION_NAME and OS_INTERFACE, or set NOVA_URL.',
    { upstream: { service: 'identity' } },
  );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeoutError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function timeoutError(): GatewayError {
  return upstreamFailure('timeout', 'identity');
}

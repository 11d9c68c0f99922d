/**
 * shared-reads: upstream reads shared across concurrent operations (de-duplication) and, when
 * GATEWAY_CACHE_TTL_MS > 0, kept for a short time (cache).
 *
 * - Only reads are shared: a GET whose key is the upstream service, the credential identity the
 *   gateway calls with, and the exact path with its query (which carries the platform). Invokes are
 *   never shared nor cached.
 * - De-duplication (on by default; GATEWAY_DEDUPE=false turns it off): while a read is in flight,
 *   an identical read waits for the same answer instead of sending another request.
 * - The shared request is not tied to any one operation: each waiter stops waiting at its own
 *   deadline or disconnect, and the request is aborted only when no waiter is left.
 * - The cache keeps successful answers (2xx) for the TTL. A mutation invalidates what it touches
 *   ({@link SharedReads.invalidate}), in flight and cached alike.
 *
 * Where the cache is:
 * - one process (no GATEWAY_REDIS_URL): in memory, bounded in entries;
 * - a fleet (GATEWAY_REDIS_URL): in Redis, shared by every replica (src/fleet/read-store.ts: hashed
 *   keys, generation counters); an invalidation reaches Redis and every replica's reads in flight
 *   (pub/sub). Redis unavailable: reads go straight to the upstream (still de-duplicated here), and
 *   invalidations are sent when it is back. De-duplication in flight is always per replica.
 *
 * Per-request DataLoaders still de-duplicate within an operation; this layer works across them.
 */
import { LRUCache } from 'lru-cache';
import { upstreamFailure, type GatewayError, type UpstreamErrorInfo } from '../errors';
import type { FleetEngine } from '../fleet/engine';
import { FleetReadStore } from '../fleet/read-store';
import { SharedWork } from '../shared-work';
import type { Exchange } from './http';

export type SharedOutcome = 'miss' | 'shared' | 'hit';

export interface SharedReadsOptions {
  dedupe: boolean;
  ttlMs: number;
  maxEntries?: number;
  onOutcome?(service: UpstreamErrorInfo['service'], outcome: SharedOutcome): void;
  /** The shared Redis (src/fleet): the cache and invalidations are the fleet's. */
  fleet?: FleetEngine | undefined;
}

type Service = UpstreamErrorInfo['service'];
type Fetch = (signal: AbortSignal | undefined) => Promise<Exchange>;

export class SharedReads {
  readonly #opts: SharedReadsOptions;
  readonly #inflight = new SharedWork<Exchange>();
  /** The cache of one process (no fleet). */
  readonly #cache: LRUCache<string, Exchange> | undefined;
  /** The fleet's cache and invalidations. */
  readonly #fleet: FleetReadStore | undefined;
  readonly #offInvalidation: (() => void) | undefined;

  constructor(options: SharedReadsOptions) {
    this.#opts = options;
    if (options.fleet) {
      const fleet = new FleetReadStore(options.fleet, options.ttlMs);
      this.#fleet = fleet;
      // Another replica's write: what it touched is no longer shared in flight here either.
      this.#offInvalidation = fleet.onInvalidation((matches) => this.#inflight.forget(matches));
    } else if (options.ttlMs > 0) {
      this.#cache = new LRUCache({ max: options.maxEntries ?? 5_000, ttl: options.ttlMs, ttlAutopurge: false });
    }
  }

  get enabled(): boolean {
    return this.#opts.dedupe || this.#opts.ttlMs > 0;
  }

  /**
   * The answer to the read `key`: cached, shared with an identical read in flight, or fetched.
   * `fetch` receives the signal of the (possibly shared) request.
   */
  read(service: Service, key: string, signal: AbortSignal | undefined, fetch: Fetch): Promise<Exchange> {
    if (this.#fleet?.caching) return this.#readThroughFleet(service, key, signal, fetch);
    const cached = this.#cache?.get(key);
    if (cached) {
      this.#opts.onOutcome?.(service, 'hit');
      return Promise.resolve(cached);
    }
    return this.#fetch(service, key, signal, fetch, (res) => this.#store(key, res));
  }

  /**
   * Forgets every read whose key starts with one of `prefixes` (in flight and cached); in a fleet, on
   * every replica, for prefixes that end where a path segment or the query begins (or whole keys).
   * Resolves once the fleet's cache no longer serves them (or Redis is unavailable: then later).
   */
  async invalidate(prefixes: string[]): Promise<void> {
    const matches = (key: string) => prefixes.some((p) => key.startsWith(p));
    this.#inflight.forget(matches);
    if (this.#cache) for (const key of [...this.#cache.keys()]) if (matches(key)) this.#cache.delete(key);
    if (this.#fleet) await this.#fleet.invalidate(prefixes);
  }

  /** Invalidations made while Redis was unavailable, not sent yet. */
  get pendingInvalidations(): number {
    return this.#fleet?.pending ?? 0;
  }

  /** Stops listening to the fleet's invalidations. */
  close(): void {
    this.#offInvalidation?.();
    this.#fleet?.close();
  }

  /** The fleet's cache: a current entry, or a fetch that fills it (when Redis answered the lookup). */
  async #readThroughFleet(service: Service, key: string, signal: AbortSignal | undefined, fetch: Fetch) {
    const fleet = this.#fleet!;
    const found = await fleet.lookup(key);
    if (found?.hit) {
      this.#opts.onOutcome?.(service, 'hit');
      return found.hit;
    }
    if (signal?.aborted) throw timedOut(service);
    return this.#fetch(service, key, signal, fetch, async (res) => {
      // Stored before the answer goes on, so a read anywhere in the fleet after it finds it.
      if (found) await fleet.store(key, found.generations, res);
      return res;
    });
  }

  /** A fetch, shared with identical reads in flight (de-duplication on), then kept by `keep`. */
  #fetch(
    service: Service,
    key: string,
    signal: AbortSignal | undefined,
    fetch: Fetch,
    keep: (res: Exchange) => Exchange | Promise<Exchange>,
  ): Promise<Exchange> {
    if (!this.#opts.dedupe) {
      this.#opts.onOutcome?.(service, 'miss');
      return fetch(signal).then(keep);
    }
    const { result, started } = this.#inflight.join(
      key,
      (shared) => fetch(shared).then(keep),
      signal,
      () => timedOut(service),
    );
    this.#opts.onOutcome?.(service, started ? 'miss' : 'shared');
    return result;
  }

  #store(key: string, res: Exchange): Exchange {
    if (this.#cache && res.status >= 200 && res.status < 300) this.#cache.set(key, res);
    return res;
  }
}

function timedOut(service: Service): GatewayError {
  return upstreamFailure('timeout', service);
}

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
 * - The cache keeps successful answers (2xx) for the TTL, bounded in entries. A mutation invalidates
 *   what it touches ({@link SharedReads.invalidate}), in flight and cached alike.
 *
 * Per-request DataLoaders still de-duplicate within an operation; this layer works across them.
 */
import { LRUCache } from 'lru-cache';
import { upstreamFailure, type GatewayError, type UpstreamErrorInfo } from '../errors';
import { SharedWork } from '../shared-work';
import type { Exchange } from './http';

export type SharedOutcome = 'miss' | 'shared' | 'hit';

export interface SharedReadsOptions {
  dedupe: boolean;
  ttlMs: number;
  maxEntries?: number;
  onOutcome?(service: UpstreamErrorInfo['service'], outcome: SharedOutcome): void;
}

export class SharedReads {
  readonly #opts: SharedReadsOptions;
  readonly #inflight = new SharedWork<Exchange>();
  readonly #cache: LRUCache<string, Exchange> | undefined;

  constructor(options: SharedReadsOptions) {
    this.#opts = options;
    this.#cache =
      options.ttlMs > 0
        ? new LRUCache({ max: options.maxEntries ?? 5_000, ttl: options.ttlMs, ttlAutopurge: false })
        : undefined;
  }

  get enabled(): boolean {
    return this.#opts.dedupe || this.#cache !== undefined;
  }

  /**
   * The answer to the read `key`: cached, shared with an identical read in flight, or fetched.
   * `fetch` receives the signal of the (possibly shared) request.
   */
  read(
    service: UpstreamErrorInfo['service'],
    key: string,
    signal: AbortSignal | undefined,
    fetch: (signal: AbortSignal | undefined) => Promise<Exchange>,
  ): Promise<Exchange> {
    const cached = this.#cache?.get(key);
    if (cached) {
      this.#opts.onOutcome?.(service, 'hit');
      return Promise.resolve(cached);
    }
    if (!this.#opts.dedupe) {
      this.#opts.onOutcome?.(service, 'miss');
      return fetch(signal).then((res) => this.#store(key, res));
    }
    const { result, started } = this.#inflight.join(
      key,
      (shared) => fetch(shared).then((res) => this.#store(key, res)),
      signal,
      () => timedOut(service),
    );
    this.#opts.onOutcome?.(service, started ? 'miss' : 'shared');
    return result;
  }

  /** Forgets every read whose key starts with one of `prefixes` (in flight and cached). */
  invalidate(prefixes: string[]): void {
    const matches = (key: string) => prefixes.some((p) => key.startsWith(p));
    this.#inflight.forget(matches);
    if (this.#cache) for (const key of [...this.#cache.keys()]) if (matches(key)) this.#cache.delete(key);
  }

  #store(key: string, res: Exchange): Exchange {
    if (this.#cache && res.status >= 200 && res.status < 300) this.#cache.set(key, res);
    return res;
  }
}

function timedOut(service: UpstreamErrorInfo['service']): GatewayError {
  return upstreamFailure('timeout', service);
}

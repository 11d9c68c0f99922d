/**
 * apq-store: automatic persisted queries shared by the fleet. Apollo Server keeps APQ in a
 * KeyValueCache (get, set with a TTL, delete: @apollo/utils.keyvaluecache's interface); this one keeps
 * them in Redis under `engine.key('apq', <hash>)`, so a hash registered through one replica is served
 * by every other. Without GATEWAY_REDIS_URL it is not used: Apollo keeps APQ in its own memory, as
 * before.
 *
 * - A hash names its document for ever (it is the document's SHA-256, which Apollo checks when it is
 *   registered), so an entry is never stale: each replica also keeps the documents it has seen in a
 *   bounded memory of its own, read first. A replica asks Redis only for hashes it has not seen, and
 *   still serves those it has while Redis is down.
 * - A document read from Redis is used only when it hashes to its key (nothing else written there can
 *   make a replica run a different document than the hash names), and only 64-hex keys are looked up
 *   (anything else is not a SHA-256: unknown, without a round trip).
 * - Redis unavailable: get answers from memory or undefined (the client sends the document again, as
 *   APQ allows, and Apollo registers it again), set is best effort.
 * - Entries expire in Redis after {@link APQ_TTL_SECONDS} (or Apollo's shorter TTL).
 */
import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../pipeline/documents';
import type { FleetEngine } from './engine';

/**
 * How long a registered document stays in Redis: a day. A miss costs a client one more round trip (it
 * sends the document again), so a long life saves little more; documents of app versions nobody runs any
 * more leave by themselves instead of piling up in a Redis the gateway does not bound otherwise.
 */
export const APQ_TTL_SECONDS = 86_400;

/** This replica's memory of documents: about as much as Apollo's default APQ cache (30 MiB). */
const LOCAL_MAX_BYTES = 30 * 1_048_576;

/** The prefix Apollo Server adds to every APQ key (its PrefixingKeyValueCache). */
const APOLLO_PREFIX = 'apq:';

const HEX64 = /^[0-9a-f]{64}$/;

/** Apollo's KeyValueCacheSetOptions: a TTL in seconds (null: no expiry of its own). */
interface SetOptions {
  ttl?: number | null;
}

export class FleetApqStore {
  readonly #engine: FleetEngine;
  readonly #local = new LRUCache<string, string>({
    maxSize: LOCAL_MAX_BYTES,
    sizeCalculation: (document, hash) => document.length + hash.length,
  });

  constructor(engine: FleetEngine) {
    this.#engine = engine;
  }

  async get(key: string): Promise<string | undefined> {
    const hash = hashOf(key);
    if (hash === undefined) return undefined;
    const known = this.#local.get(hash);
    if (known !== undefined) return known;
    const document = await this.#engine.attempt((redis) => redis.get(this.#key(hash)));
    if (typeof document !== 'string' || sha256Hex(document) !== hash) return undefined;
    this.#local.set(hash, document);
    return document;
  }

  async set(key: string, document: string, options?: SetOptions): Promise<void> {
    const hash = hashOf(key);
    if (hash === undefined || sha256Hex(document) !== hash) return;
    this.#local.set(hash, document);
    const ttl = Math.min(options?.ttl ?? APQ_TTL_SECONDS, APQ_TTL_SECONDS);
    if (ttl <= 0) return;
    await this.#engine.attempt((redis) => redis.set(this.#key(hash), document, 'EX', ttl));
  }

  async delete(key: string): Promise<boolean> {
    const hash = hashOf(key);
    if (hash === undefined) return false;
    const here = this.#local.delete(hash);
    const there = await this.#engine.attempt((redis) => redis.del(this.#key(hash)));
    return here || (there ?? 0) > 0;
  }

  #key(hash: string): string {
    return this.#engine.key('apq', hash);
  }
}

/** The SHA-256 (64 hex, lower case, as Apollo checks it) a key names, or undefined. */
function hashOf(key: string): string | undefined {
  const hash = key.startsWith(APOLLO_PREFIX) ? key.slice(APOLLO_PREFIX.length) : key;
  return HEX64.test(hash) ? hash : undefined;
}

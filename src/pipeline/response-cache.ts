/**
 * response-cache: whole answers to queries kept for a short time (GATEWAY_RESPONSE_CACHE_TTL_MS;
 * default 0, off), so that a hot query is answered without executing it at all. Keyed like operation
 * de-duplication (./operation-dedupe: document, variables, operation name, principal scope set, the
 * gateway's upstream credential), so two clients with the same scopes share an entry.
 *
 * What is kept: an answer without errors, whose every upstream read answered 2xx (what the read cache
 * keeps: a 404 read as null is not kept, so a run that finishes shows at once). Each entry remembers
 * the reads it was made from (`<service> <path and query>`, from the operation's ReadLog).
 *
 * Invalidation: a write (an invoke) names the reads it made stale as prefixes of those tags; every
 * entry with a read under one of them is dropped, on every replica. An answer is not kept if such an
 * invalidation happened while it was being made (it may have read the state from before the write).
 *
 * - Without GATEWAY_REDIS_URL: an LRU in this process's memory, bounded in entries; an invalidation
 *   counter (the epoch) read before execution must be unchanged when the answer is stored.
 * - With it: in Redis, under engine.key('resp', <key hash>), PX the TTL. Per-prefix generations, the
 *   read cache's idea (src/fleet/read-store) done for answers: each invalidation INCRs one fleet epoch
 *   and writes it as the generation of each invalidated prefix. An entry stores the epoch seen before
 *   its operation ran and the hashes of the candidate prefixes of its reads (each read's prefixes that
 *   end before a '/' or '?', and the read itself); it is served only while none of those generations
 *   is newer than its epoch, and stored only if none already is. Each of lookup, store and
 *   invalidation is one Lua script: one round trip, atomic. Other replicas are also told on
 *   engine.key('resp', 'inv') (pub/sub), so that their identical operations in flight stop taking
 *   new followers.
 * - Redis down: bypassed (every lookup misses, nothing is stored). An invalidation that could not
 *   reach Redis is replayed when it is back (bounded: past {@link MAX_PENDING} prefixes every entry
 *   is dropped), so an entry made stale meanwhile is not served after the outage.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { FleetEngine } from '../fleet/engine';
import type { SharedAnswer } from './operation-dedupe';

export type LookupOutcome = 'hit' | 'miss' | 'bypass';

export interface Lookup {
  answer: SharedAnswer | undefined;
  /** The invalidation epoch before the operation runs, for {@link ResponseCache.put}; undefined: do not keep. */
  epoch: number | undefined;
}

export interface ResponseCache {
  get(key: string): Promise<Lookup>;
  /** Keeps `answer`, made from the reads `tags` after `epoch` was seen, unless they were invalidated since. */
  put(key: string, answer: SharedAnswer, tags: Iterable<string>, epoch: number): Promise<void>;
  /** Drops every answer with a read under one of `prefixes`; resolves once done (fleet: in Redis). */
  invalidate(prefixes: string[]): Promise<void>;
  close(): void;
}

export interface ResponseCacheOptions {
  ttlMs: number;
  /** The shared Redis; absent: this process's memory. */
  engine?: FleetEngine | undefined;
  /** In memory: the most entries kept (least recently used dropped first). */
  maxEntries?: number;
  onLookup?: (outcome: LookupOutcome) => void;
  /** Fleet: another replica (or this one) invalidated `prefixes`. */
  onInvalidated?: (prefixes: string[]) => void;
}

/** Entries kept in memory: enough for the hot queries of a gateway, small enough never to matter. */
const MAX_ENTRIES = 1_000;
/** Larger answers are not kept (JSON characters): a cache is for many small hot answers. */
export const MAX_ANSWER_CHARS = 256 * 1024;
/** Invalidations remembered while Redis is down, for replay; beyond, every entry is dropped instead. */
export const MAX_PENDING = 1_000;
/**
 * How long a prefix's generation outlives its invalidation: longer than any entry made before it can
 * live (the longest TTL the configuration allows, 1 h, and a margin), whatever each replica's TTL.
 */
const GENERATION_TTL_MS = 3_600_000 + 60_000;
/** A candidate prefix of every entry: invalidating it drops them all (replay overflow). */
const EVERYTHING = '*';

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  return options.engine ? new RedisResponseCache(options.engine, options) : new MemoryResponseCache(options);
}

interface MemoryEntry {
  answer: SharedAnswer;
  tags: string[];
}

export class MemoryResponseCache implements ResponseCache {
  readonly #entries: LRUCache<string, MemoryEntry>;
  readonly #onLookup: ResponseCacheOptions['onLookup'];
  #epoch = 0;

  constructor(options: ResponseCacheOptions) {
    this.#entries = new LRUCache({ max: options.maxEntries ?? MAX_ENTRIES, ttl: options.ttlMs });
    this.#onLookup = options.onLookup;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<Lookup> {
    const entry = this.#entries.get(key);
    this.#onLookup?.(entry ? 'hit' : 'miss');
    return { answer: entry?.answer, epoch: this.#epoch };
  }

  async put(key: string, answer: SharedAnswer, tags: Iterable<string>, epoch: number): Promise<void> {
    if (epoch !== this.#epoch || JSON.stringify(answer).length > MAX_ANSWER_CHARS) return;
    this.#entries.set(key, { answer, tags: [...tags] });
  }

  async invalidate(prefixes: string[]): Promise<void> {
    this.#epoch += 1;
    for (const [key, entry] of [...this.#entries.entries()]) {
      if (entry.tags.some((tag) => prefixes.some((prefix) => tag.startsWith(prefix)))) this.#entries.delete(key);
    }
  }

  close(): void {
    this.#entries.clear();
  }
}

// --- In Redis ------------------------------------------------------------------------------------

interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * KEYS: entry, epoch. ARGV: generation key prefix. Returns {answer or nil, epoch}. An entry is
 * `<epoch>|<hash>,<hash>…\n<answer JSON>`; one with a prefix invalidated after its epoch is deleted.
 */
const LOOKUP = script(`
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, epoch} end
local nl = string.find(raw, '\\n', 1, true)
local bar = string.find(raw, '|', 1, true)
local stored = tonumber(string.sub(raw, 1, bar - 1))
if epoch > stored then
  for hash in string.gmatch(string.sub(raw, bar + 1, nl - 1), '[^,]+') do
    local generation = redis.call('GET', ARGV[1] .. hash)
    if generation and tonumber(generation) > stored then
      redis.call('DEL', KEYS[1])
      return {false, epoch}
    end
  end
end
return {string.sub(raw, nl + 1), epoch}
`);

/** KEYS: entry. ARGV: generation key prefix, epoch, TTL ms, entry, then the prefix hashes. 1: stored. */
const STORE = script(`
local epoch = tonumber(ARGV[2])
for i = 5, #ARGV do
  local generation = redis.call('GET', ARGV[1] .. ARGV[i])
  if generation and tonumber(generation) > epoch then return 0 end
end
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
return 1
`);

/** KEYS: epoch. ARGV: generation key prefix, generation TTL ms, then the prefix hashes. Returns the new epoch. */
const INVALIDATE = script(`
local epoch = redis.call('INCR', KEYS[1])
for i = 3, #ARGV do
  redis.call('SET', ARGV[1] .. ARGV[i], epoch, 'PX', ARGV[2])
end
return epoch
`);

async function run(redis: Redis, { lua, sha }: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

/** Each tag's prefixes that end before a '/' or '?', the tag itself, and {@link EVERYTHING}: what can drop it. */
export function candidatePrefixes(tags: Iterable<string>): Set<string> {
  const prefixes = new Set<string>([EVERYTHING]);
  for (const tag of tags) {
    for (let i = 0; i < tag.length; i++) if (tag[i] === '/' || tag[i] === '?') prefixes.add(tag.slice(0, i));
    prefixes.add(tag);
  }
  return prefixes;
}

export class RedisResponseCache implements ResponseCache {
  readonly #engine: FleetEngine;
  readonly #ttlMs: number;
  readonly #onLookup: ResponseCacheOptions['onLookup'];
  readonly #epochKey: string;
  readonly #generationPrefix: string;
  readonly #channel: string;
  /** Invalidated while Redis was down, to replay; `everything` once there were too many. */
  readonly #pending = new Set<string>();
  #pendingEverything = false;
  readonly #stop: Array<() => void> = [];

  constructor(engine: FleetEngine, options: ResponseCacheOptions) {
    this.#engine = engine;
    this.#ttlMs = options.ttlMs;
    this.#onLookup = options.onLookup;
    this.#epochKey = engine.key('resp', 'epoch');
    this.#generationPrefix = engine.key('resp', 'gen', '');
    this.#channel = engine.key('resp', 'inv');
    const told = options.onInvalidated;
    if (told) {
      this.#stop.push(
        engine.subscribe(this.#channel, (message) => {
          const prefixes = JSON.parse(message) as unknown;
          if (Array.isArray(prefixes)) told(prefixes.filter((p): p is string => typeof p === 'string'));
        }),
      );
    }
    this.#stop.push(engine.onState((up) => void (up && this.#replay())));
  }

  async get(key: string): Promise<Lookup> {
    const reply = (await this.#engine.attempt((redis) =>
      run(redis, LOOKUP, [this.#entryKey(key), this.#epochKey], [this.#generationPrefix]),
    )) as [string | null, number] | undefined;
    if (!reply) {
      this.#onLookup?.('bypass');
      return { answer: undefined, epoch: undefined };
    }
    const [raw, epoch] = reply;
    let answer: SharedAnswer | undefined;
    try {
      answer = raw === null ? undefined : (JSON.parse(raw) as SharedAnswer);
    } catch {
      answer = undefined;
    }
    this.#onLookup?.(answer ? 'hit' : 'miss');
    return { answer, epoch: Number(epoch) };
  }

  async put(key: string, answer: SharedAnswer, tags: Iterable<string>, epoch: number): Promise<void> {
    const json = JSON.stringify(answer);
    if (json.length > MAX_ANSWER_CHARS) return;
    const hashes = [...candidatePrefixes(tags)].map(hash);
    const entry = `${epoch}|${hashes.join(',')}\n${json}`;
    await this.#engine.attempt((redis) =>
      run(redis, STORE, [this.#entryKey(key)], [this.#generationPrefix, epoch, this.#ttlMs, entry, ...hashes]),
    );
  }

  async invalidate(prefixes: string[]): Promise<void> {
    const done = await this.#write(prefixes);
    if (done === undefined) this.#remember(prefixes);
    await this.#engine.publish(this.#channel, JSON.stringify(prefixes));
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #entryKey(key: string): string {
    return this.#engine.key('resp', key);
  }

  #write(prefixes: string[]): Promise<unknown> {
    const hashes = prefixes.map(hash);
    return this.#engine.attempt((redis) =>
      run(redis, INVALIDATE, [this.#epochKey], [this.#generationPrefix, GENERATION_TTL_MS, ...hashes]),
    );
  }

  #remember(prefixes: string[]): void {
    if (this.#pendingEverything) return;
    for (const prefix of prefixes) this.#pending.add(prefix);
    if (this.#pending.size > MAX_PENDING) {
      this.#pending.clear();
      this.#pendingEverything = true;
    }
  }

  /** Redis is back: what could not be invalidated meanwhile is, now. */
  async #replay(): Promise<void> {
    if (!this.#pendingEverything && this.#pending.size === 0) return;
    const prefixes = this.#pendingEverything ? [EVERYTHING] : [...this.#pending];
    this.#pending.clear();
    this.#pendingEverything = false;
    if ((await this.#write(prefixes)) === undefined) this.#remember(prefixes);
  }
}

/**
 * read-store: the upstream read cache (GATEWAY_CACHE_TTL_MS, src/upstream/shared-reads.ts) shared by
 * the fleet in Redis, and invalidated for the whole fleet by any replica's invoke (or later write).
 *
 * Keys. A read's key names the upstream service, the credential identity the gateway calls with and
 * the exact path with its query: it contains an access key id, so Redis never sees it. Every Redis key
 * is a SHA-256 of it (hex, 32 characters) under `engine.key('read', …)`.
 *
 * Invalidation by generations. Deleting the entries under a prefix would need to know them (a scan, or
 * an index per prefix that itself races with fills). Instead every prefix has a generation counter:
 *   - a read key's candidate prefixes are the empty prefix, its prefixes ending before each `/` or `?`,
 *     and the whole key ({@link candidatePrefixes});
 *   - `invalidate(prefixes)` INCRs the counter of each prefix (so a prefix must end where a path segment
 *     or the query begins, or be a whole key: the ones the clients use do) and publishes the prefixes'
 *     hashes on `engine.key('inv')`, in one script;
 *   - a filled entry carries the counters of its candidates as they were read BEFORE its fetch started;
 *     a lookup (one script: the entry and the current counters in one round trip) accepts it only when
 *     they are unchanged, and a fill is stored only when they are still unchanged (an answer fetched
 *     across an invalidation is not kept).
 * So an invoke through any replica makes every older entry of what it touched invisible at once, with no
 * race between a fill and an invalidation, and the entries themselves expire at the TTL (PX).
 * Counters expire too, but only after any entry that could have read their older value is gone.
 *
 * Redis down (or this replica cut off): lookups answer undefined (the read goes straight to the
 * upstream, still de-duplicated in flight locally) and nothing is stored. An invalidation made while
 * down is kept (bounded) and replayed when Redis answers again, so the other replicas stop serving what
 * this one changed: until then, for at most the TTL, they may serve an entry filled before it.
 *
 * All keys of these scripts carry one hash tag ({r}), so they live in one slot should the Redis be a
 * cluster (scripts may only touch the keys of one slot).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Exchange } from '../upstream/http';
import type { FleetEngine } from './engine';

/**
 * How long a generation counter lives after its last INCR: longer than any entry can (GATEWAY_CACHE_TTL_MS
 * is at most 1 h, and the replicas may not agree on it), so an entry stored before an invalidation never
 * outlives the counter that makes it stale (a counter that expired reads as 0 again).
 */
export const GENERATION_LIFE_MS = 2 * 3_600_000;

/**
 * Answers larger than this are not shared through Redis (they are still de-duplicated in flight): Redis
 * runs one command at a time, and moving a value this size in and out on every read costs more than the
 * command deadline (GATEWAY_REDIS_TIMEOUT_MS) allows for.
 */
export const MAX_ENTRY_BYTES = 1_048_576;

/** Invalidations remembered while Redis is down; beyond this, the whole cache is invalidated on return. */
const MAX_PENDING = 1_000;

/** A Redis key part for `text`: its SHA-256, hex, truncated to 32 characters. */
export function hashPart(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The prefixes of `key` an invalidation can name: the empty prefix (everything), each prefix that ends
 * just before a `/` or a `?`, and the whole key.
 */
export function candidatePrefixes(key: string): string[] {
  const prefixes = [''];
  for (let i = 1; i < key.length; i += 1) {
    const c = key[i];
    if (c === '/' || c === '?') prefixes.push(key.slice(0, i));
  }
  prefixes.push(key);
  return prefixes;
}

/** What a lookup found: the entry when it is current, and the counters to store a fill with otherwise. */
export interface ReadLookup {
  hit: Exchange | undefined;
  /** The candidates' counters now, read before the fetch that may fill the entry. */
  generations: string;
}

const LOOKUP = `
local gens = redis.call('MGET', unpack(KEYS, 2))
local parts = {}
for i = 1, #gens do parts[i] = gens[i] or '0' end
local current = table.concat(parts, ',')
local entry = redis.call('GET', KEYS[1])
if entry then
  local sep = string.find(entry, '\\n', 1, true)
  if sep and string.sub(entry, 1, sep - 1) == current then
    return {current, string.sub(entry, sep + 1)}
  end
end
return {current}
`;

const STORE = `
local gens = redis.call('MGET', unpack(KEYS, 2))
local parts = {}
for i = 1, #gens do parts[i] = gens[i] or '0' end
if table.concat(parts, ',') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. ARGV[2], 'PX', ARGV[3])
return 1
`;

const INVALIDATE = `
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return #KEYS
`;

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });
const SCRIPTS = { lookup: script(LOOKUP), store: script(STORE), invalidate: script(INVALIDATE) };

/** Runs a script by its SHA, loading it on first use (NOSCRIPT: after a restart of Redis too). */
async function run(redis: Redis, { lua, sha }: Script, keys: string[], args: Array<string | number>): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}

/** The message of an invalidation on `engine.key('inv')`: who sent it, and the prefixes' hashes. */
interface InvalidationMessage {
  from: string;
  prefixes: string[];
}

export class FleetReadStore {
  readonly #engine: FleetEngine;
  readonly #ttlMs: number;
  readonly #channel: string;
  /** Hashes of the prefixes invalidated while Redis was down, replayed when it is back. */
  readonly #pending = new Set<string>();
  #replaying = false;
  readonly #offState: () => void;

  constructor(engine: FleetEngine, ttlMs: number) {
    this.#engine = engine;
    this.#ttlMs = ttlMs;
    this.#channel = engine.key('inv');
    this.#offState = engine.onState((up) => {
      if (up) void this.#replay();
    });
  }

  /** Whether entries are kept at all (GATEWAY_CACHE_TTL_MS > 0); invalidations are shared either way. */
  get caching(): boolean {
    return this.#ttlMs > 0;
  }

  /** The entry of `key` when it is current, or undefined when Redis is unavailable (read straight through). */
  async lookup(key: string): Promise<ReadLookup | undefined> {
    if (!this.caching) return undefined;
    const keys = this.#keys(key);
    const reply = await this.#engine.attempt((redis) => run(redis, SCRIPTS.lookup, keys, []));
    if (!Array.isArray(reply) || typeof reply[0] !== 'string') return undefined;
    const generations = reply[0];
    const payload: unknown = reply[1];
    return { generations, hit: typeof payload === 'string' ? parseExchange(payload) : undefined };
  }

  /**
   * Keeps a fetched answer for the TTL, when the counters read before its fetch (`generations`) are still
   * current. Best effort: whether it was stored.
   */
  async store(key: string, generations: string, res: Exchange): Promise<boolean> {
    if (!this.caching || res.status < 200 || res.status >= 300) return false;
    const payload = JSON.stringify({ status: res.status, headers: res.headers, body: res.body });
    if (Buffer.byteLength(payload, 'utf8') > MAX_ENTRY_BYTES) return false;
    const keys = this.#keys(key);
    const stored = await this.#engine.attempt((redis) =>
      run(redis, SCRIPTS.store, keys, [generations, payload, this.#ttlMs]),
    );
    return stored === 1;
  }

  /**
   * Makes every entry under `prefixes` stale for the whole fleet and tells every replica (they forget
   * their reads in flight). Redis unavailable: remembered, and done when it answers again.
   */
  async invalidate(prefixes: readonly string[]): Promise<boolean> {
    const hashes = [...new Set(prefixes.map(hashPart))];
    if (hashes.length === 0) return true;
    const done = await this.#send(hashes);
    if (!done) this.#remember(hashes);
    return done;
  }

  /**
   * Calls `handler` with a test of read keys for each invalidation another replica publishes, until the
   * returned function is called.
   */
  onInvalidation(handler: (matches: (key: string) => boolean) => void): () => void {
    return this.#engine.subscribe(this.#channel, (text) => {
      const message = parseMessage(text);
      if (!message || message.from === this.#engine.replicaId) return;
      const hashes = new Set(message.prefixes);
      handler((key) => candidatePrefixes(key).some((prefix) => hashes.has(hashPart(prefix))));
    });
  }

  /** Invalidations not yet sent (Redis was down when they were made). */
  get pending(): number {
    return this.#pending.size;
  }

  close(): void {
    this.#offState();
  }

  /** The entry's key, then its candidates' counters, in the order of {@link candidatePrefixes}. */
  #keys(key: string): string[] {
    return [
      this.#engine.key('read', '{r}', 'e', hashPart(key)),
      ...candidatePrefixes(key).map((prefix) => this.#genKey(hashPart(prefix))),
    ];
  }

  #genKey(prefixHash: string): string {
    return this.#engine.key('read', '{r}', 'g', prefixHash);
  }

  async #send(hashes: string[]): Promise<boolean> {
    const message: InvalidationMessage = { from: this.#engine.replicaId, prefixes: hashes };
    const keys = hashes.map((h) => this.#genKey(h));
    const reply = await this.#engine.attempt((redis) =>
      run(redis, SCRIPTS.invalidate, keys, [GENERATION_LIFE_MS, this.#channel, JSON.stringify(message)]),
    );
    return reply !== undefined;
  }

  #remember(hashes: string[]): void {
    for (const hash of hashes) this.#pending.add(hash);
    if (this.#pending.size > MAX_PENDING) {
      // Too many to replay one by one: the empty prefix invalidates everything.
      this.#pending.clear();
      this.#pending.add(hashPart(''));
    }
  }

  async #replay(): Promise<void> {
    if (this.#pending.size === 0 || this.#replaying) return;
    this.#replaying = true;
    try {
      const hashes = [...this.#pending];
      // Forgotten once sent (what was added meanwhile stays for the next time Redis is back).
      if (await this.#send(hashes)) for (const hash of hashes) this.#pending.delete(hash);
    } finally {
      this.#replaying = false;
    }
  }
}

function parseExchange(payload: string): Exchange | undefined {
  try {
    const parsed = JSON.parse(payload) as Partial<Exchange>;
    if (typeof parsed.status !== 'number' || typeof parsed.headers !== 'object' || parsed.headers === null) {
      return undefined;
    }
    return { status: parsed.status, headers: parsed.headers, body: parsed.body };
  } catch {
    return undefined;
  }
}

function parseMessage(text: string): InvalidationMessage | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<InvalidationMessage>;
    if (typeof parsed.from !== 'string' || !Array.isArray(parsed.prefixes)) return undefined;
    return { from: parsed.from, prefixes: parsed.prefixes.filter((p): p is string => typeof p === 'string') };
  } catch {
    return undefined;
  }
}

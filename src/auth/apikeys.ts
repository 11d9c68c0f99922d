/**
 * API keys: `ncfgw_<id>_<secret>`. The gateway keeps only each key's SHA-256, with its id (the
 * visible prefix, to find the entry) and its scopes, in GATEWAY_API_KEYS_FILE:
 *
 *   { "keys": [ { "id": "3f9a1c2b", "name": "web app", "sha256": "<64 hex>", "scopes": ["functions:read"],
 *                 "createdAt": "2025-03-04T05:06:07.089Z" } ] }
 *
 * A key may carry its own rate limits, in place of GATEWAY_RATE_LIMIT and GATEWAY_INVOKE_RATE_LIMIT:
 * `"rateLimit": "1200/min"`, `"invokeRateLimit": "off"` (same syntax as the variables).
 *
 * A presented key is hashed and compared with crypto.timingSafeEqual; an unknown id is compared
 * against a dummy hash, so the time taken does not tell which ids exist.
 *
 * The file is written by `npm run apikey` (src/cli/apikey.ts) and re-read by a running gateway when
 * it changes ({@link watchKeysFile}) or on SIGHUP, so keys are added and revoked without a restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, realpathSync, unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseRate, type Rate } from '../config/fleet';
import { isScope, SCOPES, type Principal } from './principal';

export const KEY_PREFIX = 'ncfgw';
const KEY_PATTERN = /^ncfgw_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
/** A key's id: its public part, the 8 hex digits after `ncfgw_`. */
export const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;

export interface StoredKey {
  id: string;
  name?: string;
  sha256: string;
  scopes: string[];
  createdAt?: string;
  /** Operations per principal for this key (`1200/min`, `off`), in place of GATEWAY_RATE_LIMIT. */
  rateLimit?: string;
  /** invokeAction fields for this key, in place of GATEWAY_INVOKE_RATE_LIMIT. */
  invokeRateLimit?: string;
}

/** The rate fields of a stored key, and the variables they stand in for. */
const RATE_FIELDS = [
  ['rateLimit', 'GATEWAY_RATE_LIMIT'],
  ['invokeRateLimit', 'GATEWAY_INVOKE_RATE_LIMIT'],
] as const;

/** Why `raw` is not a rate a key may carry, or undefined when it is one. */
export function rateProblem(raw: unknown): string | undefined {
  if (typeof raw === 'string' && parseRate(raw) !== undefined) return undefined;
  return 'must be <count>/<unit> such as 1200/min (units: s, min, hour, day), or off';
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new key and what to store for it. The key itself is shown once and never stored. */
export function generateKey(
  scopes: string[],
  name?: string,
  createdAt: Date = new Date(),
): { key: string; stored: StoredKey } {
  const id = randomBytes(4).toString('hex');
  const key = `${KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    stored: {
      id,
      ...(name ? { name } : {}),
      sha256: hashKey(key).toString('hex'),
      scopes,
      createdAt: createdAt.toISOString(),
    },
  };
}

/**
 * Checks the text of a keys file; throws an Error whose message starts with `label` and names the
 * problem (never a hash, a key, or a piece of the text: a JSON syntax error is not quoted).
 */
export function parseKeysFile(text: string, label = 'GATEWAY_API_KEYS_FILE'): StoredKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${label}: is not valid JSON`);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error(`${label}: expected an object with a "keys" array`);
  const seen = new Set<string>();
  return keys.map((entry: unknown, index) => {
    const k = (entry ?? {}) as Partial<StoredKey>;
    const where = `${label}: keys[${index}]`;
    if (typeof k.id !== 'string' || !KEY_ID_PATTERN.test(k.id)) throw new Error(`${where}.id must be 8 hex digits`);
    if (seen.has(k.id)) throw new Error(`${where}.id is a duplicate`);
    seen.add(k.id);
    if (typeof k.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.sha256))
      throw new Error(`${where}.sha256 must be 64 hex digits`);
    if (!Array.isArray(k.scopes) || !k.scopes.every((s) => typeof s === 'string' && isScope(s))) {
      throw new Error(`${where}.scopes must list scopes among ${SCOPES.join(', ')}`);
    }
    for (const [field, variable] of RATE_FIELDS) {
      const problem = k[field] === undefined ? undefined : rateProblem(k[field]);
      if (problem) throw new Error(`${where}.${field} ${problem} (it stands in for ${variable} for this key)`);
    }
    return {
      id: k.id,
      sha256: k.sha256,
      scopes: k.scopes,
      ...(typeof k.name === 'string' && k.name ? { name: k.name } : {}),
      ...(typeof k.createdAt === 'string' ? { createdAt: k.createdAt } : {}),
      ...(k.rateLimit !== undefined ? { rateLimit: k.rateLimit } : {}),
      ...(k.invokeRateLimit !== undefined ? { invokeRateLimit: k.invokeRateLimit } : {}),
    };
  });
}

/**
 * Why the keys file could not be read, by the system's error code (never the file's text); a
 * missing file says how to create it.
 */
export function cannotReadKeys(path: string, code: string): string {
  const hint = code === 'ENOENT' ? ': create a key there with `npm run apikey -- create --scopes …`' : '';
  return `GATEWAY_API_KEYS_FILE: cannot read ${path} (${code}${hint})`;
}

/** The keys file's text; throws an Error naming the file and the system's error code. */
export function readKeysText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(cannotReadKeys(path, (error as NodeJS.ErrnoException).code ?? 'error'), { cause: error });
  }
}

/** Reads and checks the keys file; throws an Error naming the problem (never a hash). */
export function loadKeysFile(path: string): StoredKey[] {
  return parseKeysFile(readKeysText(path));
}

/** A stored key's own limits, as a principal carries them; undefined when it has none. */
function rateLimitsOf(key: StoredKey): Principal['rateLimits'] {
  const limits: { operations?: Rate | null; invoke?: Rate | null } = {};
  if (key.rateLimit !== undefined) limits.operations = parseRate(key.rateLimit) ?? null;
  if (key.invokeRateLimit !== undefined) limits.invoke = parseRate(key.invokeRateLimit) ?? null;
  return Object.keys(limits).length > 0 ? Object.freeze(limits) : undefined;
}

interface VerifiedKey {
  hash: Buffer;
  scopes: ReadonlySet<string>;
  rateLimits: Principal['rateLimits'];
}

export class ApiKeyVerifier {
  readonly #byId: Map<string, VerifiedKey>;
  readonly #dummy = hashKey('ncfgw_00000000_dummy');

  constructor(keys: StoredKey[]) {
    this.#byId = new Map(
      keys.map((k) => [
        k.id,
        { hash: Buffer.from(k.sha256, 'hex'), scopes: new Set(k.scopes), rateLimits: rateLimitsOf(k) },
      ]),
    );
  }

  /** How many keys are accepted. */
  get size(): number {
    return this.#byId.size;
  }

  /** The key's principal, or null when the key is not valid. */
  verify(presented: string): Principal | null {
    const match = KEY_PATTERN.exec(presented);
    const entry = match ? this.#byId.get(match[1]!) : undefined;
    const equal = timingSafeEqual(hashKey(presented), entry?.hash ?? this.#dummy);
    if (!match || !entry || !equal) return null;
    return {
      id: match[1]!,
      kind: 'apikey',
      scopes: entry.scopes,
      ...(entry.rateLimits ? { rateLimits: entry.rateLimits } : {}),
    };
  }

  /** Why a key did not verify, for the server log: names the key id (its public part), never the key. */
  whyInvalid(presented: string): string {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return 'malformed';
    return this.#byId.has(match[1]!) ? `wrong secret for key ${match[1]}` : `unknown key ${match[1]}`;
  }

  /**
   * Ids of the keys this verifier accepts that `next` does not accept the same way: removed, or
   * with another secret or other scopes. A principal issued for one of them is out of date.
   */
  withdrawnIn(next: ApiKeyVerifier): string[] {
    const withdrawn: string[] = [];
    for (const [id, entry] of this.#byId) {
      const now = next.#byId.get(id);
      const same =
        now !== undefined &&
        now.hash.equals(entry.hash) &&
        now.scopes.size === entry.scopes.size &&
        [...entry.scopes].every((s) => now.scopes.has(s));
      if (!same) withdrawn.push(id);
    }
    return withdrawn;
  }
}

/** How long the file must be quiet after a change before it is read (an editor's save is several events). */
export const KEYS_WATCH_DEBOUNCE_MS = 100;
/** Longest wait after the first change, however busy the directory is. */
export const KEYS_WATCH_MAX_WAIT_MS = 1_000;
/** Polling interval when the file system cannot be watched (fs.watch unavailable or failing). */
export const KEYS_POLL_INTERVAL_MS = 2_000;

export interface KeysFileWatch {
  close(): void;
}

export interface KeysWatchOptions {
  /** Called when the directory cannot be watched, before polling starts. */
  onWatchError?: (error: Error) => void;
  debounceMs?: number;
  maxWaitMs?: number;
  pollIntervalMs?: number;
  /** fs.watch, replaceable to see the polling fallback. */
  watchDirectory?: (dir: string, listener: () => void) => FSWatcher;
}

/**
 * Calls `onChange` (debounced) after something changes in the keys file's directory. The directory
 * is watched, not the file: editors and `npm run apikey` replace the file by renaming a new one
 * over it, and a Kubernetes Secret swaps a symlink next to it; a watch on the file itself would go
 * deaf after the first such save. When the file is a symlink into another directory, that one is
 * watched too (the CLI writes to the link's target). Every event counts (the caller compares the
 * content, so an unrelated one costs a read and nothing else). Where the directory cannot be
 * watched, the file is polled every {@link KEYS_POLL_INTERVAL_MS}, and `onWatchError` says so.
 * Neither keeps the process alive.
 */
export function watchKeysFile(file: string, onChange: () => void, options: KeysWatchOptions = {}): KeysFileWatch {
  const path = resolve(file);
  const debounceMs = options.debounceMs ?? KEYS_WATCH_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? KEYS_WATCH_MAX_WAIT_MS;
  const watchDirectory = options.watchDirectory ?? ((dir, listener) => watch(dir, { persistent: false }, listener));
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt: number | undefined;
  let closed = false;
  const fire = () => {
    timer = undefined;
    firstEventAt = undefined;
    if (!closed) onChange();
  };
  const schedule = () => {
    if (closed) return;
    const now = Date.now();
    firstEventAt ??= now;
    clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(debounceMs, firstEventAt + maxWaitMs - now)));
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  let polling = false;
  const onStat = (current: Stats, previous: Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) {
      schedule();
    }
  };
  const poll = (error: Error) => {
    for (const watcher of watchers.splice(0)) watcher.close();
    if (closed || polling) return;
    polling = true;
    options.onWatchError?.(error);
    watchFile(path, { interval: options.pollIntervalMs ?? KEYS_POLL_INTERVAL_MS, persistent: false }, onStat);
  };
  try {
    for (const dir of watchedDirectories(path)) {
      const watcher = watchDirectory(dir, schedule);
      watchers.push(watcher);
      watcher.on('error', poll);
    }
  } catch (error) {
    poll(error as Error);
  }
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.splice(0)) watcher.close();
      if (polling) unwatchFile(path, onStat);
    },
  };
}

/** The file's directory, and its target's when it is a symlink into another one. */
function watchedDirectories(path: string): string[] {
  const dirs = [dirname(path)];
  try {
    const target = dirname(realpathSync(path));
    if (target !== dirs[0] && target !== dirname(realpathSync(dirs[0]!))) dirs.push(target);
  } catch {
    // Not there (yet): its directory is enough.
  }
  return dirs;
}

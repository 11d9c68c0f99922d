/**
 * API keys: `ncfgw_<id>_<secret>`. The gateway keeps only each key's SHA-256, with its id (the
 * visible prefix, to find the entry) and its scopes, in GATEWAY_API_KEYS_FILE:
 *
 *   { "keys": [ { "id": "3f9a1c2b", "name": "web app", "sha256": "<64 hex>", "scopes": ["functions:read"] } ] }
 *
 * A presented key is hashed and compared with crypto.timingSafeEqual; an unknown id is compared
 * against a dummy hash, so the time taken does not tell which ids exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isScope, type Principal } from './principal';

export const KEY_PREFIX = 'ncfgw';
const KEY_PATTERN = /^ncfgw_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

export interface StoredKey {
  id: string;
  name?: string;
  sha256: string;
  scopes: string[];
  createdAt?: string;
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new key and what to store for it. The key itself is shown once and never stored. */
export function generateKey(scopes: string[], name?: string): { key: string; stored: StoredKey } {
  const id = randomBytes(4).toString('hex');
  const key = `${KEY_PREFIX}_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    stored: { id, ...(name ? { name } : {}), sha256: hashKey(key).toString('hex'), scopes, createdAt: new Date().toISOString() },
  };
}

/** Reads and checks the keys file; throws an Error naming the problem (never a hash). */
export function loadKeysFile(path: string): StoredKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`GATEWAY_API_KEYS_FILE: cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`, {
      cause: error,
    });
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error('GATEWAY_API_KEYS_FILE: expected an object with a "keys" array');
  const seen = new Set<string>();
  return keys.map((entry: unknown, index) => {
    const k = entry as Partial<StoredKey>;
    const where = `GATEWAY_API_KEYS_FILE: keys[${index}]`;
    if (typeof k.id !== 'string' || !/^[0-9a-f]{8}$/.test(k.id)) throw new Error(`${where}.id must be 8 hex digits`);
    if (seen.has(k.id)) throw new Error(`${where}.id is a duplicate`);
    seen.add(k.id);
    if (typeof k.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.sha256)) throw new Error(`${where}.sha256 must be 64 hex digits`);
    if (!Array.isArray(k.scopes) || !k.scopes.every((s) => typeof s === 'string' && isScope(s))) {
      throw new Error(`${where}.scopes must list scopes among functions:read, functions:invoke, compute:read`);
    }
    return { id: k.id, sha256: k.sha256, scopes: k.scopes, ...(k.name ? { name: k.name } : {}) };
  });
}

export class ApiKeyVerifier {
  readonly #byId: Map<string, { hash: Buffer; scopes: ReadonlySet<string> }>;
  readonly #dummy = hashKey('ncfgw_00000000_dummy');

  constructor(keys: StoredKey[]) {
    this.#byId = new Map(keys.map((k) => [k.id, { hash: Buffer.from(k.sha256, 'hex'), scopes: new Set(k.scopes) }]));
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
    return { id: match[1]!, kind: 'apikey', scopes: entry.scopes };
  }

  /** Why a key did not verify, for the server log: names the key id (its public part), never the key. */
  whyInvalid(presented: string): string {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return 'malformed';
    return this.#byId.has(match[1]!) ? `wrong secret for key ${match[1]}` : `unknown key ${match[1]}`;
  }
}

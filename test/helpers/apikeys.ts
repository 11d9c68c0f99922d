/**
 * apikeys: what tests of GATEWAY_AUTH=apikey need: an environment whose keys file holds the given keys, and
 * the check that a key without a scope is refused every field of a table with FORBIDDEN and no upstream call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredKey } from '../../src/auth/apikeys';
import type { Harness } from './gateway';

/** GATEWAY_AUTH=apikey with a fresh keys file (in a temporary directory) holding `keys`. */
export function apiKeyEnv(keys: StoredKey[]): Record<string, string> {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-test-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify({ keys }));
  return { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: file };
}

/** [root field, document, variables]: one mutation or query of a scope table. */
export type ScopeCase = [field: string, document: string, variables: Record<string, unknown>];

/** Each case, sent with `key`, answers only `This field needs the scope <scope>.` (FORBIDDEN): no upstream call. */
export async function expectScopeRefusals(h: Harness, key: string, scope: string, cases: ScopeCase[]): Promise<void> {
  h.resetCalls();
  for (const [field, document, variables] of cases) {
    const res = await h.gql(document, variables, { authorization: `Bearer ${key}` });
    expect([field, res.body.errors]).toEqual([
      field,
      [
        expect.objectContaining({
          message: `This field needs the scope ${scope}.`,
          path: [field],
          extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
        }),
      ],
    ]);
  }
  expect(h.upstreamCalls()).toEqual([]);
}

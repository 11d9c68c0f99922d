/**
 * SIGHUP on the real process (src/main.ts): with GATEWAY_AUTH=apikey it re-reads the keys file and
 * says so, and the process stays up and answering; in another mode it is acknowledged in the log
 * and ignored. (Before, SIGHUP's default action ended the process.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { generateKey } from '../../src/auth/apikeys';
import { startGatewayProcess, type GatewayProcess } from '../helpers/process';

function lines(gateway: GatewayProcess): Array<Record<string, any>> {
  return gateway
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);
}

async function waitForLine(
  gateway: GatewayProcess,
  match: (line: Record<string, any>) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lines(gateway).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${gateway.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function packages(gateway: GatewayProcess, key?: string): Promise<number> {
  const res = await request(`${gateway.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query: '{ packages { name } }' }),
  });
  await res.body.dump();
  return res.statusCode;
}

describe('SIGHUP', () => {
  it('reloads the API keys file with GATEWAY_AUTH=apikey, and the process keeps answering', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gw-keys-hup-')), 'api-keys.json');
    const first = generateKey(['functions:read'], 'first');
    writeFileSync(file, JSON.stringify({ keys: [first.stored] }));
    const gateway = await startGatewayProcess({ GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: file });
    try {
      gateway.child.kill('SIGHUP');
      expect(await waitForLine(gateway, (l) => l.trigger === 'SIGHUP')).toMatchObject({
        level: 'info',
        trigger: 'SIGHUP',
        file,
        keys: 1,
        withdrawn: [],
        msg: 'API keys reloaded (SIGHUP): 1 key',
      });
      expect(gateway.child.exitCode).toBeNull();
      expect(gateway.child.signalCode).toBeNull();
      expect(await packages(gateway, first.key)).toBe(200);

      // A key written meanwhile is accepted after the next SIGHUP at the latest.
      const second = generateKey(['functions:read'], 'second');
      writeFileSync(file, JSON.stringify({ keys: [first.stored, second.stored] }));
      gateway.child.kill('SIGHUP');
      await waitForLine(gateway, (l) => l.trigger === 'SIGHUP' && l.keys === 2);
      expect(await packages(gateway, second.key)).toBe(200);
      expect(await packages(gateway)).toBe(401);
      expect(gateway.child.exitCode).toBeNull();
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 40_000);

  it('is acknowledged and ignored with GATEWAY_AUTH=none', async () => {
    const gateway = await startGatewayProcess({ GATEWAY_AUTH: 'none' });
    try {
      gateway.child.kill('SIGHUP');
      expect(await waitForLine(gateway, (l) => l.trigger === 'SIGHUP')).toMatchObject({
        level: 'info',
        trigger: 'SIGHUP',
        auth: 'none',
        msg: 'SIGHUP: nothing to reload with GATEWAY_AUTH=none; ignored',
      });
      expect(gateway.child.exitCode).toBeNull();
      expect(await packages(gateway)).toBe(200);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 40_000);
});

/**
 * What a process says and serves when it starts: one security-posture line (auth mode, keys,
 * introspection, playground, address), a warning when anonymous access is allowed off loopback,
 * refusal of a NODE_ENV it does not know and of every bad variable at once; `/` sends a browser to
 * the playground and `/version` says what build answers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'undici';
import { startGatewayProcess } from '../helpers/process';
import { withHarness } from '../helpers/gateway';

const ROOT = resolve(__dirname, '..', '..');

/** Runs the gateway with a configuration it must refuse; its exit code and what it wrote. */
function refused(env: Record<string, string>): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NCP_ACCESS_KEY: '', NCP_SECRET_KEY: '', OS_AUTH_URL: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('start-up', () => {
  it('says its security posture in one line, and warns when anonymous access is allowed off loopback', async () => {
    const gateway = await startGatewayProcess({
      HOST: '0.0.0.0',
      GATEWAY_ALLOW_UNAUTHENTICATED: 'true',
      NODE_ENV: 'production',
    });
    try {
      const lines = gateway
        .output()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const posture = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Security:'));
      expect(posture).toMatchObject({
        level: 'info',
        auth: 'none',
        introspection: false,
        playground: false,
        address: expect.stringMatching(/^0\.0\.0\.0:\d+$/),
        exposed: true,
        msg: expect.stringMatching(
          /^Security: auth none, introspection off, playground off, listening on 0\.0\.0\.0:\d+$/,
        ),
      });
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'Anonymous access is allowed off loopback (GATEWAY_AUTH=none with GATEWAY_ALLOW_UNAUTHENTICATED=true): ' +
          'anyone who reaches this address can read and invoke',
      ]);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 40_000);

  it('refuses a NODE_ENV it does not know, with every other problem, at once', () => {
    const { status, output } = refused({
      NODE_ENV: 'prod',
      PORT: 'eighty',
      NCP_ACCESS_KEY: 'ak',
      GATEWAY_AUTH: 'apikey',
    });
    expect(status).toBe(2);
    expect(output).toContain(
      [
        'Invalid configuration:',
        '  - NODE_ENV: must be one of: development, production, test',
        '  - PORT: must be a whole number from 0 to 65535',
        '  - NCP_SECRET_KEY: is required when NCP_ACCESS_KEY is set',
        '  - GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)',
      ].join('\n'),
    );
  }, 40_000);
});

describe('/ and /version', () => {
  it('sends a browser from / to the playground, and says which build answers', async () => {
    await withHarness({}, async (h) => {
      const origin = new URL(h.url).origin;
      const root = await request(`${origin}/`);
      await root.body.dump();
      expect(root.statusCode).toBe(302);
      expect(root.headers.location).toBe('/graphql');
      const version = await request(`${origin}/version`);
      const body = (await version.body.json()) as Record<string, unknown>;
      const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      expect(body).toEqual({
        name: 'ncf-gateway',
        version: '0.1.0',
        commit,
        schemaHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(h.upstreamCalls()).toEqual([]);
    });
  });
});

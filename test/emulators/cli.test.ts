// Both standalone emulators (`npx tsx src/emulators/<name>/cli.ts`) as real processes: the banner with the
// URL and the demo credentials, a request answered with those credentials, exit code 0 on SIGINT or
// SIGTERM, and exit code 1 with the reason when the port variable is not a port.
import { request } from 'undici';
import { waitForOutput, withCli } from './cli-process';

const COMPUTE = 'src/emulators/compute/cli.ts';
const CLOUD_FUNCTIONS = 'src/emulators/cloudfunctions/cli.ts';

const DEMO_LOGIN = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'demo', domain: { id: 'default' }, password: 'demo-password' } },
    },
  },
});

describe('compute emulator CLI', () => {
  it(
    'prints its URLs and demo credentials, answers with them, and exits 0 on SIGTERM',
    () =>
      withCli(COMPUTE, { COMPUTE_EMULATOR_PORT: '0', COMPUTE_EMULATOR_HOST: '127.0.0.1' }, async (cli) => {
        const [, url] = await waitForOutput(cli, /OpenStack compute emulator: (http:\/\/127\.0\.0\.1:\d+)\n/);
        await waitForOutput(cli, /compute 2\.84'\n/);
        const out = cli.output();
        expect(out).toContain(`  OS_AUTH_URL=${url}/identity/v3\n`);
        expect(out).toContain(`  compute (catalog, RegionOne public): ${url}/compute/v2.1\n`);
        expect(out).toContain(
          'demo / demo-password (project demo, member), admin / admin-password (project admin, admin)',
        );
        expect(out).toContain('  application credential: demo-app-cred / demo-app-secret (user demo)\n');
        const res = await request(`${url}/identity/v3/auth/tokens?nocatalog`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: DEMO_LOGIN,
        });
        await res.body.dump();
        expect(res.statusCode).toBe(201);
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toEqual({ code: 0, signal: null });
      }),
    60_000,
  );
});

describe('Cloud Functions emulator CLI', () => {
  const env = { EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1', EMULATOR_ACCESS_KEY: 'cli-key' };
  it(
    'prints its URL and access key and exits 0 on SIGINT',
    () =>
      withCli(CLOUD_FUNCTIONS, env, async (cli) => {
        const [, url] = await waitForOutput(cli, /NCP Cloud Functions emulator: (http:\/\/127\.0\.0\.1:\d+) /);
        expect(cli.output()).toContain(`${url} (v2.1 at /ncf/api/v2, v2.0 at /api/v2; access key cli-key)\n`);
        // Unsigned, so the gateway's 401: the server is up and answering.
        const res = await request(`${url}/ncf/api/v2/packages`);
        await res.body.dump();
        expect(res.statusCode).toBe(401);
        cli.child.kill('SIGINT');
        expect(await cli.exited).toEqual({ code: 0, signal: null });
      }),
    60_000,
  );
});

describe.each([
  [COMPUTE, 'COMPUTE_EMULATOR_PORT', '70000'],
  [CLOUD_FUNCTIONS, 'EMULATOR_PORT', 'abc'],
])('%s', (script, variable, value) => {
  it(
    `exits 1 naming the variable when ${variable} is not a port`,
    () =>
      withCli(script, { [variable]: value }, async (cli) => {
        expect(await cli.exited).toEqual({ code: 1, signal: null });
        expect(cli.output()).toContain(`${variable} is not a port: ${value}`);
      }),
    60_000,
  );
});

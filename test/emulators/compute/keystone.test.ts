// The Keystone side of the compute emulator, as a client sees it over HTTP: issuing tokens with the password
// and application-credential methods, the service catalog and its decoys, token lifetime on the emulator
// clock, validation and revocation, and the other identity routes
// (docs/upstream/compute.md#keystone-tokens).
import { projectIdFor, userIdFor, SEED_SERVER_ID } from '../../../src/emulators/compute';
import {
  ALICE,
  APP_CRED,
  BOB,
  HOUR,
  NOW,
  passwordAuth,
  ROOT,
  startHarness,
  UNAUTHORIZED,
  type Harness,
} from './helpers';

const TOKENS = '/identity/v3/auth/tokens';
const ALICE_ID = userIdFor('alice');
const TEAM_A = projectIdFor('team-a');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.clock.now = NOW;
});

describe('POST /v3/auth/tokens with the password method', () => {
  it('issues a token by user name and domain id: 201, X-Subject-Token, the documented body', async () => {
    const before = h.emulator.tokensIssued;
    const r = await h.call('POST', TOKENS, {
      body: passwordAuth(
        { name: 'alice', password: 'alice-pw' },
        { project: { name: 'team-a', domain: { id: 'default' } } },
      ),
    });
    expect(r.status).toBe(201);
    expect(r.headers['x-subject-token']).toMatch(/^gAAAAA[A-Za-z0-9_-]{64}$/);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/);
    const { catalog, audit_ids: auditIds, ...token } = r.json.token;
    expect(token).toEqual({
      methods: ['password'],
      user: { domain: { id: 'default', name: 'Default' }, id: ALICE_ID, name: 'alice', password_expires_at: null },
      expires_at: '2026-11-25T13:00:00.000000Z',
      issued_at: '2026-11-25T12:00:00.000000Z',
      project: { domain: { id: 'default', name: 'Default' }, id: TEAM_A, name: 'team-a' },
      is_domain: false,
      roles: [
        { id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'member' },
        { id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'reader' },
      ],
    });
    expect(ALICE_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(auditIds).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
    expect(Array.isArray(catalog)).toBe(true);
    expect(h.emulator.tokensIssued).toBe(before + 1);
  });

  it('accepts the domain by name, the user by id, and a project scope by id', async () => {
    const byDomainName = await h.call('POST', TOKENS, {
      body: passwordAuth({ name: 'alice', password: 'alice-pw', domain: { name: 'Default' } }),
    });
    expect(byDomainName.status).toBe(201);
    const byId = await h.call('POST', TOKENS, {
      body: passwordAuth({ id: ALICE_ID, password: 'alice-pw' }, { project: { id: TEAM_A } }),
    });
    expect(byId.status).toBe(201);
    expect(byId.json.token.user.id).toBe(ALICE_ID);
    expect(byId.json.token.project.id).toBe(TEAM_A);
  });

  it('uses the ids given in the options and a non-default domain', async () => {
    const r = await h.call('POST', `${TOKENS}?nocatalog`, {
      body: passwordAuth(
        { name: 'bob', password: 'bob-pw', domain: { id: 'Partners' } },
        { project: { name: 'team-b', domain: { name: 'Partners' } } },
      ),
    });
    expect(r.status).toBe(201);
    expect(r.json.token.user).toEqual({
      domain: { id: 'Partners', name: 'Partners' },
      id: BOB.userId,
      name: 'bob',
      password_expires_at: null,
    });
    expect(r.json.token.project).toEqual({
      domain: { id: 'Partners', name: 'Partners' },
      id: BOB.projectId,
      name: 'team-b',
    });
  });

  it('gives admin users the roles they were configured with', async () => {
    const r = await h.call('POST', `${TOKENS}?nocatalog`, {
      body: passwordAuth({ name: 'root', password: 'root-pw' }),
    });
    expect(r.json.token.roles.map((x: { name: string }) => x.name)).toEqual(ROOT.roles);
  });

  it.each([
    ['a wrong password', passwordAuth({ name: 'alice', password: 'nope' })],
    ['an unknown user', passwordAuth({ name: 'mallory', password: 'alice-pw' })],
    [
      'the right user in the wrong domain',
      passwordAuth({ name: 'alice', password: 'alice-pw', domain: { id: 'Partners' } }),
    ],
    ['an unknown user id', passwordAuth({ id: 'ffffffffffffffffffffffffffffffff', password: 'alice-pw' })],
    [
      'an unknown project',
      passwordAuth({ name: 'alice', password: 'alice-pw' }, { project: { name: 'nope', domain: { id: 'default' } } }),
    ],
    [
      "another user's project",
      passwordAuth({ name: 'alice', password: 'alice-pw' }, { project: { id: BOB.projectId } }),
    ],
    [
      'the project name in the wrong domain',
      passwordAuth(
        { name: 'alice', password: 'alice-pw' },
        { project: { name: 'team-a', domain: { name: 'Partners' } } },
      ),
    ],
    ['a domain scope', passwordAuth({ name: 'alice', password: 'alice-pw' }, { domain: { id: 'default' } })],
    [
      'an unsupported method',
      { auth: { identity: { methods: ['totp'], totp: { user: { id: ALICE_ID, passcode: '123456' } } } } },
    ],
    [
      'two methods',
      {
        auth: {
          identity: {
            methods: ['password', 'application_credential'],
            password: { user: { id: ALICE_ID, password: 'alice-pw' } },
            application_credential: { id: APP_CRED.id, secret: APP_CRED.secret },
          },
        },
      },
    ],
  ])('answers 401 with the Keystone body for %s', async (_what, body) => {
    const before = h.emulator.tokensIssued;
    const r = await h.call('POST', TOKENS, { body });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(UNAUTHORIZED);
    expect(r.headers['x-subject-token']).toBeUndefined();
    expect(r.headers['www-authenticate']).toBe(`Keystone uri="${h.emulator.authUrl}"`);
    expect(h.emulator.tokensIssued).toBe(before);
  });

  const suffix =
    ' The server could not comply with the request since it is either malformed or otherwise incorrect.' +
    ' The client is assumed to be in error.';
  it.each([
    ['not JSON', '{"auth":', 'Expecting to find valid JSON in request body.'],
    ['no auth', '{}', 'Expecting to find auth in request body.'],
    ['no identity', '{"auth":{}}', 'Expecting to find identity in auth.'],
    ['no methods', '{"auth":{"identity":{}}}', 'Expecting to find methods in identity.'],
    ['empty methods', '{"auth":{"identity":{"methods":[]}}}', 'Expecting to find methods in identity.'],
    [
      'a method without its object',
      '{"auth":{"identity":{"methods":["password"]}}}',
      'Expecting to find password in identity.',
    ],
    ['no user', '{"auth":{"identity":{"methods":["password"],"password":{}}}}', 'Expecting to find user in password.'],
    [
      'no password',
      '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"}}}}}}',
      'Expecting to find password in user.',
    ],
    [
      'a user name without domain',
      '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"alice-pw"}}}}}',
      'Expecting to find domain in user.',
    ],
    [
      'neither user id nor name',
      '{"auth":{"identity":{"methods":["password"],"password":{"user":{"password":"alice-pw"}}}}}',
      'Expecting to find id or name in user.',
    ],
    [
      'a project name without domain',
      JSON.stringify(passwordAuth({ name: 'alice', password: 'alice-pw' }, { project: { name: 'team-a' } })),
      'Expecting to find domain in project.',
    ],
    [
      'an app credential without secret',
      '{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"app-cred-1"}}}}',
      'Expecting to find secret in application_credential.',
    ],
  ])('answers 400 Bad Request for %s', async (_what, rawBody, message) => {
    const r = await h.call('POST', TOKENS, { rawBody });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { code: 400, title: 'Bad Request', message: message + suffix } });
  });
});

describe('POST /v3/auth/tokens with an application credential', () => {
  const body = (id: string, secret: string, scope?: unknown): unknown => ({
    auth: {
      identity: { methods: ['application_credential'], application_credential: { id, secret } },
      ...(scope ? { scope } : {}),
    },
  });

  it("issues a token scoped to the owner's project", async () => {
    const r = await h.call('POST', `${TOKENS}?nocatalog`, { body: body(APP_CRED.id, APP_CRED.secret) });
    expect(r.status).toBe(201);
    expect(r.headers['x-subject-token']).toMatch(/^gAAAAA/);
    expect(r.json.token.methods).toEqual(['application_credential']);
    expect(r.json.token.user.id).toBe(ALICE_ID);
    expect(r.json.token.project.id).toBe(TEAM_A);
    expect(r.json.token.application_credential).toEqual({ id: APP_CRED.id, name: APP_CRED.id, restricted: true });
    expect(r.json.token.catalog).toBeUndefined();
    const list = await h.nova(`/servers/${SEED_SERVER_ID}/os-instance-actions`, r.headers['x-subject-token'] as string);
    expect(list.status).toBe(200);
  });

  it.each([
    ['a wrong secret', body(APP_CRED.id, 'wrong')],
    ['an unknown id', body('nope', APP_CRED.secret)],
    ['a scope in the body', body(APP_CRED.id, APP_CRED.secret, { project: { id: TEAM_A } })],
  ])('answers 401 for %s', async (_what, b) => {
    const r = await h.call('POST', TOKENS, { body: b });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(UNAUTHORIZED);
  });
});

describe('the service catalog', () => {
  type Service = { type: string; name: string; id: string; endpoints: any[] };

  it('publishes identity, a compute_legacy decoy and compute with three interfaces in two regions', async () => {
    const r = await h.call('POST', TOKENS, { body: passwordAuth({ name: 'alice', password: 'alice-pw' }) });
    const catalog: Service[] = r.json.token.catalog;
    expect(catalog.map((s) => [s.type, s.name])).toEqual([
      ['identity', 'keystone'],
      ['compute_legacy', 'nova_legacy'],
      ['compute', 'nova'],
    ]);
    const url = h.emulator.url;
    const identity = catalog[0]!;
    expect(identity.endpoints.map((e) => [e.interface, e.region, e.url])).toEqual([
      ['public', 'RegionOne', h.emulator.authUrl],
      ['internal', 'RegionOne', h.emulator.authUrl],
      ['admin', 'RegionOne', h.emulator.authUrl],
    ]);
    expect(catalog[1]!.endpoints[0].url).toBe(`${url}/compute-legacy/v2/${TEAM_A}`);
    const compute = catalog[2]!;
    expect(compute.endpoints.map((e) => [e.interface, e.region, e.region_id, e.url])).toEqual([
      ['public', 'RegionTwo', 'RegionTwo', 'http://compute.region-two.invalid/v2.1'],
      ['internal', 'RegionOne', 'RegionOne', `${url}/compute-internal/v2.1`],
      ['admin', 'RegionOne', 'RegionOne', `${url}/compute-admin/v2.1`],
      ['public', 'RegionOne', 'RegionOne', h.emulator.computeUrl],
      ['internal', 'RegionTwo', 'RegionTwo', 'http://compute.region-two.invalid/v2.1'],
      ['admin', 'RegionTwo', 'RegionTwo', 'http://compute.region-two.invalid/v2.1'],
    ]);
    expect(h.emulator.computeUrl).toBe(`${url}/compute/v2.1`);
    expect(h.emulator.authUrl).toBe(`${url}/identity/v3`);
    for (const s of catalog) {
      expect(s.id).toMatch(/^[0-9a-f]{32}$/);
      for (const e of s.endpoints) expect(e.id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(compute.endpoints.map((e) => e.id)).size).toBe(6);
  });

  it('has internal and admin compute endpoints that answer 404', async () => {
    const token = await h.login();
    for (const base of ['/compute-internal/v2.1', '/compute-admin/v2.1']) {
      const r = await h.call('GET', `${base}/servers/${SEED_SERVER_ID}/os-instance-actions`, {
        headers: { 'x-auth-token': token },
      });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    }
  });

  it('omits the catalog with ?nocatalog', async () => {
    const r = await h.call('POST', `${TOKENS}?nocatalog`, {
      body: passwordAuth({ name: 'alice', password: 'alice-pw' }),
    });
    expect(r.status).toBe(201);
    expect('catalog' in r.json.token).toBe(false);
  });

  it('puts the compute endpoint in the configured region', async () => {
    const other = await startHarness({ region: 'RegionTwo', seed: false });
    try {
      const r = await other.call('POST', TOKENS, { body: passwordAuth({ name: 'alice', password: 'alice-pw' }) });
      const compute = (r.json.token.catalog as Service[]).find((s) => s.type === 'compute')!;
      const publicOnes = compute.endpoints.filter((e) => e.interface === 'public').map((e) => [e.region, e.url]);
      expect(publicOnes).toEqual([
        ['RegionThree', 'http://compute.region-three.invalid/v2.1'],
        ['RegionTwo', other.emulator.computeUrl],
      ]);
    } finally {
      await other.close();
    }
  });
});

describe('token lifetime', () => {
  const actions = `/servers/${SEED_SERVER_ID}/os-instance-actions`;

  it('is valid until expires_at on the emulator clock, then 401 with the keystonemiddleware body', async () => {
    const token = await h.login();
    h.clock.now = NOW + HOUR - 1;
    expect((await h.nova(actions, token)).status).toBe(200);
    h.clock.now = NOW + HOUR;
    const r = await h.nova(actions, token);
    expect(r.status).toBe(401);
    expect(r.json).toEqual(UNAUTHORIZED);
    expect(r.headers['www-authenticate']).toBe(`Keystone uri="${h.emulator.authUrl}"`);
  });

  it('follows tokenTtlMs', async () => {
    const short = await startHarness({ tokenTtlMs: 1500, seed: false });
    try {
      const r = await short.call('POST', `${TOKENS}?nocatalog`, {
        body: passwordAuth({ name: 'alice', password: 'alice-pw' }),
      });
      expect(r.json.token.expires_at).toBe('2026-11-25T12:00:01.500000Z');
    } finally {
      await short.close();
    }
  });

  it('ends for every token at revokeAllTokens(), and a new login works again', async () => {
    const a = await h.login(ALICE);
    const b = await h.login(ROOT);
    h.emulator.revokeAllTokens();
    for (const t of [a, b]) {
      const r = await h.nova(actions, t);
      expect(r.status).toBe(401);
      expect(r.json).toEqual(UNAUTHORIZED);
    }
    const fresh = await h.login(ALICE);
    expect((await h.nova(actions, fresh)).status).toBe(200);
  });

  it('401s a missing or unknown token on compute', async () => {
    const missing = await h.call('GET', `/compute/v2.1${actions}`);
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual(UNAUTHORIZED);
    const unknown = await h.nova(actions, 'gAAAAAnot-a-real-token');
    expect(unknown.status).toBe(401);
  });

  it('counts successful issues only', async () => {
    const before = h.emulator.tokensIssued;
    await h.login();
    await h.call('POST', TOKENS, { body: passwordAuth({ name: 'alice', password: 'bad' }) });
    await h.call('POST', TOKENS, { rawBody: 'nope' });
    await h.login(ROOT);
    expect(h.emulator.tokensIssued).toBe(before + 2);
  });
});

describe('token validation and revocation', () => {
  it('GET validates X-Subject-Token for a caller with a valid X-Auth-Token', async () => {
    const caller = await h.login(ROOT);
    const subject = await h.login(ALICE);
    const r = await h.call('GET', `${TOKENS}?nocatalog`, {
      headers: { 'x-auth-token': caller, 'x-subject-token': subject },
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-subject-token']).toBe(subject);
    expect(r.json.token.user.name).toBe('alice');
    expect(r.json.token.catalog).toBeUndefined();
    const head = await h.call('HEAD', TOKENS, { headers: { 'x-auth-token': caller, 'x-subject-token': subject } });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('answers 404 for an unknown subject and 401 for a bad caller', async () => {
    const caller = await h.login();
    const unknown = await h.call('GET', TOKENS, {
      headers: { 'x-auth-token': caller, 'x-subject-token': 'gAAAAAnope' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'Could not find token: gAAAAAnope.' },
    });
    const bad = await h.call('GET', TOKENS, { headers: { 'x-auth-token': 'gAAAAAnope', 'x-subject-token': caller } });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual(UNAUTHORIZED);
  });

  it('DELETE revokes one token', async () => {
    const keep = await h.login();
    const drop = await h.login();
    const r = await h.call('DELETE', TOKENS, { headers: { 'x-auth-token': keep, 'x-subject-token': drop } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await h.nova(`/servers/${SEED_SERVER_ID}/os-instance-actions`, drop)).status).toBe(401);
    expect((await h.nova(`/servers/${SEED_SERVER_ID}/os-instance-actions`, keep)).status).toBe(200);
  });
});

describe('other identity routes', () => {
  it('serves the v3 version document', async () => {
    const r = await h.call('GET', '/identity/v3');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      version: {
        id: 'v3.14',
        status: 'stable',
        updated: '2020-04-07T00:00:00Z',
        links: [{ rel: 'self', href: `${h.emulator.authUrl}/` }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      },
    });
  });

  it('answers 404 and 405 with Keystone bodies', async () => {
    const missing = await h.call('GET', '/identity/v3/projects');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' },
    });
    const wrong = await h.call('PUT', TOKENS, { body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.json.error).toEqual({
      code: 405,
      title: 'Method Not Allowed',
      message: 'The method is not allowed for the requested URL.',
    });
    expect(wrong.headers.allow).toBe('GET, HEAD, POST, DELETE');
  });

  it('records identity requests with the first 8 characters of the token', async () => {
    const token = await h.login();
    h.emulator.resetRequests();
    await h.call('GET', `${TOKENS}?nocatalog`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    expect(h.emulator.requests).toEqual([
      { service: 'identity', method: 'GET', path: TOKENS, query: 'nocatalog', status: 200, token: token.slice(0, 8) },
    ]);
  });
});

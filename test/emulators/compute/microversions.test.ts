// Microversion negotiation, version and request-id headers, and which fields appear at which microversion
// for whom. The data is added through the store with exact times so every body can be compared whole.
import { createHash } from 'node:crypto';
import { projectIdFor, userIdFor } from '../../../src/emulators/compute';
import { ROOT, startHarness, UNAUTHORIZED, type CallResult, type Harness } from './helpers';

const SERVER = 'aaaaaaaa-0000-4000-8000-000000000001';
const STOP = 'req-11111111-1111-4111-8111-111111111111';
const RESIZE = 'req-22222222-2222-4222-8222-222222222222';
const TEAM_A = projectIdFor('team-a');
const ALICE_ID = userIdFor('alice');
const HOST_ID = createHash('sha224').update(`${TEAM_A}node-7`).digest('hex');
const LIST = `/servers/${SERVER}/os-instance-actions`;

let h: Harness;
let alice: string;
let root: string;
beforeAll(async () => {
  h = await startHarness({ seed: false });
  h.emulator.store.addServer({ id: SERVER, name: 'vm', projectId: TEAM_A, userId: ALICE_ID, host: 'node-7' });
  h.emulator.store.addAction(SERVER, {
    action: 'stop',
    requestId: STOP,
    startTime: '2026-11-25T10:00:00.123456',
    events: [
      {
        event: 'compute_stop_instance',
        startTime: '2026-11-25T10:00:00.500000',
        finishTime: '2026-11-25T10:00:04.250001',
        result: 'Success',
      },
    ],
  });
  h.emulator.store.addAction(SERVER, {
    action: 'resize',
    requestId: RESIZE,
    startTime: '2026-11-25T11:00:00.000001Z',
    events: [
      {
        event: 'cold_migrate',
        startTime: '2026-11-25T11:00:00.100000',
        finishTime: '2026-11-25T11:00:01.000000',
        result: 'Error',
        traceback: 'TB',
        details: 'No valid host',
      },
      {
        event: 'conductor_migrate_server',
        startTime: '2026-11-25T11:00:00.200000',
        finishTime: '2026-11-25T11:00:00.900000',
        result: 'Error',
        traceback: 'TB2',
        details: null,
        host: null,
      },
    ],
  });
  alice = await h.login();
  root = await h.login(ROOT);
});
afterAll(() => h.close());

const versionHeaders = (r: CallResult): unknown => ({
  standard: r.headers['openstack-api-version'],
  legacy: r.headers['x-openstack-nova-api-version'],
  vary: r.headers.vary,
});
const echoed = (v: string): unknown => ({
  standard: `compute ${v}`,
  legacy: v,
  vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
});
const none = { standard: undefined, legacy: undefined, vary: undefined };

describe('microversion negotiation', () => {
  it.each([
    ['no header', {}, '2.1'],
    ['OpenStack-API-Version', { 'openstack-api-version': 'compute 2.58' }, '2.58'],
    ['a list naming other services too', { 'openstack-api-version': 'identity 3.0, compute 2.66' }, '2.66'],
    ['the legacy header', { 'x-openstack-nova-api-version': '2.62' }, '2.62'],
    [
      'a standard header without compute, so the legacy one',
      { 'openstack-api-version': 'volume 3.40', 'x-openstack-nova-api-version': '2.60' },
      '2.60',
    ],
    [
      'both (standard wins)',
      { 'openstack-api-version': 'compute 2.84', 'x-openstack-nova-api-version': '2.10' },
      '2.84',
    ],
    ['latest', { 'openstack-api-version': 'compute latest' }, '2.96'],
    ['legacy latest', { 'x-openstack-nova-api-version': 'latest' }, '2.96'],
    ['the minimum', { 'openstack-api-version': 'compute 2.1' }, '2.1'],
    ['the maximum', { 'openstack-api-version': 'compute 2.96' }, '2.96'],
  ])('negotiates and echoes with %s', async (_what, headers, expected) => {
    const r = await h.nova(LIST, alice, undefined, headers);
    expect(r.status).toBe(200);
    expect(versionHeaders(r)).toEqual(echoed(expected));
  });

  it.each(['2', '2.05', 'abc', '2.x', '02.1', '2.1.1'])(
    'answers 400 badRequest for the malformed version %s, without version headers',
    async (v) => {
      const r = await h.nova(LIST, alice, v);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        badRequest: {
          code: 400,
          message: `API Version String ${v} is of invalid format. Must be of format MajorNum.MinorNum.`,
        },
      });
      expect(versionHeaders(r)).toEqual(none);
    },
  );

  it.each(['3.5', '2.97', '2.0', '1.1', '2.100'])('answers 406 computeFault for %s, outside [2.1, 2.96]', async (v) => {
    const r = await h.nova(LIST, alice, v);
    expect(r.status).toBe(406);
    expect(r.json).toEqual({
      computeFault: {
        code: 406,
        message: `Version ${v} is not supported by the API. Minimum is 2.1 and maximum is 2.96.`,
      },
    });
    expect(versionHeaders(r)).toEqual(none);
  });

  it('follows minMicroversion and maxMicroversion', async () => {
    const narrow = await startHarness({ seed: false, minMicroversion: '2.10', maxMicroversion: '2.60' });
    try {
      narrow.emulator.store.addServer({ id: SERVER, projectId: TEAM_A });
      const token = await narrow.login();
      const absent = await narrow.nova(LIST, token);
      expect(versionHeaders(absent)).toEqual(echoed('2.10'));
      expect(versionHeaders(await narrow.nova(LIST, token, 'latest'))).toEqual(echoed('2.60'));
      const above = await narrow.nova(LIST, token, '2.61');
      expect(above.status).toBe(406);
      expect(above.json.computeFault.message).toBe(
        'Version 2.61 is not supported by the API. Minimum is 2.10 and maximum is 2.60.',
      );
      expect((await narrow.nova(LIST, token, '2.9')).status).toBe(406);
    } finally {
      await narrow.close();
    }
  });

  it('checks the token before the version: 401 wins over a bad version', async () => {
    const r = await h.nova(LIST, 'gAAAAAnope', 'abc');
    expect(r.status).toBe(401);
    expect(r.json).toEqual(UNAUTHORIZED);
  });

  it('puts version headers on faults answered after negotiation', async () => {
    const r = await h.nova('/servers/nope/os-instance-actions', alice, '2.58');
    expect(r.status).toBe(404);
    expect(versionHeaders(r)).toEqual(echoed('2.58'));
  });
});

describe('request ids', () => {
  const FORMAT = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('answers one local id in both headers, also on 401 and version errors', async () => {
    for (const r of [await h.nova(LIST, alice), await h.nova(LIST, 'gAAAAAnope'), await h.nova(LIST, alice, '9.9')]) {
      expect(r.headers['x-compute-request-id']).toMatch(FORMAT);
      expect(r.headers['x-openstack-request-id']).toBe(r.headers['x-compute-request-id']);
    }
    const a = await h.nova(LIST, alice);
    const b = await h.nova(LIST, alice);
    expect(a.headers['x-compute-request-id']).not.toBe(b.headers['x-compute-request-id']);
  });

  it("records a well-formed client X-Openstack-Request-Id as the global id, and doesn't echo it", async () => {
    const global = 'req-0123abcd-4567-89ab-cdef-0123456789ab';
    h.emulator.resetRequests();
    const r = await h.nova(LIST, alice, '2.58', { 'x-openstack-request-id': global });
    expect(r.headers['x-openstack-request-id']).not.toBe(global);
    await h.nova(LIST, alice, undefined, { 'x-openstack-request-id': 'my-own-id' });
    expect(h.emulator.requests).toEqual([
      {
        service: 'compute',
        method: 'GET',
        path: `/compute/v2.1${LIST}`,
        query: '',
        status: 200,
        microversion: '2.58',
        token: alice.slice(0, 8),
        globalRequestId: global,
      },
      {
        service: 'compute',
        method: 'GET',
        path: `/compute/v2.1${LIST}`,
        query: '',
        status: 200,
        microversion: '2.1',
        token: alice.slice(0, 8),
      },
    ]);
  });
});

describe('list fields by microversion', () => {
  const stop = {
    action: 'stop',
    instance_uuid: SERVER,
    request_id: STOP,
    user_id: ALICE_ID,
    project_id: TEAM_A,
    start_time: '2026-11-25T10:00:00.123456',
    message: null,
  };
  const resize = {
    ...stop,
    action: 'resize',
    request_id: RESIZE,
    start_time: '2026-11-25T11:00:00.000001',
    message: 'Error',
  };

  it('2.1: seven fields in Nova order, newest first, no links', async () => {
    const r = await h.nova(LIST, alice, '2.57');
    expect(r.json).toEqual({ instanceActions: [resize, stop] });
    expect(Object.keys(r.json.instanceActions[0])).toEqual([
      'action',
      'instance_uuid',
      'request_id',
      'user_id',
      'project_id',
      'start_time',
      'message',
    ]);
    expect((await h.nova(LIST, alice)).json).toEqual({ instanceActions: [resize, stop] });
  });

  it('2.58: adds updated_at, the latest event start or finish', async () => {
    const r = await h.nova(LIST, alice, '2.58');
    expect(r.json).toEqual({
      instanceActions: [
        { ...resize, updated_at: '2026-11-25T11:00:01.000000' },
        { ...stop, updated_at: '2026-11-25T10:00:04.250001' },
      ],
    });
  });
});

describe('show fields by microversion and role', () => {
  const action = (updatedAt?: string): Record<string, unknown> => ({
    action: 'resize',
    instance_uuid: SERVER,
    request_id: RESIZE,
    user_id: ALICE_ID,
    project_id: TEAM_A,
    start_time: '2026-11-25T11:00:00.000001',
    message: 'Error',
    ...(updatedAt === undefined ? {} : { updated_at: updatedAt }),
  });
  const migrate = {
    event: 'conductor_migrate_server',
    start_time: '2026-11-25T11:00:00.200000',
    finish_time: '2026-11-25T11:00:00.900000',
    result: 'Error',
  };
  const cold = {
    event: 'cold_migrate',
    start_time: '2026-11-25T11:00:00.100000',
    finish_time: '2026-11-25T11:00:01.000000',
    result: 'Error',
  };
  const show = (token: string, v: string): Promise<CallResult> => h.nova(`${LIST}/${RESIZE}`, token, v);
  const UPDATED = '2026-11-25T11:00:01.000000';

  it('2.1-2.50: no events for the owner, events with traceback for an admin', async () => {
    expect((await show(alice, '2.50')).json).toEqual({ instanceAction: action() });
    expect((await show(root, '2.1')).json).toEqual({
      instanceAction: {
        ...action(),
        events: [
          { ...migrate, traceback: 'TB2' },
          { ...cold, traceback: 'TB' },
        ],
      },
    });
  });

  it('2.51: events for the owner too, without traceback', async () => {
    const r = await show(alice, '2.51');
    expect(r.json).toEqual({ instanceAction: { ...action(), events: [migrate, cold] } });
    expect(Object.keys(r.json.instanceAction.events[0])).toEqual(['event', 'start_time', 'finish_time', 'result']);
  });

  it('2.58: updated_at on the action', async () => {
    expect((await show(alice, '2.58')).json).toEqual({
      instanceAction: { ...action(UPDATED), events: [migrate, cold] },
    });
  });

  it("2.62: hostId for everyone (sha224 of project id + host, '' without host), host for admins", async () => {
    expect((await show(alice, '2.62')).json.instanceAction.events).toEqual([
      { ...migrate, hostId: '' },
      { ...cold, hostId: HOST_ID },
    ]);
    expect((await show(root, '2.62')).json.instanceAction.events).toEqual([
      { ...migrate, traceback: 'TB2', host: null, hostId: '' },
      { ...cold, traceback: 'TB', host: 'node-7', hostId: HOST_ID },
    ]);
  });

  it('2.84: details for admins (the default events:details policy); owners see the 2.62 fields', async () => {
    expect((await show(alice, '2.84')).json).toEqual({
      instanceAction: {
        ...action(UPDATED),
        events: [
          { ...migrate, hostId: '' },
          { ...cold, hostId: HOST_ID },
        ],
      },
    });
    const r = await show(root, '2.84');
    expect(r.json).toEqual({
      instanceAction: {
        ...action(UPDATED),
        events: [
          { ...migrate, traceback: 'TB2', host: null, hostId: '', details: null },
          { ...cold, traceback: 'TB', host: 'node-7', hostId: HOST_ID, details: 'No valid host' },
        ],
      },
    });
    expect(Object.keys(r.json.instanceAction.events[1])).toEqual([
      'event',
      'start_time',
      'finish_time',
      'result',
      'traceback',
      'host',
      'hostId',
      'details',
    ]);
  });

  it('2.83: no details even for admins', async () => {
    expect((await show(root, '2.83')).json.instanceAction.events[1]).toEqual({
      ...cold,
      traceback: 'TB',
      host: 'node-7',
      hostId: HOST_ID,
    });
  });
});

describe('the version document', () => {
  it('is served at /compute/v2.1 and /compute/v2.1/ without a token', async () => {
    for (const path of ['/compute/v2.1', '/compute/v2.1/']) {
      const r = await h.call('GET', path);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({
        version: {
          id: 'v2.1',
          status: 'CURRENT',
          version: '2.96',
          min_version: '2.1',
          updated: '2013-07-23T11:33:21Z',
          links: [
            { rel: 'self', href: `${h.emulator.computeUrl}/` },
            { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
          ],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      });
    }
  });
});

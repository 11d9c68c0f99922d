// os-instance-actions against the seed and against data added through the store: order, paging, time
// filters, query validation, visibility (project, admin, deleted, locked), routing and errors.
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import {
  NO_VALID_HOST,
  projectIdFor,
  SEED_BUSY_ACTION_COUNT,
  SEED_BUSY_SERVER_ID,
  SEED_CREATE_REQUEST_ID,
  SEED_DELETED_SERVER_ID,
  SEED_FOREIGN_SERVER_ID,
  SEED_LOCK_REQUEST_ID,
  SEED_LOCKED_SERVER_ID,
  SEED_REBOOT_REQUEST_ID,
  SEED_RESIZE_REQUEST_ID,
  SEED_RUNNING_REQUEST_ID,
  SEED_SERVER_ID,
  SEED_TRACEBACK,
  seedRequestId,
  startComputeEmulator,
  userIdFor,
} from '../../../src/emulators/compute';
import { DAY, HOUR, NOW, ROOT, startHarness, type CallResult, type Harness } from './helpers';

const TEAM_A = projectIdFor('team-a');
const ALICE_ID = userIdFor('alice');
const list = (server: string, query = ''): string => `/servers/${server}/os-instance-actions${query}`;
/** Epoch ms of a naive Nova time string. */
const ms = (novaTime: string): number => Date.parse(`${novaTime}Z`);

type Item = Record<string, any>;

let h: Harness;
let alice: string;
let root: string;
beforeAll(async () => {
  h = await startHarness();
  alice = await h.login();
  root = await h.login(ROOT);
});
afterAll(() => h.close());

describe('the seeded example server (web-1)', () => {
  it('lists reboot then create, newest first, owned by the first user', async () => {
    const r = await h.nova(list(SEED_SERVER_ID), alice);
    expect(r.status).toBe(200);
    const items: Item[] = r.json.instanceActions;
    expect(items.map((a) => [a.action, a.request_id])).toEqual([
      ['reboot', SEED_REBOOT_REQUEST_ID],
      ['create', SEED_CREATE_REQUEST_ID],
    ]);
    for (const a of items) {
      expect(a).toMatchObject({ instance_uuid: SEED_SERVER_ID, project_id: TEAM_A, user_id: ALICE_ID, message: null });
      expect(a.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    }
    // Created 3 days ago and rebooted 1 day ago, within the second.
    expect(ms(items[1]!.start_time) - (NOW - 3 * DAY)).toBeGreaterThanOrEqual(0);
    expect(ms(items[1]!.start_time) - (NOW - 3 * DAY)).toBeLessThan(1000);
    expect(ms(items[0]!.start_time) - (NOW - DAY)).toBeGreaterThanOrEqual(0);
    expect(ms(items[0]!.start_time) - (NOW - DAY)).toBeLessThan(1000);
    expect(SEED_CREATE_REQUEST_ID).toMatch(/^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The README's documented reboot id, written out, is the one the derivation gives (so it never moved).
    expect(SEED_REBOOT_REQUEST_ID).toBe('req-bd8c673d-0ce1-408d-8a58-51dac9c8fbf2');
    expect(seedRequestId('web-1', 1)).toBe(SEED_REBOOT_REQUEST_ID);
  });

  it(
    'shows the create with compute__do_build_and_run_instance, ' + 'and the reboot with schedule and compute_create',
    async () => {
      const create = await h.nova(`${list(SEED_SERVER_ID)}/${SEED_CREATE_REQUEST_ID}`, alice, '2.51');
      expect(create.json.instanceAction.events.map((e: Item) => [e.event, e.result])).toEqual([
        ['compute__do_build_and_run_instance', 'Success'],
      ]);
      const reboot = await h.nova(`${list(SEED_SERVER_ID)}/${SEED_REBOOT_REQUEST_ID}`, alice, '2.58');
      const events: Item[] = reboot.json.instanceAction.events;
      expect(events.map((e) => [e.event, e.result])).toEqual([
        ['compute_create', 'Success'],
        ['schedule', 'Success'],
      ]);
      expect(reboot.json.instanceAction.updated_at).toBe(events[0]!.finish_time);
      for (const e of events) expect(ms(e.finish_time)).toBeGreaterThan(ms(e.start_time));
    },
  );
});

describe('the busy seeded server (batch-1)', () => {
  it('has 25 actions: create, 19 reboots, stop, start, resize, lock, reboot', async () => {
    const r = await h.nova(list(SEED_BUSY_SERVER_ID), alice);
    const items: Item[] = r.json.instanceActions;
    expect(items).toHaveLength(SEED_BUSY_ACTION_COUNT);
    expect(items.map((a) => a.action)).toEqual([
      'reboot',
      'lock',
      'resize',
      'start',
      'stop',
      ...Array(19).fill('reboot'),
      'create',
    ]);
    const starts = items.map((a) => ms(a.start_time));
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    expect(new Set(items.map((a) => a.request_id)).size).toBe(25);
    expect(items[2]).toMatchObject({ request_id: SEED_RESIZE_REQUEST_ID, message: 'Error' });
    expect(r.json.links).toBeUndefined();
  });

  it('shows the failed resize to an admin with traceback, host, hostId and details', async () => {
    const r = await h.nova(`${list(SEED_BUSY_SERVER_ID)}/${SEED_RESIZE_REQUEST_ID}`, root, '2.84');
    expect(r.status).toBe(200);
    const hostId = createHash('sha224').update(`${TEAM_A}compute-02`).digest('hex');
    expect(r.json.instanceAction.events.map((e: Item) => ({ ...e, start_time: 0, finish_time: 0 }))).toEqual(
      ['conductor_migrate_server', 'cold_migrate'].map((event) => ({
        event,
        start_time: 0,
        finish_time: 0,
        result: 'Error',
        traceback: SEED_TRACEBACK,
        host: 'compute-02',
        hostId,
        details: NO_VALID_HOST,
      })),
    );
    expect(SEED_TRACEBACK).toContain(`nova.exception.NoValidHost: ${NO_VALID_HOST}`);
  });

  it('has a lock without events (updated_at null) and a reboot still running', async () => {
    const lock = await h.nova(`${list(SEED_BUSY_SERVER_ID)}/${SEED_LOCK_REQUEST_ID}`, alice, '2.58');
    expect(lock.json.instanceAction).toMatchObject({ action: 'lock', message: null, updated_at: null, events: [] });
    const running = await h.nova(`${list(SEED_BUSY_SERVER_ID)}/${SEED_RUNNING_REQUEST_ID}`, alice, '2.58');
    const event = running.json.instanceAction.events[0];
    expect(event).toMatchObject({ event: 'compute_reboot_instance', finish_time: null, result: null });
    expect(running.json.instanceAction.updated_at).toBe(event.start_time);
  });
});

describe('paging with limit and marker (2.58+)', () => {
  let all: Item[];
  beforeAll(async () => {
    all = (await h.nova(list(SEED_BUSY_SERVER_ID), alice, '2.58')).json.instanceActions;
  });
  const href = (query: string): string => `${h.emulator.computeUrl}${list(SEED_BUSY_SERVER_ID)}?${query}`;

  it('walks 10 + 10 + 5 through next links, ending without a link', async () => {
    let r = await h.nova(list(SEED_BUSY_SERVER_ID, '?limit=10'), alice, '2.58');
    expect(r.json.instanceActions).toEqual(all.slice(0, 10));
    expect(r.json.links).toEqual([{ rel: 'next', href: href(`limit=10&marker=${all[9]!.request_id}`) }]);
    r = await h.nova(r.json.links[0].href.slice(h.emulator.computeUrl.length), alice, '2.58');
    expect(r.json.instanceActions).toEqual(all.slice(10, 20));
    expect(r.json.links).toEqual([{ rel: 'next', href: href(`limit=10&marker=${all[19]!.request_id}`) }]);
    r = await h.nova(r.json.links[0].href.slice(h.emulator.computeUrl.length), alice, '2.58');
    expect(r.json.instanceActions).toEqual(all.slice(20));
    expect(r.json.links).toBeUndefined();
  });

  it('like Nova, links a full last page to an empty one', async () => {
    const r = await h.nova(list(SEED_BUSY_SERVER_ID, `?limit=5&marker=${all[19]!.request_id}`), alice, '2.58');
    expect(r.json.instanceActions).toEqual(all.slice(20));
    expect(r.json.links).toEqual([{ rel: 'next', href: href(`limit=5&marker=${all[24]!.request_id}`) }]);
    const after = await h.nova(list(SEED_BUSY_SERVER_ID, `?limit=5&marker=${all[24]!.request_id}`), alice, '2.58');
    expect(after.json).toEqual({ instanceActions: [] });
  });

  it('answers limit=0 with nothing and no link, and caps a huge limit at max_limit', async () => {
    expect((await h.nova(list(SEED_BUSY_SERVER_ID, '?limit=0'), alice, '2.58')).json).toEqual({ instanceActions: [] });
    const big = await h.nova(list(SEED_BUSY_SERVER_ID, '?limit=99999999999999999999'), alice, '2.58');
    expect(big.json).toEqual({ instanceActions: all });
  });

  it('pages at max_limit (1000) without a limit, linking with the marker only', async () => {
    const id = 'bbbbbbbb-0000-4000-8000-000000001001';
    h.emulator.store.addServer({ id, projectId: TEAM_A });
    for (let i = 0; i < 1001; i += 1)
      h.emulator.store.addAction(id, { action: 'reboot', startTime: NOW - (1001 - i) * 1000 });
    const r = await h.nova(list(id), alice, '2.58');
    expect(r.json.instanceActions).toHaveLength(1000);
    const last = r.json.instanceActions[999].request_id;
    expect(r.json.links).toEqual([{ rel: 'next', href: `${h.emulator.computeUrl}${list(id)}?marker=${last}` }]);
    const rest = await h.nova(list(id, `?marker=${last}`), alice, '2.58');
    expect(rest.json.instanceActions).toHaveLength(1);
    expect(rest.json.links).toBeUndefined();
    const below = await h.nova(list(id), alice, '2.57');
    expect(below.json.instanceActions).toHaveLength(1001);
    h.emulator.store.removeServer(id);
  });

  it('ignores paging parameters below 2.58', async () => {
    const r = await h.nova(list(SEED_BUSY_SERVER_ID, '?limit=2&marker=nope&foo=bar'), alice, '2.57');
    expect(r.status).toBe(200);
    expect(r.json.instanceActions).toHaveLength(25);
    expect(r.json.links).toBeUndefined();
  });

  it('answers 400 for a marker that is not an action of this server', async () => {
    for (const marker of ['req-nope', SEED_CREATE_REQUEST_ID]) {
      const r = await h.nova(list(SEED_BUSY_SERVER_ID, `?marker=${marker}`), alice, '2.58');
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ badRequest: { code: 400, message: `Marker ${marker} could not be found.` } });
    }
  });
});

describe('query validation (2.58+)', () => {
  const bad = async (query: string, message: string, version = '2.58', server = SEED_BUSY_SERVER_ID): Promise<void> => {
    const r = await h.nova(list(server, query), alice, version);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ badRequest: { code: 400, message } });
  };

  it('rejects unknown parameters, before looking the server up', async () => {
    await bad('?foo=1', "Additional properties are not allowed ('foo' was unexpected)");
    await bad('?limit=1&foo=1&bar=2', "Additional properties are not allowed ('foo', 'bar' were unexpected)");
    await bad(
      '?changes-before=2026-11-25T00:00:00Z',
      "Additional properties are not allowed ('changes-before' was unexpected)",
      '2.65',
    );
    await bad('?foo=1', "Additional properties are not allowed ('foo' was unexpected)", '2.58', 'no-such-server');
  });

  it('rejects a limit that is not a non-negative integer, and repeated parameters', async () => {
    await bad('?limit=abc', "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'");
    await bad('?limit=-1', "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'");
    await bad('?limit=', "Invalid input for query parameters limit. Value: . '' is too short");
    await bad(
      '?limit=1&limit=2',
      "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long",
    );
  });

  it('rejects malformed times, including an unencoded + (it arrives as a space)', async () => {
    await bad(
      '?changes-since=yesterday',
      "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'",
    );
    await bad(
      '?changes-since=2026-02-30T00:00:00Z',
      'Invalid input for query parameters changes-since. Value: 2026-02-30T00:00:00Z. ' +
        "'2026-02-30T00:00:00Z' is not a 'date-time'",
    );
    await bad(
      '?changes-since=2026-11-25T10:00:00+09:00',
      'Invalid input for query parameters changes-since. Value: 2026-11-25T10:00:00 09:00. ' +
        "'2026-11-25T10:00:00 09:00' is not a 'date-time'",
    );
    await bad(
      '?changes-before=2026-13-01',
      "Invalid input for query parameters changes-before. Value: 2026-13-01. '2026-13-01' is not a 'date-time'",
      '2.66',
    );
  });
});

describe('changes-since and changes-before', () => {
  const id = 'cccccccc-0000-4000-8000-000000000002';
  const at = (time: string): { event: string; startTime: string; finishTime: string; result: string }[] => [
    { event: 'e', startTime: time, finishTime: time, result: 'Success' },
  ];
  beforeAll(() => {
    h.emulator.store.addServer({ id, projectId: TEAM_A });
    // Updated at 10:00, 11:00:01.5, never (no events), 11:30; started in that order.
    h.emulator.store.addAction(id, {
      action: 'a',
      requestId: 'req-a',
      startTime: '2026-11-25T09:00:00',
      events: at('2026-11-25T10:00:00'),
    });
    h.emulator.store.addAction(id, {
      action: 'b',
      requestId: 'req-b',
      startTime: '2026-11-25T09:10:00',
      events: at('2026-11-25T11:00:01.5'),
    });
    h.emulator.store.addAction(id, { action: 'c', requestId: 'req-c', startTime: '2026-11-25T09:20:00' });
    h.emulator.store.addAction(id, {
      action: 'd',
      requestId: 'req-d',
      startTime: '2026-11-25T09:30:00',
      events: at('2026-11-25T11:30:00'),
    });
  });
  const names = async (query: string, version = '2.66'): Promise<string[]> => {
    const r = await h.nova(list(id, query), alice, version);
    expect(r.status).toBe(200);
    return r.json.instanceActions.map((a: Item) => a.action);
  };

  it('filters on updated_at inclusively; an action never updated matches no filter', async () => {
    expect(await names('')).toEqual(['d', 'c', 'b', 'a']);
    expect(await names('?changes-since=2026-11-25T11:00:00Z', '2.58')).toEqual(['d', 'b']);
    expect(await names('?changes-since=2026-11-25T11:00:01.500000')).toEqual(['d', 'b']);
    expect(await names('?changes-since=2026-11-25T11:00:01.500001')).toEqual(['d']);
    expect(await names('?changes-before=2026-11-25T11:00:01.5Z')).toEqual(['b', 'a']);
    expect(await names('?changes-since=2026-11-25T10:00:00&changes-before=2026-11-25T11:00:00')).toEqual(['a']);
    expect(await names('?changes-since=2026-11-25')).toEqual(['d', 'b', 'a']);
  });

  it('reads a zone offset (UTC when none)', async () => {
    expect(await names('?changes-since=2026-11-25T20:00:00%2B09:00')).toEqual(['d', 'b']);
    expect(await names('?changes-since=2026-11-25T06:15:00-0500')).toEqual(['d']);
  });

  it('answers 400 when changes-since is after changes-before', async () => {
    const r = await h.nova(
      list(id, '?changes-since=2026-11-25T12:00:00Z&changes-before=2026-11-25T11:00:00Z'),
      alice,
      '2.66',
    );
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      badRequest: { code: 400, message: 'The value of changes-since must be less than or equal to changes-before.' },
    });
  });

  it('pages within the filter, carrying every parameter in the next link (sorted, form-encoded)', async () => {
    const r = await h.nova(list(id, '?limit=1&changes-since=2026-11-25T10:00:00Z'), alice, '2.66');
    expect(r.json.instanceActions.map((a: Item) => a.action)).toEqual(['d']);
    expect(r.json.links).toEqual([
      {
        rel: 'next',
        href: `${h.emulator.computeUrl}${list(id)}?changes-since=2026-11-25T10%3A00%3A00Z&limit=1&marker=req-d`,
      },
    ]);
    const next = await h.nova(r.json.links[0].href.slice(h.emulator.computeUrl.length), alice, '2.66');
    expect(next.json.instanceActions.map((a: Item) => a.action)).toEqual(['b']);
  });
});

describe('visibility and errors', () => {
  it('answers 404 itemNotFound for an unknown server and an unknown action', async () => {
    const server = await h.nova(list('00000000-0000-4000-8000-000000000000'), alice, '2.58');
    expect(server.status).toBe(404);
    expect(server.json).toEqual({
      itemNotFound: { code: 404, message: 'Instance 00000000-0000-4000-8000-000000000000 could not be found.' },
    });
    const action = await h.nova(`${list(SEED_SERVER_ID)}/req-nope`, alice);
    expect(action.status).toBe(404);
    expect(action.json).toEqual({ itemNotFound: { code: 404, message: 'Action req-nope not found' } });
    const otherServers = await h.nova(`${list(SEED_BUSY_SERVER_ID)}/${SEED_CREATE_REQUEST_ID}`, alice);
    expect(otherServers.json).toEqual({
      itemNotFound: { code: 404, message: `Action ${SEED_CREATE_REQUEST_ID} not found` },
    });
  });

  it("hides another project's server from a non-admin (404) and shows it to an admin", async () => {
    const hidden = await h.nova(list(SEED_FOREIGN_SERVER_ID), alice);
    expect(hidden.status).toBe(404);
    expect(hidden.json.itemNotFound.message).toBe(`Instance ${SEED_FOREIGN_SERVER_ID} could not be found.`);
    const bob = await h.nova(
      list(SEED_SERVER_ID),
      await h.login({ name: 'bob', password: 'bob-pw', project: 'team-b', domain: 'Partners' }),
    );
    expect(bob.status).toBe(404);
    const admin = await h.nova(list(SEED_FOREIGN_SERVER_ID), root);
    expect(admin.status).toBe(200);
    expect(admin.json.instanceActions.map((a: Item) => a.action)).toEqual(['create']);
  });

  it('answers 403 forbidden for the locked server, naming the list or show policy', async () => {
    const l = await h.nova(list(SEED_LOCKED_SERVER_ID), alice, '2.58');
    expect(l.status).toBe(403);
    expect(l.json).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-instance-actions:list to be performed.",
      },
    });
    expect(l.headers['openstack-api-version']).toBe('compute 2.58');
    const s = await h.nova(`${list(SEED_LOCKED_SERVER_ID)}/req-anything`, alice);
    expect(s.status).toBe(403);
    expect(s.json).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-instance-actions:show to be performed.",
      },
    });
  });

  it('reads a deleted server only from 2.21', async () => {
    expect((await h.nova(list(SEED_DELETED_SERVER_ID), alice, '2.20')).status).toBe(404);
    const r = await h.nova(list(SEED_DELETED_SERVER_ID), alice, '2.21');
    expect(r.status).toBe(200);
    expect(r.json.instanceActions.map((a: Item) => a.action)).toEqual(['delete', 'create']);
  });

  it('decodes percent-encoded path segments', async () => {
    const enc = (s: string): string => s.replace(/-/g, '%2D');
    const r = await h.call(
      'GET',
      `/compute/v2.1/servers/${enc(SEED_SERVER_ID)}/os-instance-actions/${enc(SEED_CREATE_REQUEST_ID)}`,
      {
        headers: { 'x-auth-token': alice },
      },
    );
    expect(r.status).toBe(200);
    expect(r.json.instanceAction.request_id).toBe(SEED_CREATE_REQUEST_ID);
  });

  it("accepts the legacy /v2.1/{project_id}/ form, and 400s a project id that is not the token's", async () => {
    const r = await h.nova(`/${TEAM_A}${list(SEED_BUSY_SERVER_ID, '?limit=1')}`, alice, '2.58');
    expect(r.status).toBe(200);
    expect(r.json.links[0].href).toBe(
      `${h.emulator.computeUrl}/${TEAM_A}${list(SEED_BUSY_SERVER_ID)}` +
        `?limit=1&marker=${r.json.instanceActions[0].request_id}`,
    );
    const other = projectIdFor('ops');
    const bad = await h.nova(`/${other}${list(SEED_SERVER_ID)}`, alice);
    expect(bad.status).toBe(400);
    expect(bad.json.badRequest.message).toBe(
      `Malformed request URL: URL's project_id '${other}' doesn't match Context's project_id '${TEAM_A}'`,
    );
  });

  it('answers 404 for unknown routes (after the token check) and 405 badMethod for other methods', async () => {
    for (const path of [
      '/servers',
      `/servers/${SEED_SERVER_ID}/other`,
      `${list(SEED_SERVER_ID)}/`,
      `${list(SEED_SERVER_ID)}/a/b`,
    ]) {
      const r = await h.nova(path, alice);
      expect([path, r.status, r.json]).toEqual([
        path,
        404,
        { itemNotFound: { code: 404, message: 'The resource could not be found.' } },
      ]);
    }
    expect((await h.call('GET', '/compute/v2.1/servers')).status).toBe(401);
    expect((await h.call('GET', '/')).status).toBe(404);
    const post = await h.call('POST', `/compute/v2.1${list(SEED_SERVER_ID)}`, {
      headers: { 'x-auth-token': alice },
      body: {},
    });
    expect(post.status).toBe(405);
    expect(post.json).toEqual({
      badMethod: { code: 405, message: 'The method POST is not allowed for this resource.' },
    });
    expect(post.headers.allow).toBe('GET');
  });

  it('rejects query parameters on show from 2.102, when the emulator goes that high', async () => {
    const high = await startHarness({ maxMicroversion: '2.102' });
    try {
      const token = await high.login();
      const path = `${list(SEED_SERVER_ID)}/${SEED_CREATE_REQUEST_ID}?x=1`;
      expect((await high.nova(path, token, '2.101')).status).toBe(200);
      const r = await high.nova(path, token, '2.102');
      expect(r.status).toBe(400);
      expect(r.json.badRequest.message).toBe("Additional properties are not allowed ('x' was unexpected)");
    } finally {
      await high.close();
    }
  });
});

describe('the store', () => {
  const id = 'dddddddd-0000-4000-8000-000000000003';

  it('derives message and updated_at from events, and lets both be pinned', async () => {
    const { store } = h.emulator;
    store.addServer({ id, projectId: TEAM_A, host: 'h1' });
    store.addAction(id, {
      action: 'migrate',
      requestId: 'req-m',
      startTime: NOW - HOUR,
      events: [{ event: 'compute_migrate', startTime: NOW - HOUR + 1000 }],
    });
    store.addAction(id, {
      action: 'pause',
      requestId: 'req-p',
      startTime: NOW - 2 * HOUR,
      message: 'custom',
      updatedAt: NOW - 90 * 60 * 1000,
    });
    const get = async (): Promise<Item[]> => (await h.nova(list(id), alice, '2.58')).json.instanceActions;
    expect((await get()).map((a) => [a.request_id, a.message, a.updated_at])).toEqual([
      ['req-m', null, '2026-11-25T11:00:01.000000'],
      ['req-p', 'custom', '2026-11-25T10:30:00.000000'],
    ]);
    store.finishEvent(id, 'req-m', 'compute_migrate', {
      finishTime: NOW - HOUR + 5000,
      result: 'Error',
      details: 'boom',
    });
    expect((await get())[0]).toMatchObject({ message: 'Error', updated_at: '2026-11-25T11:00:05.000000' });
    expect(() => store.addAction(id, { action: 'x', requestId: 'req-m', startTime: NOW })).toThrow('already exists');
    expect(() => store.addAction('nope', { action: 'x', startTime: NOW })).toThrow('no server nope');
    store.updateServer(id, { locked: true });
    expect((await h.nova(list(id), alice)).status).toBe(403);
    expect(store.removeServer(id)).toBe(true);
    expect((await h.nova(list(id), alice)).status).toBe(404);
  });

  it('gives an added action a fresh request id and the server owner by default', () => {
    const { store } = h.emulator;
    store.addServer({ id, projectId: 'p1', userId: 'u1' });
    const a = store.addAction(id, { action: 'reboot', startTime: new Date(NOW) });
    expect(a.requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    expect([a.projectId, a.userId, a.startTime]).toEqual(['p1', 'u1', NOW * 1000]);
    store.removeServer(id);
  });
});

describe('concurrency and lifecycle', () => {
  it('counts the peak of requests in flight', async () => {
    const slow = await startHarness({ latencyMs: 150 });
    try {
      const token = await slow.login();
      slow.emulator.resetRequests();
      expect(slow.emulator.peakInFlight).toBe(0);
      const started = Date.now();
      const results: CallResult[] = await Promise.all(
        Array.from({ length: 8 }, () => slow.nova(list(SEED_SERVER_ID), token)),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(slow.emulator.peakInFlight).toBe(8);
      expect(slow.emulator.requests).toHaveLength(8);
      slow.emulator.resetRequests();
      await slow.nova(list(SEED_SERVER_ID), token);
      expect(slow.emulator.peakInFlight).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('starts without seed data when seed is false', async () => {
    const bare = await startHarness({ seed: false });
    try {
      expect(bare.emulator.store.servers()).toEqual([]);
      expect((await bare.nova(list(SEED_SERVER_ID), await bare.login())).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('close() ends keep-alive connections and leaves no handle behind', async () => {
    // Listening sockets only: other tests' idle client sockets may come and go meanwhile.
    // libuv drops a closed handle in the close-callbacks phase, after setImmediate: wait two loop turns.
    const servers = async (): Promise<number> => {
      for (let i = 0; i < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
      return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    };
    const before = await servers();
    const em = await startComputeEmulator({ users: [{ name: 'u', password: 'p', project: 'p' }] });
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const probe = new Agent();
    try {
      const disconnected = new Promise<void>((resolve) => agent.once('disconnect', () => resolve()));
      const res = await request(`${em.url}/compute/v2.1`, { dispatcher: agent });
      await res.body.text();
      expect(await servers()).toBe(before + 1);
      await em.close();
      await em.close(); // idempotent
      await disconnected; // the server, not the client, ended the idle keep-alive socket
      expect(await servers()).toBe(before);
      await expect(request(`${em.url}/compute/v2.1`, { dispatcher: probe })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await em.close();
      await agent.close();
      await probe.close();
    }
  });
});

describe('GET /servers/{id}', () => {
  it('shows a server with its name and status', async () => {
    const r = await h.nova(`/servers/${SEED_BUSY_SERVER_ID}`, alice);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      server: { id: SEED_BUSY_SERVER_ID, name: 'batch-1', status: 'REBOOT', tenant_id: TEAM_A, user_id: ALICE_ID },
    });
  });

  it('answers 404 for deleted, foreign (to non-admins) and unknown servers', async () => {
    for (const id of [SEED_DELETED_SERVER_ID, SEED_FOREIGN_SERVER_ID, 'no-such-server']) {
      const r = await h.nova(`/servers/${id}`, alice);
      expect([id, r.status, r.json]).toEqual([
        id,
        404,
        { itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } },
      ]);
    }
    expect((await h.nova(`/servers/${SEED_FOREIGN_SERVER_ID}`, root)).status).toBe(200);
  });
});

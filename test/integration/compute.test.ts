/** Compute instance actions through the gateway, over HTTP, against the Keystone + Nova emulator. */
import {
  SEED_BUSY_ACTION_COUNT,
  SEED_BUSY_SERVER_ID,
  SEED_CREATE_REQUEST_ID,
  SEED_DELETED_SERVER_ID,
  SEED_LOCKED_SERVER_ID,
  SEED_REBOOT_REQUEST_ID,
  SEED_RESIZE_REQUEST_ID,
  SEED_SERVER_ID,
  NO_VALID_HOST,
} from '../../src/emulators/compute';
import { TEST_OS_USER, useHarness, withHarness } from '../helpers/gateway';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('compute instance actions', () => {
  const h = useHarness();

  it('answers the canonical query: each action with its events', async () => {
    const res = await h.gql(
      `query($id: ID!) { server(id: $id) { id instanceActions { nodes { action events { event result } } } } }`,
      { id: SEED_SERVER_ID },
    );
    expect(res.body).toEqual({
      data: {
        server: {
          id: SEED_SERVER_ID,
          instanceActions: {
            nodes: [
              {
                action: 'reboot',
                events: [
                  { event: 'compute_create', result: 'Success' },
                  { event: 'schedule', result: 'Success' },
                ],
              },
              { action: 'create', events: [{ event: 'compute__do_build_and_run_instance', result: 'Success' }] },
            ],
          },
        },
      },
    });
  });

  it('costs one token, one list and one detail per action, each detail once', async () => {
    // A fresh gateway, so the token issue is counted too; latency makes overlapping calls visible
    // (500 ms: far longer than the gap between the two detail requests on a loaded machine).
    await withHarness({ compute: { latencyMs: 500 } }, async (fresh) => {
      await fresh.gql(
        `query($id: ID!) { server(id: $id) {
        instanceActions { nodes { requestId events { event } } }
        again: instanceActions { nodes { events { result } } }
        one: instanceAction(requestId: "${SEED_REBOOT_REQUEST_ID}") { action events { event } }
      } }`,
        { id: SEED_SERVER_ID },
      );
      const calls = fresh.computeCalls();
      expect(calls.sort()).toEqual(
        [
          `GET /compute/v2.1/servers/${SEED_SERVER_ID}/os-instance-actions/${SEED_CREATE_REQUEST_ID}`,
          `GET /compute/v2.1/servers/${SEED_SERVER_ID}/os-instance-actions/${SEED_REBOOT_REQUEST_ID}`,
          `GET /compute/v2.1/servers/${SEED_SERVER_ID}/os-instance-actions?limit=21`,
          'POST /identity/v3/auth/tokens',
        ].sort(),
      );
      // The two details run at the same time.
      expect(fresh.compute.peakInFlight).toBe(2);
    });
  });

  it('sends the configured microversion on every compute call', async () => {
    await h.gql(
      `{ server(id: "${SEED_SERVER_ID}") { instanceAction(requestId: "${SEED_CREATE_REQUEST_ID}") { action } } }`,
    );
    const nova = h.compute.requests.filter((r) => r.service === 'compute');
    expect(nova.length).toBe(2);
    for (const r of nova) expect(r.microversion).toBe('2.84');
  });

  it('reads every field of an action and its events, times in UTC', async () => {
    const res =
      await h.gql(`{ server(id: "${SEED_BUSY_SERVER_ID}") { instanceAction(requestId: "${SEED_RESIZE_REQUEST_ID}") {
      requestId action instanceUuid message projectId userId startedAt updatedAt
      events { event startedAt finishedAt result traceback host hostId details }
    } } }`);
    const action = res.body.data.server.instanceAction;
    expect(action).toEqual({
      requestId: SEED_RESIZE_REQUEST_ID,
      action: 'resize',
      instanceUuid: SEED_BUSY_SERVER_ID,
      message: 'Error',
      projectId: expect.stringMatching(/^[0-9a-f]{32}$/),
      userId: expect.stringMatching(/^[0-9a-f]{32}$/),
      startedAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      events: [
        {
          event: 'conductor_migrate_server',
          startedAt: expect.stringMatching(ISO),
          finishedAt: expect.stringMatching(ISO),
          result: 'Error',
          // Admin-only by Nova's default policy: this user is not an admin.
          traceback: null,
          host: null,
          hostId: expect.stringMatching(/^[0-9a-f]{56}$/),
          details: null,
        },
        expect.objectContaining({ event: 'cold_migrate', result: 'Error' }),
      ],
    });
    // Nova sends times without a zone; they are UTC, so the action started about 6 hours ago.
    const ago = Date.now() - Date.parse(action.startedAt);
    expect(ago).toBeGreaterThan(6 * 3600_000 - 5_000);
    expect(ago).toBeLessThan(6 * 3600_000 + 5_000);
  });

  it('pages with first/after, limit and marker, and reports hasNextPage and endCursor', async () => {
    const q = `query($after: String) { server(id: "${SEED_BUSY_SERVER_ID}") {
      instanceActions(first: 10, after: $after) { nodes { requestId action } pageInfo { hasNextPage endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    const pages: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const res: { body: { data?: any } } = await h.gql(q, after ? { after } : {});
      const conn: any = res.body.data.server.instanceActions;
      seen.push(...conn.nodes.map((n: { requestId: string }) => n.requestId));
      pages.push(conn.pageInfo.hasNextPage);
      expect(conn.pageInfo.endCursor).toBe(conn.nodes.at(-1)?.requestId ?? null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen).toHaveLength(SEED_BUSY_ACTION_COUNT);
    expect(new Set(seen).size).toBe(SEED_BUSY_ACTION_COUNT);
    // One call per page: the server's existence check is the page its instanceActions field reads.
    expect(h.computeCalls()).toEqual([
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}/os-instance-actions?limit=11`,
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}/os-instance-actions?limit=11&marker=${seen[9]}`,
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}/os-instance-actions?limit=11&marker=${seen[19]}`,
    ]);
  });

  it('filters with changesSince and changesBefore', async () => {
    const since = new Date(Date.now() - 12 * 3600_000).toISOString();
    const before = new Date(Date.now() - 3 * 3600_000).toISOString();
    const res = await h.gql(
      `query($since: DateTime, $before: DateTime) { server(id: "${SEED_BUSY_SERVER_ID}") {
      instanceActions(changesSince: $since, changesBefore: $before) { nodes { action } } } }`,
      { since, before },
    );
    expect(res.body.data.server.instanceActions.nodes).toEqual([{ action: 'resize' }]);
    const list = h.computeCalls().find((c) => c.includes('changes-since'));
    expect(list).toBe(
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}/os-instance-actions?limit=21` +
        `&changes-since=${encodeURIComponent(since)}&changes-before=${encodeURIComponent(before)}`,
    );
  });

  it('shows administrators the admin-only event fields', async () => {
    await withHarness({ compute: { users: [{ ...TEST_OS_USER, roles: ['admin', 'member'] }] } }, async (admin) => {
      const res = await admin.gql(`{ server(id: "${SEED_BUSY_SERVER_ID}") {
        instanceAction(requestId: "${SEED_RESIZE_REQUEST_ID}") { events { event traceback host details } } } }`);
      const [latest] = res.body.data.server.instanceAction.events;
      expect(latest).toEqual({
        event: 'conductor_migrate_server',
        traceback: expect.stringContaining(`nova.exception.NoValidHost: ${NO_VALID_HOST}`),
        host: 'compute-02',
        details: NO_VALID_HOST,
      });
    });
  });

  it('answers null without errors for an unknown server or request id', async () => {
    const res = await h.gql(`{
      nobody: server(id: "00000000-0000-0000-0000-000000000000") { id }
      web: server(id: "${SEED_SERVER_ID}") {
        instanceAction(requestId: "req-00000000-0000-0000-0000-000000000000") { action }
      }
    }`);
    expect(res.body).toEqual({ data: { nobody: null, web: { instanceAction: null } } });
  });

  it('reads the server name and status, once per server', async () => {
    const res = await h.gql(`{
      a: server(id: "${SEED_BUSY_SERVER_ID}") { id name status }
      b: server(id: "${SEED_BUSY_SERVER_ID}") { name }
    }`);
    expect(res.body.data).toEqual({
      a: { id: SEED_BUSY_SERVER_ID, name: 'batch-1', status: 'REBOOT' },
      b: { name: 'batch-1' },
    });
    expect(h.computeCalls()).toEqual([
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}/os-instance-actions?limit=21`,
      `GET /compute/v2.1/servers/${SEED_BUSY_SERVER_ID}`,
    ]);
  });

  it('still reads the actions of a deleted server, whose name and status are gone', async () => {
    const res = await h.gql(
      `{ server(id: "${SEED_DELETED_SERVER_ID}") { name status instanceActions { nodes { action } } } }`,
    );
    expect(res.body).toEqual({
      data: {
        server: { name: null, status: null, instanceActions: { nodes: [{ action: 'delete' }, { action: 'create' }] } },
      },
    });
  });

  it('maps 403 to FORBIDDEN and a bad marker (400) to BAD_USER_INPUT, keeping siblings', async () => {
    const res = await h.gql(`{
      locked: server(id: "${SEED_LOCKED_SERVER_ID}") { id }
      web: server(id: "${SEED_SERVER_ID}") { instanceActions(after: "req-not-there") { nodes { action } } }
      ok: server(id: "${SEED_SERVER_ID}") { id }
    }`);
    expect(res.body.data).toEqual({ locked: null, web: null, ok: { id: SEED_SERVER_ID } });
    expect(res.body.errors!.map((e) => [e.path, e.extensions?.code, e.extensions?.upstream])).toEqual([
      [['locked'], 'FORBIDDEN', { service: 'compute', status: 403, errorCode: 'forbidden' }],
      // The server's existence check reads the very page asked for, so the 400 surfaces there.
      [['web'], 'BAD_USER_INPUT', { service: 'compute', status: 400, errorCode: 'badRequest' }],
    ]);
    expect(res.body.errors![1]!.message).toBe(
      'The compute API rejected the request: Marker req-not-there could not be found.',
    );
  });

  it('rejects bad arguments before any call', async () => {
    const res = await h.gql(`{
      a: server(id: "../servers") { id }
      b: server(id: "${SEED_SERVER_ID}") { instanceActions(first: 0) { nodes { action } } }
      c: server(id: "${SEED_SERVER_ID}") { instanceActions(first: 101) { nodes { action } } }
      d: server(id: "${SEED_SERVER_ID}") { instanceAction(requestId: "a/b") { action } }
      e: server(id: "${SEED_SERVER_ID}") {
        instanceActions(changesSince: "2026-01-02T00:00:00Z", changesBefore: "2026-01-01T00:00:00Z") {
          nodes { action }
        }
      }
    }`);
    expect(res.body.errors!.map((e) => [e.path?.[0], e.extensions?.code, e.message]).sort()).toEqual([
      ['a', 'BAD_USER_INPUT', "Invalid server id: use letters, digits, '.', '_' or '-' (at most 255)."],
      ['b', 'BAD_USER_INPUT', 'first must be from 1 to 100.'],
      ['c', 'BAD_USER_INPUT', 'first must be from 1 to 100.'],
      ['d', 'BAD_USER_INPUT', "Invalid request id: use letters, digits, '.', '_' or '-' (at most 255)."],
      ['e', 'BAD_USER_INPUT', 'changesSince must not be after changesBefore.'],
    ]);
    // Only the existence checks of the valid server id (the default page, shared by b..e) reached Nova.
    expect(h.computeCalls()).toEqual([`GET /compute/v2.1/servers/${SEED_SERVER_ID}/os-instance-actions?limit=21`]);
  });
});

describe('compute authentication', () => {
  it('caches the token across operations and renews it once on a 401, shared by concurrent calls', async () => {
    await withHarness({}, async (h) => {
      const q = `{ server(id: "${SEED_BUSY_SERVER_ID}") { instanceActions(first: 5) { nodes { events { event } } } } }`;
      await h.gql(q);
      await h.gql(q);
      expect(h.compute.tokensIssued).toBe(1);

      h.compute.revokeAllTokens();
      h.resetCalls();
      const res = await h.gql(q);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.server.instanceActions.nodes).toHaveLength(5);
      expect(h.compute.tokensIssued).toBe(2);
      const statuses = h.compute.requests.map((r) => `${r.service} ${r.status}`);
      expect(statuses.filter((s) => s === 'identity 201')).toEqual(['identity 201']);
      expect(statuses[0]).toBe('compute 401');
    });
  });

  it('renews a token shortly before it expires', async () => {
    let now = Date.now();
    await withHarness({ compute: { tokenTtlMs: 10 * 60_000 }, now: () => now }, async (h) => {
      const q = `{ server(id: "${SEED_SERVER_ID}") { id } }`;
      await h.gql(q);
      now += 4 * 60_000;
      await h.gql(q);
      expect(h.compute.tokensIssued).toBe(1);
      // Within a minute of expiry: renewed before use, no 401.
      now += 5 * 60_000 + 30_000;
      h.resetCalls();
      await h.gql(q);
      expect(h.compute.tokensIssued).toBe(2);
      expect(h.compute.requests.map((r) => r.status)).toEqual([201, 200]);
    });
  });

  it('maps rejected OpenStack credentials to UPSTREAM_AUTH_FAILED without leaking them', async () => {
    await withHarness({ osPassword: 'wrong-password-xyz' }, async (h) => {
      const res = await h.gql(`{ server(id: "${SEED_SERVER_ID}") { id } }`);
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The identity service rejected the gateway's OpenStack credentials.",
        extensions: { code: 'UPSTREAM_AUTH_FAILED', upstream: { service: 'identity', status: 401 } },
      });
      const text = JSON.stringify(res) + h.logs.join('');
      expect(text).not.toContain('wrong-password-xyz');
      expect(text).not.toContain(h.compute.url);
    });
  });

  it('reports an unsupported microversion (406) as a configuration error', async () => {
    await withHarness({ env: { NOVA_MICROVERSION: '2.99' }, compute: { maxMicroversion: '2.96' } }, async (h) => {
      const res = await h.gql(`{ server(id: "${SEED_SERVER_ID}") { id } }`);
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'The compute API does not support microversion 2.99: set NOVA_MICROVERSION to a version it supports.',
        extensions: { code: 'UPSTREAM_CONFIGURATION', upstream: { service: 'compute', status: 406 } },
      });
    });
  });

  it('refuses filters the configured microversion cannot send', async () => {
    await withHarness({ env: { NOVA_MICROVERSION: '2.60' } }, async (h) => {
      const res = await h.gql(
        `{ server(id: "${SEED_SERVER_ID}") { instanceActions(changesBefore: "2026-01-01T00:00:00Z") ` +
          '{ nodes { action } } } }',
      );
      expect(res.body.errors?.[0]?.message).toBe(
        'changesBefore needs compute microversion 2.66 or later (NOVA_MICROVERSION).',
      );
    });
  });
});

// The functions console's reads (issue 15) over real HTTP against the emulator: Query.triggers/trigger,
// Trigger (every field, its actions and its firings), Query.activations (namespace-wide), Action.code
// (scope functions:code:read), Action.triggers batched into one trigger list plus one detail per trigger
// however many actions ask, and the scope checks of the new fields. The emulator's clock is pinned and
// moved by hand, so the seeded every-minute trigger fires exactly when a test calls cron.tick().
import { generateKey } from '../../src/auth/apikeys';
import { SEED_TRIGGER } from '../../src/emulators/cloudfunctions/seed';
import { apiKeyEnv } from '../helpers/apikeys';
import { useHarness } from '../helpers/gateway';

// Near the wall clock: the emulator checks each signature's timestamp against its own clock.
const T0 = Date.now();
let now = T0;

describe('console reads', () => {
  const h = useHarness({ emulator: { now: () => now } });

  beforeAll(async () => {
    // A second trigger, linked to two actions (one of them also on the seeded trigger), and one linked to none.
    h.emulator.store.putTrigger({ name: 'nightly', type: 'cron', cronOption: '0 3 * * *', platform: 'vpc' });
    h.emulator.store.linkAction('nightly', { packageName: 'package001', name: 'hello' });
    h.emulator.store.linkAction('nightly', { packageName: 'examples', name: 'echo' });
    h.emulator.store.putTrigger({ name: 'idle', type: 'cron', cronOption: '*/5 * * * *', platform: 'vpc' });
    // One firing of the seeded trigger (it runs package001/hello).
    now = T0 + 60_000;
    const firings = h.emulator.cron.tick();
    expect(firings.map((f) => f.trigger)).toEqual([SEED_TRIGGER]);
    await Promise.all(firings.flatMap((f) => f.runs.map((r) => r.done)));
  });

  it('lists the triggers (name and type from one call) and reads one in full', async () => {
    const list = await h.gql('{ triggers { name type } }');
    expect(list.body).toEqual({
      data: {
        triggers: [
          { name: SEED_TRIGGER, type: 'CRON' },
          { name: 'idle', type: 'CRON' },
          { name: 'nightly', type: 'CRON' },
        ],
      },
    });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/triggers?platform=vpc']);
    h.resetCalls();

    const one = await h.gql(`{
      trigger(name: "${SEED_TRIGGER}") {
        name type description parameters cron options resourceId
        actions { name package { name } }
        activations(pageSize: 5) { totalCount nodes { id name status durationMs action { name } logs } }
      }
    }`);
    expect(one.body.errors).toBeUndefined();
    const trigger = one.body.data.trigger;
    expect(trigger).toEqual({
      name: SEED_TRIGGER,
      type: 'CRON',
      description: 'Greets every minute (a cron trigger linked to package001/hello)',
      parameters: { name: 'the every-minute trigger' },
      cron: '* * * * *',
      options: { cron: '* * * * *' },
      resourceId: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
      actions: [{ name: 'hello', package: { name: 'package001' } }],
      activations: {
        totalCount: 1,
        nodes: [
          {
            id: expect.any(String),
            name: SEED_TRIGGER,
            status: 'SUCCESS',
            durationMs: 0,
            action: null,
            logs: [expect.stringContaining('"action":"ncf-emulator/package001/hello"')],
          },
        ],
      },
    });
    const id = trigger.activations.nodes[0].id;
    expect(h.upstreamCalls()).toEqual([
      `GET /ncf/api/v2/triggers/${SEED_TRIGGER}?platform=vpc`,
      `GET /ncf/api/v2/triggers/${SEED_TRIGGER}/activations?platform=vpc&pageNo=1&pageSize=5`,
      `GET /ncf/api/v2/triggers/${SEED_TRIGGER}/activations/${id}?platform=vpc`,
    ]);
  });

  it('answers null for a trigger that does not exist, BAD_USER_INPUT for a bad name with no call', async () => {
    expect((await h.gql('{ trigger(name: "nope") { name } }')).body).toEqual({ data: { trigger: null } });
    const bad = await h.gql('{ trigger(name: "-bad") { name } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/triggers/nope?platform=vpc']);
  });

  it('lists every run of the namespace, trigger firings and action runs alike, from one call', async () => {
    const res = await h.gql(
      '{ activations(pageSize: 100) { totalCount page pageSize nodes { id status action { name } } } }',
    );
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data.activations;
    const total = h.emulator.store.listActivations({ platform: 'vpc' }).length;
    expect(page.totalCount).toBe(total);
    expect(page.nodes).toHaveLength(Math.min(total, 100));
    // NCP's items name no action: the node's action is null (documented as such).
    expect(page.nodes.every((n: { action: unknown }) => n.action === null)).toBe(true);
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/activations?platform=vpc&pageNo=1&pageSize=100']);
    const bad = await h.gql('{ activations(pageSize: 101) { totalCount } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.upstreamCalls()).toHaveLength(1);
  });

  it("reads an action's code from its detail, shared with limits (one call)", async () => {
    const res = await h.gql(
      '{ action(package: "examples", name: "echo") { limits { memoryMb } ' +
        'code { kind main binary source components imageUri } } }',
    );
    expect(res.body.errors).toBeUndefined();
    const stored = h.emulator.store.getAction('examples', 'echo')!;
    expect(res.body.data.action.code).toEqual({
      kind: stored.exec.kind,
      main: 'main',
      binary: false,
      source: stored.exec.code,
      components: null,
      imageUri: null,
    });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/examples/actions/echo?platform=vpc']);
  });

  it("answers every action's triggers from one trigger list and one detail per trigger", async () => {
    const res = await h.gql(
      '{ p1: actions(package: "package001") { name triggers { name } } ' +
        'ex: actions(package: "examples") { name triggers { name } } }',
    );
    expect(res.body.errors).toBeUndefined();
    const byAction = new Map<string, string[]>();
    for (const [pkg, list] of [
      ['package001', res.body.data.p1],
      ['examples', res.body.data.ex],
    ]) {
      for (const a of list)
        byAction.set(
          `${pkg}/${a.name}`,
          a.triggers.map((t: { name: string }) => t.name),
        );
    }
    expect(byAction.get('package001/hello')).toEqual([SEED_TRIGGER, 'nightly']);
    expect(byAction.get('examples/echo')).toEqual(['nightly']);
    expect(byAction.get('examples/fail')).toEqual([]);
    const triggerCalls = h.upstreamCalls().filter((c) => c.includes('/triggers'));
    expect(triggerCalls.sort()).toEqual([
      'GET /ncf/api/v2/triggers/hello-every-minute?platform=vpc',
      'GET /ncf/api/v2/triggers/idle?platform=vpc',
      'GET /ncf/api/v2/triggers/nightly?platform=vpc',
      'GET /ncf/api/v2/triggers?platform=vpc',
    ]);
  });
});

describe('scopes of the console reads', () => {
  const reader = generateKey(['functions:read'], 'reader');
  const coder = generateKey(['functions:read', 'functions:code:read'], 'coder');
  const computeOnly = generateKey(['compute:read'], 'compute');
  const h = useHarness(() => ({
    env: apiKeyEnv([reader.stored, coder.stored, computeOnly.stored]),
    emulator: { now: () => T0 },
  }));

  it('refuses Action.code without functions:code:read, before any call for it, and answers it with', async () => {
    const query = '{ action(package: "examples", name: "echo") { name code { kind } } }';
    const refused = await h.gql(query, undefined, { authorization: `Bearer ${reader.key}` });
    expect(refused.body.data).toEqual({ action: { name: 'echo', code: null } });
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: 'This field needs the scope functions:code:read.',
        path: ['action', 'code'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    const allowed = await h.gql(query, undefined, { authorization: `Bearer ${coder.key}` });
    expect(allowed.body).toEqual({ data: { action: { name: 'echo', code: { kind: 'nodejs:16' } } } });
  });

  it('needs functions:read for triggers, trigger and activations: FORBIDDEN without it, and no call', async () => {
    for (const [field, selection] of [
      ['triggers', '{ name }'],
      ['trigger', '(name: "idle") { name }'],
      ['activations', '{ totalCount }'],
    ] as const) {
      const refused = await h.gql(`{ ${field}${selection} }`, undefined, {
        authorization: `Bearer ${computeOnly.key}`,
      });
      expect(refused.body.errors).toEqual([
        expect.objectContaining({
          message: 'This field needs the scope functions:read.',
          path: [field],
          extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
        }),
      ]);
      const allowed = await h.gql(`{ ${field}${selection} }`, undefined, { authorization: `Bearer ${reader.key}` });
      expect(allowed.body.errors).toBeUndefined();
    }
    expect(h.upstreamCalls()).toEqual([
      'GET /ncf/api/v2/triggers?platform=vpc',
      'GET /ncf/api/v2/triggers/idle?platform=vpc',
      'GET /ncf/api/v2/activations?platform=vpc&pageNo=1&pageSize=20',
    ]);
  });
});

// The functions console's trigger writes (issue 15) over real HTTP against the emulator, with the
// shared-read cache on: createTrigger (cron validated by croner before any call), updateTrigger (the type
// cannot change; the schedule kept), link and unlink, fireTrigger (its runs listed under the trigger and
// the action, reads after it see them), deleteTrigger; each mutation's exact upstream calls, conflict and
// not-found answers, and the scope functions:write.
import { generateKey } from '../../src/auth/apikeys';
import { apiKeyEnv, expectScopeRefusals, type ScopeCase } from '../helpers/apikeys';
import { useHarness, type Harness } from '../helpers/gateway';

const B = '/ncf/api/v2';
const CREATE = `mutation($input: CreateTriggerInput!) {
  createTrigger(input: $input) { name type description parameters cron actions { name } }
}`;
const UPDATE = `mutation($input: UpdateTriggerInput!) {
  updateTrigger(input: $input) { name type description parameters cron }
}`;
const LINK = `mutation($trigger: String!, $package: String, $action: String!) {
  linkTrigger(trigger: $trigger, package: $package, action: $action) { name actions { name package { name } } }
}`;
const UNLINK = `mutation($trigger: String!, $package: String, $action: String!) {
  unlinkTrigger(trigger: $trigger, package: $package, action: $action) { name actions { name } }
}`;
const FIRE = `mutation($name: String!, $params: JSON) {
  fireTrigger(name: $name, params: $params) { activationId trigger { name } }
}`;
const DELETE = 'mutation($name: String!) { deleteTrigger(name: $name) { name package platform } }';

function outcome(res: Awaited<ReturnType<Harness['gql']>>) {
  const error = res.body.errors?.[0];
  return error ? { code: error.extensions?.code, message: error.message } : { data: res.body.data };
}

describe('trigger writes', () => {
  const h = useHarness({ env: { GATEWAY_CACHE_TTL_MS: '60000' } });

  it('createTrigger: input checked first (no call), then 3 fresh reads and the write', async () => {
    const refusals: Array<[Record<string, unknown>, string]> = [
      [
        { name: 't1', type: 'CRON', cron: '* * * *' },
        'cron "* * * *" is not a 5-field crontab expression: ' +
          'it needs minute, hour, day of month, month and day of week.',
      ],
      [
        { name: 't1', type: 'CRON', cron: '61 * * * *' },
        'cron "61 * * * *" is not a 5-field crontab expression: ' + 'a field is out of range or malformed.',
      ],
      [
        { name: 't1', type: 'CRON', cron: '0 0 L * *' },
        'cron "0 0 L * *" is not a 5-field crontab expression: ' + 'the day of month field is not valid.',
      ],
      [
        { name: 't1', type: 'CRON', cron: '@daily' },
        'cron "@daily" is not a 5-field crontab expression: ' +
          'it needs minute, hour, day of month, month and day of week.',
      ],
      [{ name: 't1', type: 'CRON' }, 'cron is required for a CRON trigger.'],
      [{ name: 't1', type: 'API_GATEWAY' }, 'A trigger of type API_GATEWAY cannot be created through the API.'],
      [
        { name: 't1', type: 'CRON', cron: '* * * * *', secretManager: [{ secretName: 's' }] },
        'secretManager does not apply to a trigger of type CRON.',
      ],
      [
        { name: '-t1', type: 'CRON', cron: '* * * * *' },
        "Invalid trigger name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.",
      ],
      [
        { name: 't1', type: 'CRON', cron: '* * * * *', options: { description: 'x' } },
        'options may not set "description": it has an input of its own.',
      ],
    ];
    for (const [input, message] of refusals) {
      expect([input, outcome(await h.gql(CREATE, { input }))]).toEqual([input, { code: 'BAD_USER_INPUT', message }]);
    }
    expect(h.upstreamCalls()).toEqual([]);
    // Read (and cached) before the write.
    expect((await h.gql('{ triggers { name } }')).body.data.triggers).toEqual([{ name: 'hello-every-minute' }]);
    h.resetCalls();
    const created = await h.gql(CREATE, {
      input: { name: 't1', type: 'CRON', cron: '*/5 * * * *', description: 'five', parameters: { from: 'trigger' } },
    });
    expect(created.body).toEqual({
      data: {
        createTrigger: {
          name: 't1',
          type: 'CRON',
          description: 'five',
          parameters: { from: 'trigger' },
          cron: '*/5 * * * *',
          actions: [],
        },
      },
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/triggers/t1?platform=vpc`,
      `GET ${B}/packages/t1?platform=vpc`,
      `GET ${B}/packages/-/actions/t1?platform=vpc`,
      `PUT ${B}/triggers/t1?platform=vpc&type=cron`,
    ]);
    h.resetCalls();
    const names = (await h.gql('{ triggers { name } }')).body.data.triggers.map((t: { name: string }) => t.name);
    expect(names).toEqual(['hello-every-minute', 't1']);
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers?platform=vpc`]);
  });

  it('createTrigger never overwrites (CONFLICT); a package name is BAD_USER_INPUT', async () => {
    const again = await h.gql(CREATE, { input: { name: 't1', type: 'CRON', cron: '0 0 * * *' } });
    expect(outcome(again)).toEqual({
      code: 'CONFLICT',
      message: 'The trigger "t1" already exists on the vpc platform: create never replaces one (update it instead).',
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers/t1?platform=vpc`]);
    expect(h.emulator.store.getTrigger('t1')?.cronOption).toBe('*/5 * * * *');
    const taken = await h.gql(CREATE, { input: { name: 'package001', type: 'CRON', cron: '0 0 * * *' } });
    expect(outcome(taken).code).toBe('BAD_USER_INPUT');
  });

  it('updateTrigger never creates, keeps the schedule, refuses a type change: 2 calls', async () => {
    const missing = await h.gql(UPDATE, { input: { name: 'nope', description: 'x' } });
    expect(outcome(missing).code).toBe('NOT_FOUND');
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers/nope?platform=vpc`]);
    h.resetCalls();
    const type = await h.gql(UPDATE, { input: { name: 't1', type: 'GITHUB' } });
    expect(outcome(type)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'The trigger "t1" is of type CRON, not GITHUB: a type cannot change after creation.',
    });
    expect((await h.gql('{ trigger(name: "t1") { description } }')).body.data.trigger.description).toBe('five');
    h.resetCalls();
    const updated = await h.gql(UPDATE, { input: { name: 't1', description: 'still five', parameters: null } });
    expect(updated.body.data.updateTrigger).toEqual({
      name: 't1',
      type: 'CRON',
      description: 'still five',
      parameters: {},
      cron: '*/5 * * * *',
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/triggers/t1?platform=vpc`,
      `PUT ${B}/triggers/t1?platform=vpc&type=cron`,
    ]);
    h.resetCalls();
    expect((await h.gql('{ trigger(name: "t1") { description } }')).body.data.trigger.description).toBe('still five');
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers/t1?platform=vpc`]);
    // Cleared: the upstream keeps "", the schema answers null.
    const cleared = await h.gql(UPDATE, { input: { name: 't1', description: null } });
    expect(cleared.body.data.updateTrigger.description).toBeNull();
    const rescheduled = await h.gql(UPDATE, { input: { name: 't1', cron: '0 10 * * 1' } });
    expect(rescheduled.body.data.updateTrigger.cron).toBe('0 10 * * 1');
  });

  it('links an action (3 calls, CONFLICT when linked already), fires it, lists the runs, unlinks it', async () => {
    const noAction = await h.gql(LINK, { trigger: 't1', package: 'examples', action: 'ghost' });
    expect(outcome(noAction)).toEqual({
      code: 'NOT_FOUND',
      message: 'The action "examples/ghost" does not exist on the vpc platform.',
    });
    h.resetCalls();
    const linked = await h.gql(LINK, { trigger: 't1', package: 'examples', action: 'echo' });
    expect(linked.body).toEqual({
      data: { linkTrigger: { name: 't1', actions: [{ name: 'echo', package: { name: 'examples' } }] } },
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/triggers/t1?platform=vpc`,
      `GET ${B}/packages/examples/actions/echo?platform=vpc`,
      `POST ${B}/triggers/t1/link-action?platform=vpc`,
      `GET ${B}/triggers/t1?platform=vpc`,
    ]);
    const twice = await h.gql(LINK, { trigger: 't1', package: 'examples', action: 'echo' });
    expect(outcome(twice)).toEqual({
      code: 'CONFLICT',
      message: 'The action "examples/echo" is already linked to the trigger "t1".',
    });
    // Cached before the firing: the action's runs and the trigger's firings.
    const before = await h.gql(
      '{ action(package: "examples", name: "echo") { activations { totalCount } } ' +
        'trigger(name: "t1") { activations { totalCount } } }',
    );
    expect(before.body.data.trigger.activations.totalCount).toBe(0);
    const runsBefore: number = before.body.data.action.activations.totalCount;
    h.resetCalls();
    const fired = await h.gql(FIRE, { name: 't1', params: { n: 1 } });
    expect(fired.body.errors).toBeUndefined();
    expect(fired.body.data.fireTrigger.trigger).toEqual({ name: 't1' });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers/t1?platform=vpc`, `POST ${B}/triggers/t1?platform=vpc`]);
    // The run the firing started is written when it ends.
    const id: string = fired.body.data.fireTrigger.activationId;
    const logs = h.emulator.store.getActivation(id)?.logs ?? [];
    const runId = JSON.parse(logs[0]!).activationId as string;
    for (let i = 0; i < 100 && !h.emulator.store.getActivation(runId)?.end; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = await h.gql(
      '{ action(package: "examples", name: "echo") { activations { totalCount nodes { id result } } } ' +
        'trigger(name: "t1") { activations { totalCount nodes { id } } } }',
    );
    expect(after.body.data.trigger.activations).toEqual({ totalCount: 1, nodes: [{ id }] });
    expect(after.body.data.action.activations.totalCount).toBe(runsBefore + 1);
    expect(after.body.data.action.activations.nodes[0]).toEqual({ id: runId, result: { n: 1 } });
    h.resetCalls();
    const unlinked = await h.gql(UNLINK, { trigger: 't1', package: 'examples', action: 'echo' });
    expect(unlinked.body).toEqual({ data: { unlinkTrigger: { name: 't1', actions: [] } } });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/triggers/t1?platform=vpc`,
      `DELETE ${B}/triggers/t1/link-action?platform=vpc`,
      `GET ${B}/triggers/t1?platform=vpc`,
    ]);
    const notLinked = await h.gql(UNLINK, { trigger: 't1', package: 'examples', action: 'echo' });
    expect(outcome(notLinked)).toEqual({
      code: 'NOT_FOUND',
      message: 'The action "examples/echo" is not linked to the trigger "t1".',
    });
    h.resetCalls();
    const nothing = await h.gql(FIRE, { name: 't1' });
    expect(outcome(nothing)).toEqual({
      code: 'CONFLICT',
      message: 'The trigger "t1" has no linked action to run: link one first (linkTrigger).',
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/triggers/t1?platform=vpc`]);
    const badParams = await h.gql(FIRE, { name: 't1', params: [1] });
    expect(outcome(badParams)).toEqual({ code: 'BAD_USER_INPUT', message: 'params must be a JSON object.' });
  });

  it('creates a GitHub trigger (its link on creation), never shows the token, keeps it on update', async () => {
    const github = { username: 'me', accessToken: 'ghp_secret_0123', repository: 'org/repo', events: ['push', 'push'] };
    const noLink = await h.gql(CREATE, { input: { name: 'gh1', type: 'GITHUB', github } });
    expect(outcome(noLink)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'apiGateway is required for a GITHUB trigger (NCP takes its link on creation only).',
    });
    const badEvent = await h.gql(CREATE, {
      input: { name: 'gh1', type: 'GITHUB', github: { ...github, events: ['Push'] } },
    });
    expect(outcome(badEvent)).toEqual({ code: 'BAD_USER_INPUT', message: 'Invalid GitHub event "Push".' });
    expect(h.upstreamCalls()).toEqual([]);
    const apiGateway = { productName: 'prod', apiName: 'api', stageName: 'v1' };
    const created = await h.gql(
      'mutation($input: CreateTriggerInput!) { createTrigger(input: $input) { name type cron options } }',
      { input: { name: 'gh1', type: 'GITHUB', github, apiGateway } },
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createTrigger).toMatchObject({ name: 'gh1', type: 'GITHUB', cron: null });
    expect(created.body.data.createTrigger.options).toMatchObject({
      events: 'push',
      repository: 'org/repo',
      accessToken: '[redacted]',
    });
    expect(JSON.stringify(created.body)).not.toContain('ghp_secret_0123');
    const updated = await h.gql(UPDATE, { input: { name: 'gh1', description: 'webhook' } });
    expect(updated.body.data.updateTrigger).toMatchObject({ name: 'gh1', type: 'GITHUB', description: 'webhook' });
    expect(h.emulator.store.getTrigger('gh1')?.github).toMatchObject({
      accessToken: 'ghp_secret_0123',
      repository: 'org/repo',
      events: ['push'],
    });
    const cronOnGithub = await h.gql(UPDATE, { input: { name: 'gh1', cron: '* * * * *' } });
    expect(outcome(cronOnGithub)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'cron does not apply to a trigger of type GITHUB.',
    });
  });

  it('deleteTrigger: 1 call, NOT_FOUND when missing; a read after it sees it gone', async () => {
    expect((await h.gql('{ trigger(name: "t1") { name } }')).body.data.trigger).toEqual({ name: 't1' });
    h.resetCalls();
    const deleted = await h.gql(DELETE, { name: 't1' });
    expect(deleted.body).toEqual({ data: { deleteTrigger: { name: 't1', package: null, platform: 'VPC' } } });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/triggers/t1?platform=vpc`]);
    expect((await h.gql('{ trigger(name: "t1") { name } }')).body).toEqual({ data: { trigger: null } });
    const missing = await h.gql(DELETE, { name: 't1' });
    expect(outcome(missing)).toEqual({ code: 'NOT_FOUND', message: 'No trigger "t1" on the vpc platform.' });
  });
});

describe('functions:write on the trigger mutations', () => {
  const reader = generateKey(['functions:read', 'functions:invoke', 'functions:code:read', 'compute:read'], 'no-write');
  const h = useHarness(() => ({ env: apiKeyEnv([reader.stored]) }));

  it('FORBIDDEN and no upstream call without it', async () => {
    const link = { trigger: 'hello-every-minute', package: 'package001', action: 'hello' };
    const cases: ScopeCase[] = [
      ['createTrigger', CREATE, { input: { name: 'w1', type: 'CRON', cron: '* * * * *' } }],
      ['updateTrigger', UPDATE, { input: { name: 'hello-every-minute' } }],
      ['deleteTrigger', DELETE, { name: 'hello-every-minute' }],
      ['linkTrigger', LINK, link],
      ['unlinkTrigger', UNLINK, link],
      ['fireTrigger', FIRE, { name: 'hello-every-minute' }],
    ];
    await expectScopeRefusals(h, reader.key, 'functions:write', cases);
  });
});

// The trigger endpoints of a functions console (docs/upstream/triggers.md), over real HTTP with signed
// requests, on both path generations: PUT (upsert, type fixed, per-type bodies, v2.0's `trigger` wrapper),
// GET, list, DELETE, link and unlink, fire (80512 with no linked action, 80511 for a bad body), the
// trigger's activations and the namespace-wide list that includes them, and the 805xx/8052x codes.
import { startHarness, type Harness } from './helpers';

const T0 = Date.UTC(2026, 0, 5, 3, 0, 30); // a Monday, 12:00:30 KST
let t = T0;
let h: Harness;

const basic = (code = 'function main(p) { return p; }'): Record<string, unknown> => ({
  limits: { timeout: 3000, memory: 128 },
  exec: { kind: 'nodejs:22', code, main: 'main', binary: false },
});
const err = (status: number, errorCode: string, message: string, details: string) => ({
  status,
  json: { error: { errorCode, message, details } },
});
const pick = (r: { status: number; json: unknown }) => ({ status: r.status, json: r.json });

beforeAll(async () => {
  h = await startHarness({ seed: false, now: () => t });
  // One package per platform, each with an action that echoes its parameters.
  expect((await h.call('PUT', '/ncf/api/v2/packages/tp', { body: { parameters: { from: 'package' } } })).status).toBe(
    200,
  );
  expect((await h.call('PUT', '/ncf/api/v2/packages/tp/actions/echo', { body: basic() })).status).toBe(200);
  expect((await h.call('PUT', '/api/v2/packages/cp', { body: {} })).status).toBe(200);
  expect((await h.call('PUT', '/api/v2/packages/cp/actions/echo', { body: basic() })).status).toBe(200);
});
afterAll(() => h.close());

describe('PUT, GET, list and DELETE a trigger', () => {
  it('creates a cron trigger on v2.1 (flat body) and shows it with execOption as {key, value}[]', async () => {
    const put = await h.call('PUT', '/ncf/api/v2/triggers/tick?type=cron', {
      body: { description: 'every five minutes', parameters: { from: 'trigger' }, cronOption: '*/5  * * * *' },
    });
    const expected = {
      name: 'tick',
      type: 'cron',
      description: 'every five minutes',
      parameters: { from: 'trigger' },
      resourceId: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
      actions: [],
      execOption: [{ key: 'cron', value: '*/5 * * * *' }],
    };
    expect(pick(put)).toEqual({ status: 200, json: { content: expected } });
    const got = await h.call('GET', '/ncf/api/v2/triggers/tick');
    expect(pick(got)).toEqual({
      status: 200,
      json: { content: { ...expected, resourceId: put.json.content.resourceId } },
    });
    const list = await h.call('GET', '/ncf/api/v2/triggers');
    expect(pick(list)).toEqual({ status: 200, json: { content: { triggers: [{ name: 'tick', type: 'cron' }] } } });
  });

  it('creates on v2.0 from the `trigger` wrapper: classic by default, type capitalised, one execOption', async () => {
    const put = await h.call('PUT', '/api/v2/triggers/ctick?type=cron', {
      body: { trigger: { cronOption: '0 10 * * 1' } },
    });
    expect(put.status).toBe(200);
    expect(put.json.content).toEqual({
      name: 'ctick',
      type: 'Cron',
      description: '',
      parameters: {},
      resourceId: expect.any(String),
      actions: [],
      execOption: { key: 'ncf_triggerOptions', value: [{ key: 'cron', value: '0 10 * * 1' }] },
    });
    expect((await h.call('GET', '/api/v2/triggers')).json).toEqual({
      content: { triggers: [{ name: 'ctick', type: 'Cron' }] },
    });
    // The same trigger read through v2.1 on its platform.
    const v21 = await h.call('GET', '/ncf/api/v2/triggers/ctick?platform=classic');
    expect(v21.json.content).toMatchObject({ type: 'cron', execOption: [{ key: 'cron', value: '0 10 * * 1' }] });
    const flat = await h.call('PUT', '/api/v2/triggers/ctick?type=cron', { body: { cronOption: '0 10 * * 1' } });
    expect(pick(flat)).toEqual(err(400, '80506', 'TRIGGER_BODY_MISSING_FIELD', 'trigger is required'));
  });

  it('updates in place (PUT is an upsert): description and parameters kept when absent, resourceId kept', async () => {
    const before = await h.call('GET', '/ncf/api/v2/triggers/tick');
    const put = await h.call('PUT', '/ncf/api/v2/triggers/tick?type=cron', { body: { cronOption: '*/5 * * * *' } });
    expect(put.json.content).toEqual(before.json.content);
    const changed = await h.call('PUT', '/ncf/api/v2/triggers/tick?type=cron', {
      body: { cronOption: '*/5 * * * *', description: 'changed', parameters: { from: 'trigger', extra: 1 } },
    });
    expect(changed.json.content).toEqual({
      ...before.json.content,
      description: 'changed',
      parameters: { from: 'trigger', extra: 1 },
    });
    await h.call('PUT', '/ncf/api/v2/triggers/tick?type=cron', {
      body: { cronOption: '*/5 * * * *', description: 'every five minutes', parameters: { from: 'trigger' } },
    });
  });

  it('keeps the type fixed and requires it', async () => {
    const changed = await h.call('PUT', '/ncf/api/v2/triggers/tick?type=github', { body: {} });
    expect(pick(changed)).toEqual(
      err(
        400,
        '100',
        'Bad Request Exception',
        "The type of trigger 'tick' is 'cron' and can't be changed after creation.",
      ),
    );
    const none = await h.call('PUT', '/ncf/api/v2/triggers/x1', { body: {} });
    expect(pick(none)).toEqual(
      err(
        400,
        '100',
        'Bad Request Exception',
        "The query parameter 'type' is required: use one of cron, github, insight, object_storage, source_commit, " +
          'secret_manager.',
      ),
    );
    // v2.0 documents no secret_manager type.
    const v20 = await h.call('PUT', '/api/v2/triggers/x1?type=secret_manager', { body: { trigger: {} } });
    expect(pick(v20)).toEqual(
      err(
        400,
        '100',
        'Bad Request Exception',
        "Invalid type 'secret_manager': use one of cron, github, insight, object_storage, source_commit.",
      ),
    );
    expect(h.emulator.store.getTrigger('x1')).toBeUndefined();
  });

  it.each([
    ['no cronOption', {}, '80506', 'TRIGGER_BODY_MISSING_FIELD', 'cronOption is required'],
    [
      'six fields',
      { cronOption: '0 */5 * * * *' },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'cronOption is not a 5-field cron expression: it needs 5 fields: minute hour day-of-month month day-of-week',
    ],
    [
      'a minute of 61',
      { cronOption: '61 * * * *' },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'cronOption is not a 5-field cron expression: a field is out of range or malformed',
    ],
    [
      "croner's L extension",
      { cronOption: '0 0 L * *' },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'cronOption is not a 5-field cron expression: the day of month field is not valid',
    ],
    [
      'a nickname',
      { cronOption: '@daily' },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'cronOption is not a 5-field cron expression: it needs 5 fields: minute hour day-of-month month day-of-week',
    ],
    [
      'a number',
      { cronOption: 5 },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'cronOption must be a string of at most 100 characters',
    ],
    [
      'a long description',
      { cronOption: '* * * * *', description: 'x'.repeat(3001) },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'description must be a string of at most 3000 bytes',
    ],
    [
      'parameters not an object',
      { cronOption: '* * * * *', parameters: [] },
      '80505',
      'TRIGGER_BODY_INVALID_TYPE',
      'parameters must be a JSON object',
    ],
  ])('refuses a cron body with %s', async (_label, body, code, message, details) => {
    const r = await h.call('PUT', '/ncf/api/v2/triggers/badcron?type=cron', { body });
    expect(pick(r)).toEqual(err(400, code, message, details));
    expect(h.emulator.store.getTrigger('badcron')).toBeUndefined();
  });

  it('takes month and weekday names and both Sunday numbers', async () => {
    for (const cronOption of ['0 9 * JAN-MAR mon-fri', '30 23 1,15 * 0', '0 0 * * 7', '*/10 8-18/2 * * *']) {
      const r = await h.call('PUT', '/ncf/api/v2/triggers/names?type=cron', { body: { cronOption } });
      expect([cronOption, r.status]).toEqual([cronOption, 200]);
    }
    expect((await h.call('DELETE', '/ncf/api/v2/triggers/names')).status).toBe(204);
  });

  it('creates a GitHub trigger: credential, events, and the API Gateway link required on create', async () => {
    const body = {
      credential: { username: 'octo', accessToken: 'ghp_token', repository: 'org/repo' },
      events: ['push', 'pull_request', 'push'],
      link: { productName: 'prod', apiName: 'api', stageName: 'v1' },
    };
    const noLink = await h.call('PUT', '/ncf/api/v2/triggers/gh?type=github', { body: { ...body, link: undefined } });
    expect(pick(noLink)).toEqual(err(400, '80506', 'TRIGGER_BODY_MISSING_FIELD', 'link is required'));
    const noEvents = await h.call('PUT', '/ncf/api/v2/triggers/gh?type=github', { body: { ...body, events: [] } });
    expect(pick(noEvents)).toEqual(
      err(400, '80505', 'TRIGGER_BODY_INVALID_TYPE', 'events must be an array of 1 to 50 GitHub event names'),
    );
    const badRepo = await h.call('PUT', '/ncf/api/v2/triggers/gh?type=github', {
      body: { ...body, credential: { ...body.credential, repository: 'a/b/c' } },
    });
    expect(badRepo.json.error).toEqual({
      errorCode: '80505',
      message: 'TRIGGER_BODY_INVALID_TYPE',
      details: "credential.repository must be 'repository' or 'organization/repository'",
    });
    const put = await h.call('PUT', '/ncf/api/v2/triggers/gh?type=github', { body });
    expect(put.status).toBe(200);
    expect(put.json.content).toEqual({
      name: 'gh',
      type: 'github',
      description: '',
      parameters: {},
      resourceId: expect.any(String),
      actions: [],
      execOption: [
        { key: 'events', value: 'push,pull_request' },
        { key: 'repository', value: 'org/repo' },
        { key: 'username', value: 'octo' },
        { key: 'accessToken', value: 'ghp_token' },
      ],
      link: { productName: 'prod', apiName: 'api', stageName: 'v1', authentication: 'IAM' },
    });
    // "Only valid on create": an update keeps the first link.
    const update = await h.call('PUT', '/ncf/api/v2/triggers/gh?type=github', {
      body: { ...body, events: ['*'], link: { productName: 'other', apiName: 'a', stageName: 's' } },
    });
    expect(update.json.content.link).toEqual(put.json.content.link);
    expect(update.json.content.execOption[0]).toEqual({ key: 'events', value: '*' });
  });

  it('takes the event-rule types with their link lists, defaults filled in', async () => {
    const cases: Array<[string, Record<string, unknown>, Array<{ key: string; value: unknown }>]> = [
      [
        'insight',
        { insightLink: [{ prodKey: 'p', ruleGrpId: 'r', reminderTime: 5 }] },
        [
          {
            key: 'insightLink',
            value: [{ prodKey: 'p', ruleGrpId: 'r', reminderTime: 5, enableNotiWhenEventClose: false }],
          },
        ],
      ],
      [
        'object_storage',
        { objectStorageLink: [{ bucketName: 'b', eventRuleName: 'e' }] },
        [{ key: 'objectStorageLink', value: [{ bucketName: 'b', eventRuleName: 'e' }] }],
      ],
      [
        'source_commit',
        { sourceCommitLink: [{ repositoryName: 'r', webhookName: 'w' }] },
        [{ key: 'sourceCommitLink', value: [{ repositoryName: 'r', webhookName: 'w', enable: true }] }],
      ],
      [
        'secret_manager',
        { secretManagerLink: [{ secretName: 's' }] },
        [{ key: 'secretManagerLink', value: [{ secretName: 's' }] }],
      ],
      ['insight', {}, []],
    ];
    for (const [type, body, execOption] of cases) {
      const name = `ev-${type.replace('_', '-')}-${execOption.length}`;
      const r = await h.call('PUT', `/ncf/api/v2/triggers/${name}?type=${type}`, { body });
      expect([name, r.status, r.json.content.execOption]).toEqual([name, 200, execOption]);
      expect((await h.call('DELETE', `/ncf/api/v2/triggers/${name}`)).status).toBe(204);
    }
    const bad = await h.call('PUT', '/ncf/api/v2/triggers/ev?type=insight', {
      body: { insightLink: [{ prodKey: 'p', ruleGrpId: 'r', reminderTime: 721 }] },
    });
    expect(pick(bad)).toEqual(
      err(
        400,
        '80505',
        'TRIGGER_BODY_INVALID_TYPE',
        'insightLink[0].reminderTime must be an integer between 5 and 720',
      ),
    );
    const missing = await h.call('PUT', '/ncf/api/v2/triggers/ev?type=object_storage', {
      body: { objectStorageLink: [{ bucketName: 'b' }] },
    });
    expect(pick(missing)).toEqual(
      err(400, '80506', 'TRIGGER_BODY_MISSING_FIELD', 'objectStorageLink[0].eventRuleName is required'),
    );
  });

  it('answers 80501 for an unknown trigger and 80502 on the other platform, on every route', async () => {
    const unknown = err(404, '80501', 'TRIGGER_NOT_FOUND', "The trigger 'nope' does not exist.");
    for (const [method, path] of [
      ['GET', '/ncf/api/v2/triggers/nope'],
      ['DELETE', '/ncf/api/v2/triggers/nope'],
      ['POST', '/ncf/api/v2/triggers/nope'],
      ['POST', '/ncf/api/v2/triggers/nope/link-action'],
      ['GET', '/ncf/api/v2/triggers/nope/activations'],
      ['GET', `/ncf/api/v2/triggers/nope/activations/${'a'.repeat(32)}`],
    ] as const) {
      expect([method, path, pick(await h.call(method, path, { body: { action: 'echo', package: 'tp' } }))]).toEqual([
        method,
        path,
        unknown,
      ]);
    }
    const mismatch = err(
      400,
      '80502',
      'TRIGGER_PLATFORM_MISMATCH',
      "The trigger 'tick' does not belong to platform 'classic'.",
    );
    expect(pick(await h.call('GET', '/api/v2/triggers/tick'))).toEqual(mismatch);
    expect(
      pick(await h.call('PUT', '/api/v2/triggers/tick?type=cron', { body: { trigger: { cronOption: '* * * * *' } } })),
    ).toEqual(mismatch);
    expect(pick(await h.call('POST', '/ncf/api/v2/triggers/tick?platform=classic'))).toEqual(mismatch);
    expect(pick(await h.call('DELETE', '/ncf/api/v2/triggers/tick?platform=classic'))).toEqual(mismatch);
  });

  it('refuses bad trigger names, other methods and other sub-resources', async () => {
    const bad = await h.call('GET', '/ncf/api/v2/triggers/-x');
    expect(bad.status).toBe(400);
    expect(bad.json.error.errorCode).toBe('100');
    expect((await h.call('PATCH', '/ncf/api/v2/triggers/tick')).status).toBe(405);
    expect((await h.call('POST', '/ncf/api/v2/triggers')).status).toBe(405);
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick/link-action')).status).toBe(405);
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick/rules')).json.error.errorCode).toBe('300');
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick/activations/a/b')).json.error.errorCode).toBe('300');
  });

  it('keeps names unique across packages, actions in no package and triggers', async () => {
    const asTrigger = await h.call('PUT', '/ncf/api/v2/triggers/tp?type=cron', { body: { cronOption: '* * * * *' } });
    expect(pick(asTrigger)).toEqual(
      err(409, '80503', 'TRIGGER_NAME_DUPLICATED', "The name 'tp' is already used by a package in this namespace."),
    );
    const asPackage = await h.call('PUT', '/ncf/api/v2/packages/tick', { body: {} });
    expect(pick(asPackage)).toEqual(
      err(409, '80103', 'PACKAGE_NAME_DUPLICATED', "The name 'tick' is already used by a trigger in this namespace."),
    );
    const asAction = await h.call('PUT', '/ncf/api/v2/packages/-/actions/tick', { body: basic() });
    expect(pick(asAction)).toEqual(
      err(409, '80303', 'ACTION_NAME_DUPLICATED', "The name 'tick' is already used by a trigger in this namespace."),
    );
    // Inside a package an action is named within the package only.
    expect((await h.call('PUT', '/ncf/api/v2/packages/tp/actions/tick', { body: basic() })).status).toBe(200);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/tp/actions/tick')).status).toBe(204);
  });

  it('deletes a trigger with 204 and its links with it; its activations stay readable', async () => {
    await h.call('PUT', '/ncf/api/v2/triggers/gone?type=cron', { body: { cronOption: '* * * * *' } });
    await h.call('POST', '/ncf/api/v2/triggers/gone/link-action', { body: { action: 'echo', package: 'tp' } });
    const fired = await h.call('POST', '/ncf/api/v2/triggers/gone');
    const id: string = fired.json.content.activationId;
    const del = await h.call('DELETE', '/ncf/api/v2/triggers/gone');
    expect([del.status, del.text]).toEqual([204, '']);
    expect((await h.call('GET', '/ncf/api/v2/triggers/gone')).status).toBe(404);
    expect(h.emulator.store.getStoredActivation(id)?.record.name).toBe('gone');
    // Recreated under the same name, it starts with no link.
    const again = await h.call('PUT', '/ncf/api/v2/triggers/gone?type=cron', { body: { cronOption: '* * * * *' } });
    expect(again.json.content.actions).toEqual([]);
    await h.call('DELETE', '/ncf/api/v2/triggers/gone');
  });
});

describe('link-action', () => {
  it('links an action (v2.1 package defaults to "-"), answers the rule record, lists it on the trigger', async () => {
    expect((await h.call('PUT', '/ncf/api/v2/packages/-/actions/loose', { body: basic() })).status).toBe(200);
    const linked = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', { body: { action: 'loose' } });
    expect(pick(linked)).toEqual({
      status: 200,
      json: {
        content: {
          action: { name: 'loose', path: 'ncf-emulator' },
          namespace: 'ncf-emulator',
          status: 'active',
          trigger: { name: 'tick', path: 'ncf-emulator' },
        },
      },
    });
    const packaged = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'echo', package: 'tp' },
    });
    expect(packaged.json.content.action).toEqual({ name: 'echo', path: 'ncf-emulator/tp' });
    // The documented example's reading: "package/action" with package "-"; linking again changes nothing.
    const path = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'tp/echo', package: '-' },
    });
    expect(path.status).toBe(200);
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick')).json.content.actions).toEqual(['-/loose', 'tp/echo']);
  });

  it('unlinks with the body on DELETE (204), and unlinking what is not linked is 204 too', async () => {
    const del = await h.call('DELETE', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'loose', package: '-' },
    });
    expect([del.status, del.text]).toEqual([204, '']);
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick')).json.content.actions).toEqual(['tp/echo']);
    const again = await h.call('DELETE', '/ncf/api/v2/triggers/tick/link-action', { body: { action: 'loose' } });
    expect(again.status).toBe(204);
  });

  it.each([
    ['no body', undefined, '80521', 'RULE_BODY_MISSING_FIELD', 'action is required'],
    ['no action', { package: 'tp' }, '80521', 'RULE_BODY_MISSING_FIELD', 'action is required'],
    ['a numeric action', { action: 7 }, '80520', 'RULE_BODY_INVALID_TYPE', 'action must be a string'],
    [
      'a numeric package',
      { action: 'echo', package: 1 },
      '80520',
      'RULE_BODY_INVALID_TYPE',
      'package must be a string',
    ],
    [
      'a bad name',
      { action: 'a b' },
      '80520',
      'RULE_BODY_INVALID_TYPE',
      "'a b' is not an action name (1-50 characters of [A-Za-z0-9_-])",
    ],
    ['an array', [1], '80520', 'RULE_BODY_INVALID_TYPE', 'The request body must be a JSON object.'],
  ])('answers %s on link and unlink with the 8052x codes', async (_label, body, code, message, details) => {
    for (const method of ['POST', 'DELETE']) {
      const r = await h.call(method, '/ncf/api/v2/triggers/tick/link-action', body === undefined ? {} : { body });
      expect([method, pick(r)]).toEqual([method, err(400, code, message, details)]);
    }
  });

  it('requires package on v2.0, and answers 80101 / 80301 / 80302 for the action', async () => {
    const v20 = await h.call('POST', '/api/v2/triggers/ctick/link-action', { body: { action: 'echo' } });
    expect(pick(v20)).toEqual(err(400, '80521', 'RULE_BODY_MISSING_FIELD', 'package is required'));
    const noPkg = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'x', package: 'nope' },
    });
    expect(pick(noPkg)).toEqual(err(404, '80101', 'PACKAGE_NOT_FOUND', "The package 'nope' does not exist."));
    const noAction = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'x', package: 'tp' },
    });
    expect(pick(noAction)).toEqual(err(404, '80301', 'ACTION_NOT_FOUND', "The action 'x' does not exist."));
    const foreign = await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'echo', package: 'cp' },
    });
    expect(pick(foreign)).toEqual(
      err(400, '80302', 'ACTION_PLATFORM_MISMATCH', "The action 'cp' does not belong to platform 'vpc'."),
    );
    const unlinkForeign = await h.call('DELETE', '/ncf/api/v2/triggers/tick/link-action', {
      body: { action: 'echo', package: 'cp' },
    });
    expect(unlinkForeign.json.error.errorCode).toBe('80302');
    const ok = await h.call('POST', '/api/v2/triggers/ctick/link-action', { body: { action: 'echo', package: 'cp' } });
    expect(ok.json.content.action).toEqual({ name: 'echo', path: 'ncf-emulator/cp' });
  });
});

describe('fire', () => {
  it('answers 80512 when no action is linked, and records nothing', async () => {
    await h.call('PUT', '/ncf/api/v2/triggers/lonely?type=cron', { body: { cronOption: '0 0 1 1 *' } });
    const before = h.emulator.store.listActivations().length;
    const runs = h.emulator.store.triggerRunsStarted;
    const r = await h.call('POST', '/ncf/api/v2/triggers/lonely', { body: { a: 1 } });
    expect(pick(r)).toEqual(
      err(400, '80512', 'TRIGGER_INVOKE_FAIL', "The trigger 'lonely' has no linked action to run."),
    );
    expect(h.emulator.store.listActivations().length).toBe(before);
    expect(h.emulator.store.triggerRunsStarted).toBe(runs);
  });

  it.each([
    ['an array', '[1]', 'The runtime parameters must be a JSON object.'],
    ['a string', '"x"', 'The runtime parameters must be a JSON object.'],
    ['broken JSON', '{"a":', 'The request body is not valid JSON.'],
  ])('answers 80511 for %s', async (_label, rawBody, details) => {
    const r = await h.call('POST', '/ncf/api/v2/triggers/tick', { rawBody });
    expect(pick(r)).toEqual(err(400, '80511', 'TRIGGER_INVALID_RUNTIME_PARAMS', details));
  });

  it('runs each linked action with invoke > trigger > action > package, records the trigger activation', async () => {
    const runsBefore = h.emulator.store.runsStarted;
    const triggerRunsBefore = h.emulator.store.triggerRunsStarted;
    await h.call('PUT', '/ncf/api/v2/packages/tp/actions/show', {
      body: { ...basic(), parameters: { from: 'action', action: 'yes' } },
    });
    await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', { body: { action: 'show', package: 'tp' } });
    const fired = await h.call('POST', '/ncf/api/v2/triggers/tick', { body: { from: 'invoke', invoked: true } });
    expect(fired.status).toBe(200);
    expect(Object.keys(fired.json.content)).toEqual(['activationId']);
    const id: string = fired.json.content.activationId;
    expect(id).toMatch(/^[0-9a-f]{32}$/);

    const detail = await h.call('GET', `/ncf/api/v2/triggers/tick/activations/${id}`);
    expect(detail.status).toBe(200);
    const runIds = detail.json.content.logs.map((l: string) => JSON.parse(l).activationId as string);
    expect(detail.json.content).toEqual({
      activationId: id,
      name: 'tick',
      namespace: 'ncf-emulator',
      subject: 'ncf-emulator-user-1',
      version: '0.0.1',
      publish: false,
      start: t,
      end: 0,
      duration: 0,
      logs: [
        JSON.stringify({
          statusCode: 0,
          success: true,
          activationId: runIds[0],
          rule: 'ncf-emulator/tick-tp-echo',
          action: 'ncf-emulator/tp/echo',
        }),
        JSON.stringify({
          statusCode: 0,
          success: true,
          activationId: runIds[1],
          rule: 'ncf-emulator/tick-tp-show',
          action: 'ncf-emulator/tp/show',
        }),
      ],
      response: {
        status: 'success',
        statusCode: 0,
        success: true,
        result: { from: 'invoke', invoked: true },
        size: 32,
      },
      annotations: [{ key: 'path', value: 'ncf-emulator/tick' }],
    });
    // The two runs: echo (package < trigger < invoke) and show (package < action < trigger < invoke).
    const echo = await eventuallyRecord(`/ncf/api/v2/packages/tp/actions/echo/activations/${runIds[0]}`);
    expect(echo.response.result).toEqual({ from: 'invoke', invoked: true });
    expect(echo.cause).toBe(id);
    const show = await eventuallyRecord(`/ncf/api/v2/packages/tp/actions/show/activations/${runIds[1]}`);
    expect(show.response.result).toEqual({ from: 'invoke', action: 'yes', invoked: true });
    const noInvoke = await h.call('POST', '/ncf/api/v2/triggers/tick');
    const [, showRun] = (
      await h.call('GET', `/ncf/api/v2/triggers/tick/activations/${noInvoke.json.content.activationId}`)
    ).json.content.logs.map((l: string) => JSON.parse(l).activationId as string);
    const second = await eventuallyRecord(`/ncf/api/v2/packages/tp/actions/show/activations/${showRun}`);
    expect(second.response.result).toEqual({ from: 'trigger', action: 'yes' });
    // Trigger runs are not invokes.
    expect(h.emulator.store.runsStarted).toBe(runsBefore);
    expect(h.emulator.store.triggerRunsStarted).toBe(triggerRunsBefore + 4);
  });

  it('lists the trigger activations (paged, newest first) and includes them namespace-wide', async () => {
    t += 1000;
    const third = (await h.call('POST', '/ncf/api/v2/triggers/tick', { body: { n: 3 } })).json.content.activationId;
    const list = await h.call('GET', '/ncf/api/v2/triggers/tick/activations?pageSize=1');
    expect(list.json.content).toEqual({
      activations: [{ activationId: third, duration: 0, status: 'success' }],
      totalCount: 3,
    });
    const v20 = await h.call('GET', '/api/v2/triggers/tick/activations?platform=vpc&pageSize=1');
    expect(v20.json.content.activations).toEqual([{ activationId: third, duration: '0', status: 'success' }]);
    const since = await h.call('GET', `/ncf/api/v2/triggers/tick/activations?start=${t}&end=${t}`);
    expect(since.json.content.totalCount).toBe(1);
    const all = await h.call('GET', '/ncf/api/v2/activations?pageSize=100');
    const ids = all.json.content.activations.map((a: { activationId: string }) => a.activationId);
    expect(ids).toContain(third);
    // An action's detail route does not show a trigger activation, nor the trigger's route an action's run.
    expect(
      (await h.call('GET', `/ncf/api/v2/packages/tp/actions/echo/activations/${third}`)).json.error.errorCode,
    ).toBe('80401');
    const detail = await h.call('GET', `/api/v2/triggers/tick/activations/${third}?platform=vpc`);
    expect(detail.json.content).toMatchObject({ duration: '0', end: 0, name: 'tick' });
  });

  it('answers 202 when fireTriggerStatus is 202', async () => {
    const other = await startHarness({ fireTriggerStatus: 202 });
    try {
      const r = await other.call('POST', '/ncf/api/v2/triggers/hello-every-minute', { body: {} });
      expect(r.status).toBe(202);
      expect(Object.keys(r.json.content)).toEqual(['activationId']);
    } finally {
      await other.close();
    }
  });
});

describe('the v2.0 generation, classic by default', () => {
  it('fires, lists and shows activations, unlinks and deletes', async () => {
    // ctick (classic) was linked to cp/echo above.
    const fired = await h.call('POST', '/api/v2/triggers/ctick', { body: { v: 20 } });
    expect(fired.status).toBe(200);
    const id: string = fired.json.content.activationId;
    const list = await h.call('GET', '/api/v2/triggers/ctick/activations');
    expect(list.json.content).toEqual({
      activations: [{ activationId: id, duration: '0', status: 'success' }],
      totalCount: 1,
    });
    const detail = await h.call('GET', `/api/v2/triggers/ctick/activations/${id}`);
    expect(detail.json.content).toMatchObject({ activationId: id, name: 'ctick', end: 0, duration: '0' });
    expect(detail.json.content.response.result).toEqual({ v: 20 });
    const classic = await h.call('GET', '/api/v2/activations?pageSize=100');
    expect(classic.json.content.activations.map((a: { activationId: string }) => a.activationId)).toContain(id);
    const unlinked = await h.call('DELETE', '/api/v2/triggers/ctick/link-action', {
      body: { action: 'echo', package: 'cp' },
    });
    expect(unlinked.status).toBe(204);
    expect((await h.call('GET', '/api/v2/triggers/ctick')).json.content.actions).toEqual([]);
    expect((await h.call('POST', '/api/v2/triggers/ctick')).json.error.errorCode).toBe('80512');
    expect((await h.call('DELETE', '/api/v2/triggers/ctick')).status).toBe(204);
    expect((await h.call('GET', '/api/v2/triggers')).json).toEqual({ content: { triggers: [] } });
  });

  it('checks signatures on the trigger routes as on every other', async () => {
    const unsigned = await h.call('GET', '/ncf/api/v2/triggers', { signature: null });
    expect(pick(unsigned)).toEqual(err(401, '200', 'Authentication Failed', 'Authentication information are missing.'));
    const wrong = await h.call('POST', '/ncf/api/v2/triggers/tick', { signature: 'AAAA' });
    expect(pick(wrong)).toEqual(err(401, '200', 'Authentication Failed', 'Invalid authentication information.'));
  });
});

describe('deleting an action unlinks it', () => {
  it('takes the action out of every trigger, leaving the trigger in place', async () => {
    await h.call('PUT', '/ncf/api/v2/packages/tp/actions/temp', { body: basic() });
    await h.call('POST', '/ncf/api/v2/triggers/tick/link-action', { body: { action: 'temp', package: 'tp' } });
    await h.call('POST', '/ncf/api/v2/triggers/gh/link-action', { body: { action: 'temp', package: 'tp' } });
    expect((await h.call('GET', '/ncf/api/v2/triggers/gh')).json.content.actions).toEqual(['tp/temp']);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/tp/actions/temp')).status).toBe(204);
    expect((await h.call('GET', '/ncf/api/v2/triggers/tick')).json.content.actions).toEqual(['tp/echo', 'tp/show']);
    expect((await h.call('GET', '/ncf/api/v2/triggers/gh')).json.content.actions).toEqual([]);
    expect(pick(await h.call('POST', '/ncf/api/v2/triggers/gh'))).toEqual(
      err(400, '80512', 'TRIGGER_INVOKE_FAIL', "The trigger 'gh' has no linked action to run."),
    );
  });
});

/** The record of a run a trigger started, once it is stored. */
async function eventuallyRecord(path: string): Promise<Record<string, any>> {
  for (let i = 0; i < 200; i += 1) {
    const r = await h.call('GET', path);
    if (r.status === 200) return r.json.content;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no record at ${path}`);
}

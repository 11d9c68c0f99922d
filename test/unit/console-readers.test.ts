// The console's readers of shapes NCP documents in more than one way (docs/upstream/triggers.md#execoption,
// #links, #types), the cron check the gateway makes before any call, and the NCP codes of the new endpoints
// (805xx triggers, 8052x links, 813xx VPC, 80109) mapped into the vocabulary with their sentences.
import { ErrorCode } from '../../src/errors';
import { checkCron } from '../../src/resolvers/trigger-writes';
import { ncpError } from '../../src/upstream/cloudfunctions/errors';
import {
  cronOf,
  execOptionEntries,
  linkedActionRefs,
  triggerOptions,
  triggerTypeOf,
} from '../../src/upstream/cloudfunctions/triggers';

describe('trigger readers', () => {
  it('reads the type whatever its case or separator, OTHER when unknown', () => {
    expect(
      ['cron', 'Cron', 'GITHUB', 'Object_storage', 'source-commit', 'secret_manager', 'ApiGateway'].map(triggerTypeOf),
    ).toEqual(['CRON', 'CRON', 'GITHUB', 'OBJECT_STORAGE', 'SOURCE_COMMIT', 'SECRET_MANAGER', 'API_GATEWAY']);
    expect([triggerTypeOf('resource_manager'), triggerTypeOf(undefined), triggerTypeOf(3)]).toEqual([
      'OTHER',
      'OTHER',
      'OTHER',
    ]);
  });

  it('reads execOption as {key, value}[] (v2.1), one ncf_triggerOptions object (v2.0) or a map', () => {
    const v21 = [{ key: 'cron', value: '*/5 * * * *' }];
    const v20 = { key: 'ncf_triggerOptions', value: [{ key: 'cron', value: '*/1 * * * *' }] };
    expect([cronOf(v21), cronOf(v20), cronOf({ cronOption: '0 10 * * 1' }), cronOf(undefined)]).toEqual([
      '*/5 * * * *',
      '*/1 * * * *',
      '0 10 * * 1',
      null,
    ]);
    const github = [
      { key: 'events', value: 'push,issues' },
      { key: 'repository', value: 'org/repo' },
      { key: 'username', value: 'me' },
      { key: 'accessToken', value: 'ghp_secret' },
    ];
    expect(triggerOptions(github)).toEqual({
      events: 'push,issues',
      repository: 'org/repo',
      username: 'me',
      accessToken: '[redacted]',
    });
    expect(execOptionEntries(github).accessToken).toBe('ghp_secret');
    expect([triggerOptions([]), triggerOptions(null)]).toEqual([null, null]);
  });

  it('reads linked actions as package/action, bare names, longer paths and link records, each once', () => {
    expect(
      linkedActionRefs([
        'pkg/act',
        '-/loose',
        'alone',
        'ns/pkg2/act2',
        { action: 'a3', package: 'p3' },
        { name: 'a4', path: 'ns/p4' },
        { name: 'a5', path: 'ns' },
        'pkg/act',
        7,
      ]),
    ).toEqual(['pkg/act', '-/loose', '-/alone', 'pkg2/act2', 'p3/a3', 'p4/a4', '-/a5']);
    expect(linkedActionRefs(undefined)).toEqual([]);
  });
});

describe('checkCron', () => {
  it('takes the classic 5-field syntax, names included, and gives it back with single spaces', () => {
    expect(['*/5  * * * *', '0 10 * * 1', '0 0 1 JAN-MAR MON-FRI', '0,30 8-18/2 * * 0'].map(checkCron)).toEqual([
      '*/5 * * * *',
      '0 10 * * 1',
      '0 0 1 JAN-MAR MON-FRI',
      '0,30 8-18/2 * * 0',
    ]);
  });

  it.each([
    ['* * * *', 'it needs minute, hour, day of month, month and day of week'],
    ['0 * * * * *', 'it needs minute, hour, day of month, month and day of week'],
    ['@hourly', 'it needs minute, hour, day of month, month and day of week'],
    ['0 0 L * *', 'the day of month field is not valid'],
    ['0 0 ? * *', 'the day of month field is not valid'],
    ['0 0 * * 5#3', 'the day of week field is not valid'],
    ['60 * * * *', 'a field is out of range or malformed'],
    ['0 24 * * *', 'a field is out of range or malformed'],
    ['0 0 * 13 *', 'a field is out of range or malformed'],
    [`${'1,'.repeat(50)}1 * * * *`, 'longer than 100 characters'],
  ])('refuses %p: %s', (expression, why) => {
    expect(() => checkCron(expression)).toThrow(`cron "${expression}" is not a 5-field crontab expression: ${why}.`);
  });
});

describe('NCP codes of the console endpoints', () => {
  const body = (errorCode: string, details = '') => ({ error: { errorCode, message: 'MSG', details } });
  const trigger = { platform: 'vpc', trigger: 't1' };

  it.each([
    [404, '80501', trigger, ErrorCode.NOT_FOUND, 'No trigger "t1" on the vpc platform.'],
    [
      400,
      '80502',
      trigger,
      ErrorCode.BAD_USER_INPUT,
      'The trigger "t1" is not on the vpc platform: it exists on the other one.',
    ],
    [409, '80503', trigger, ErrorCode.CONFLICT, 'The trigger "t1" already exists, or another resource has its name.'],
    [400, '80505', trigger, ErrorCode.BAD_USER_INPUT, 'The trigger "t1" was refused.'],
    [400, '80511', trigger, ErrorCode.BAD_USER_INPUT, 'The trigger "t1" refused the runtime parameters.'],
    [400, '80512', trigger, ErrorCode.CONFLICT, 'The trigger "t1" has no linked action to run: link one first.'],
    [
      400,
      '80520',
      trigger,
      ErrorCode.BAD_USER_INPUT,
      'The trigger-to-action link was refused (a field has the wrong type).',
    ],
    [400, '80521', trigger, ErrorCode.BAD_USER_INPUT, 'The trigger-to-action link was refused (a field is missing).'],
    [
      409,
      '80109',
      { platform: 'vpc', package: 'p' },
      ErrorCode.CONFLICT,
      'The package "p" still contains actions: delete them first, then the package.',
    ],
    [
      500,
      '81311',
      {},
      ErrorCode.UPSTREAM_UNAVAILABLE,
      "Cloud Functions could not look up the action's VPC subnet; try again later.",
    ],
    [
      500,
      '81313',
      {},
      ErrorCode.UPSTREAM_UNAVAILABLE,
      "The action's VPC subnet connection is still being set up; try again shortly.",
    ],
  ])('HTTP %i errorCode %s', (status, code, target, expected, message) => {
    const error = ncpError(status, body(code), { target: { platform: 'vpc', ...target } });
    expect([error.code, error.message]).toEqual([expected, message]);
    expect(error.extensions).toMatchObject({ upstream: { service: 'cloudfunctions', status, errorCode: code } });
  });

  it('gives a 400 its sanitised details, and a trigger 404 without a code its name', () => {
    expect(ncpError(400, body('80505', 'cronOption is invalid'), { target: trigger }).message).toBe(
      'The trigger "t1" was refused: cronOption is invalid',
    );
    expect(ncpError(404, undefined, { target: trigger }).message).toBe('No trigger "t1" on the vpc platform.');
  });
});

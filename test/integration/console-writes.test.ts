// The functions console's package and action writes (issue 15) over real HTTP against the emulator, with the
// shared-read cache on (GATEWAY_CACHE_TTL_MS): each mutation's exact upstream calls, "create never
// overwrites, update never creates" (CONFLICT / NOT_FOUND), every validation refusal with no upstream
// call, the package that still has actions (CONFLICT, 80109), reads after each write that see it, and the
// scope functions:write on every mutation.
import { generateKey } from '../../src/auth/apikeys';
import { SEED_TRIGGER } from '../../src/emulators/cloudfunctions/seed';
import { apiKeyEnv, expectScopeRefusals, type ScopeCase } from '../helpers/apikeys';
import { useHarness, type Harness } from '../helpers/gateway';

const B = '/ncf/api/v2';
const CREATE_PACKAGE = `mutation($input: CreatePackageInput!) {
  createPackage(input: $input) { name description parameters platform }
}`;
const UPDATE_PACKAGE = `mutation($input: UpdatePackageInput!) {
  updatePackage(input: $input) { name description parameters }
}`;
const DELETE_PACKAGE = 'mutation($name: String!) { deletePackage(name: $name) { name package platform } }';
const CREATE_ACTION = `mutation($input: CreateActionInput!) {
  createAction(input: $input) { name type description parameters limits { timeoutMs memoryMb } }
}`;
const UPDATE_ACTION = `mutation($input: UpdateActionInput!) {
  updateAction(input: $input) { name type description parameters limits { timeoutMs memoryMb } }
}`;
const DELETE_ACTION = `mutation($package: String, $name: String!) {
  deleteAction(package: $package, name: $name) { name package platform }
}`;
const JS = 'function main(params) { return { hi: params.who ?? "nobody" }; }';
const code = (source = JS) => ({ kind: 'nodejs:22', source });

/** The error's code, message and upstream facts, or the data when there is no error. */
function outcome(res: Awaited<ReturnType<Harness['gql']>>) {
  const error = res.body.errors?.[0];
  return error ? { code: error.extensions?.code, message: error.message } : { data: res.body.data };
}

describe('package writes', () => {
  // A body limit above the 1 MB of parameters, so that bound is the gateway's check, not the body's.
  const h = useHarness({ env: { GATEWAY_CACHE_TTL_MS: '60000', GATEWAY_BODY_LIMIT_BYTES: String(3 * 1024 * 1024) } });

  it('createPackage checks the name is free (fresh reads), then writes: 4 calls; a read after it sees it', async () => {
    // Filled into the read cache before the write.
    const before = await h.gql('{ packages { name } }');
    expect(before.body.data.packages.map((p: { name: string }) => p.name)).not.toContain('cp1');
    h.resetCalls();
    const created = await h.gql(CREATE_PACKAGE, {
      input: { name: 'cp1', description: 'first', parameters: { region: 'KR' } },
    });
    expect(created.body).toEqual({
      data: { createPackage: { name: 'cp1', description: 'first', parameters: { region: 'KR' }, platform: 'VPC' } },
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/cp1?platform=vpc`,
      `GET ${B}/packages/-/actions/cp1?platform=vpc`,
      `GET ${B}/triggers/cp1?platform=vpc`,
      `PUT ${B}/packages/cp1?platform=vpc`,
    ]);
    h.resetCalls();
    const after = await h.gql('{ packages { name } }');
    expect(after.body.data.packages.map((p: { name: string }) => p.name)).toContain('cp1');
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages?platform=vpc`]);
  });

  it('createPackage never overwrites: CONFLICT after one read; a name a trigger holds is BAD_USER_INPUT', async () => {
    const again = await h.gql(CREATE_PACKAGE, { input: { name: 'cp1', description: 'second' } });
    expect(outcome(again)).toEqual({
      code: 'CONFLICT',
      message: 'The package "cp1" already exists on the vpc platform: create never replaces one (update it instead).',
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/cp1?platform=vpc`]);
    expect(h.emulator.store.getPackage('cp1')?.description).toBe('first');
    h.resetCalls();
    const taken = await h.gql(CREATE_PACKAGE, { input: { name: SEED_TRIGGER } });
    expect(outcome(taken)).toEqual({
      code: 'BAD_USER_INPUT',
      message:
        `The name "${SEED_TRIGGER}" is taken by a trigger: NCP requires packages, triggers and actions in ` +
        'no package to have different names.',
    });
    expect(h.upstreamCalls()).toHaveLength(3);
  });

  it('refuses bad input before any upstream call', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '-cp' }, "Invalid package name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'."],
      [
        { name: 'a'.repeat(51) },
        "Invalid package name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.",
      ],
      [{ name: 'cp2', description: 'é'.repeat(1501) }, 'description must be at most 3000 bytes of UTF-8.'],
      [{ name: 'cp2', parameters: [1, 2] }, 'parameters must be a JSON object.'],
      [{ name: 'cp2', parameters: { big: 'x'.repeat(1024 * 1024) } }, 'parameters must be at most 1 MB as JSON.'],
    ];
    for (const [input, message] of cases) {
      expect(outcome(await h.gql(CREATE_PACKAGE, { input }))).toEqual({ code: 'BAD_USER_INPUT', message });
      expect(outcome(await h.gql(UPDATE_PACKAGE, { input }))).toEqual({ code: 'BAD_USER_INPUT', message });
    }
    // 3000 bytes exactly is allowed (checked, then the package does not exist).
    const edge = await h.gql(UPDATE_PACKAGE, { input: { name: 'cp2', description: 'é'.repeat(1500) } });
    expect(outcome(edge).code).toBe('NOT_FOUND');
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/cp2?platform=vpc`]);
  });

  it('updatePackage never creates (NOT_FOUND), keeps what is omitted, removes what is null: 2 calls', async () => {
    const missing = await h.gql(UPDATE_PACKAGE, { input: { name: 'nope', description: 'x' } });
    expect(outcome(missing)).toEqual({
      code: 'NOT_FOUND',
      message: 'The package "nope" does not exist on the vpc platform: update never creates one (create it instead).',
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/nope?platform=vpc`]);
    expect(h.emulator.store.getPackage('nope')).toBeUndefined();
    // Cached before the update.
    expect((await h.gql('{ package(name: "cp1") { description } }')).body.data.package.description).toBe('first');
    h.resetCalls();
    const updated = await h.gql(UPDATE_PACKAGE, { input: { name: 'cp1', description: 'second' } });
    expect(updated.body).toEqual({
      data: { updatePackage: { name: 'cp1', description: 'second', parameters: { region: 'KR' } } },
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/cp1?platform=vpc`, `PUT ${B}/packages/cp1?platform=vpc`]);
    h.resetCalls();
    const read = await h.gql('{ package(name: "cp1") { description parameters } }');
    expect(read.body.data.package).toEqual({ description: 'second', parameters: { region: 'KR' } });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/cp1?platform=vpc`]);
    const cleared = await h.gql(UPDATE_PACKAGE, { input: { name: 'cp1', description: null, parameters: null } });
    expect(cleared.body.data.updatePackage).toEqual({ name: 'cp1', description: null, parameters: {} });
  });

  it('deletePackage: CONFLICT (80109) while it has actions, NOT_FOUND when missing, 1 call each', async () => {
    h.emulator.store.putAction({ packageName: 'cp1', name: 'inside', exec: { code: JS } });
    const refused = await h.gql(DELETE_PACKAGE, { name: 'cp1' });
    expect(refused.body.errors?.[0]).toMatchObject({
      message: 'The package "cp1" still contains actions: delete them first, then the package.',
      extensions: { code: 'CONFLICT', upstream: { service: 'cloudfunctions', status: 409, errorCode: '80109' } },
    });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/packages/cp1?platform=vpc`]);
    h.resetCalls();
    const missing = await h.gql(DELETE_PACKAGE, { name: 'nope' });
    expect(outcome(missing)).toEqual({ code: 'NOT_FOUND', message: 'No package "nope" on the vpc platform.' });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/packages/nope?platform=vpc`]);
    h.emulator.store.deleteAction('cp1', 'inside');
    expect((await h.gql('{ package(name: "cp1") { name } }')).body.data.package).toEqual({ name: 'cp1' });
    h.resetCalls();
    const deleted = await h.gql(DELETE_PACKAGE, { name: 'cp1' });
    expect(deleted.body).toEqual({ data: { deletePackage: { name: 'cp1', package: null, platform: 'VPC' } } });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/packages/cp1?platform=vpc`]);
    // The cached detail is gone: a read after the delete sees it.
    expect((await h.gql('{ package(name: "cp1") { name } }')).body).toEqual({ data: { package: null } });
  });
});

describe('action writes', () => {
  const h = useHarness({ env: { GATEWAY_CACHE_TTL_MS: '60000' } });

  beforeAll(() => {
    h.emulator.store.putPackage({ name: 'ca', parameters: { who: 'the package' } });
  });

  it('createAction in a package: 3 calls; the action runs; a read after it sees it', async () => {
    expect((await h.gql('{ actions(package: "ca") { name } }')).body.data.actions).toEqual([]);
    h.resetCalls();
    const created = await h.gql(CREATE_ACTION, {
      input: { package: 'ca', name: 'a1', description: 'says hi', code: code(), limits: { timeoutMs: 5000 } },
    });
    expect(created.body).toEqual({
      data: {
        createAction: {
          name: 'a1',
          type: 'basic',
          description: 'says hi',
          parameters: {},
          limits: { timeoutMs: 5000, memoryMb: 128 },
        },
      },
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/ca?platform=vpc`,
      `GET ${B}/packages/ca/actions/a1?platform=vpc`,
      `PUT ${B}/packages/ca/actions/a1?platform=vpc&type=basic`,
    ]);
    h.resetCalls();
    expect((await h.gql('{ actions(package: "ca") { name } }')).body.data.actions).toEqual([{ name: 'a1' }]);
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/ca/actions?platform=vpc`]);
    const run = await h.gql(
      'mutation { invokeAction(input: { package: "ca", action: "a1" }) { activation { result } } }',
    );
    expect(run.body.data.invokeAction.activation.result).toEqual({ hi: 'the package' });
  });

  it('createAction never overwrites (CONFLICT), needs its package (NOT_FOUND), checks loose names', async () => {
    const again = await h.gql(CREATE_ACTION, { input: { package: 'ca', name: 'a1', code: code('x') } });
    expect(outcome(again)).toEqual({
      code: 'CONFLICT',
      message: 'The action "ca/a1" already exists on the vpc platform: create never replaces one (update it instead).',
    });
    expect(h.upstreamCalls()).toHaveLength(2);
    expect(h.emulator.store.getAction('ca', 'a1')?.exec.code).toBe(JS);
    h.resetCalls();
    const noPackage = await h.gql(CREATE_ACTION, { input: { package: 'nope', name: 'a1', code: code() } });
    expect(outcome(noPackage)).toEqual({
      code: 'NOT_FOUND',
      message: 'The package "nope" does not exist on the vpc platform.',
    });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/nope?platform=vpc`]);
    h.resetCalls();
    const taken = await h.gql(CREATE_ACTION, { input: { name: 'ca', code: code() } });
    expect(outcome(taken).code).toBe('BAD_USER_INPUT');
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/-/actions/ca?platform=vpc`,
      `GET ${B}/packages/ca?platform=vpc`,
    ]);
    h.resetCalls();
    const loose = await h.gql(CREATE_ACTION, { input: { name: 'loose1', code: code() } });
    expect(loose.body.errors).toBeUndefined();
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/-/actions/loose1?platform=vpc`,
      `GET ${B}/packages/loose1?platform=vpc`,
      `GET ${B}/triggers/loose1?platform=vpc`,
      `PUT ${B}/packages/-/actions/loose1?platform=vpc&type=basic`,
    ]);
  });

  it('refuses bad input before any upstream call', async () => {
    const bad = (input: Record<string, unknown>) => ({ package: 'ca', name: 'v1', code: code(), ...input });
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        bad({ name: 'bad/name' }),
        "Invalid action name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.",
      ],
      [
        bad({ code: { kind: 'cobol:1', source: 'x' } }),
        'Unknown runtime kind "cobol:1": use one of nodejs:22, ' +
          'python:3.13, java, java:21, swift:3.1.1, php:7.3, go:1.19, dotnet:2.2, custom image.',
      ],
      [
        bad({ code: { kind: 'nodejs:16', source: 'x' } }),
        'The runtime nodejs:16 is retired: use one of nodejs:22, ' +
          'python:3.13, java, java:21, swift:3.1.1, php:7.3, go:1.19, dotnet:2.2, custom image.',
      ],
      [bad({ code: { kind: 'nodejs:22' } }), 'code.source is required.'],
      [
        bad({ code: { kind: 'java', source: 'x' } }),
        'The java runtime takes a binary (a base64 jar or zip): set code.binary.',
      ],
      [
        bad({ code: { kind: 'java', source: 'not base64!', binary: true } }),
        'code.source must be base64 when code.binary is true.',
      ],
      [bad({ code: { kind: 'custom image' } }), 'code.imageUri is required for the custom image runtime.'],
      [bad({ limits: { timeoutMs: 499 } }), 'limits.timeoutMs must be from 500 to 300000.'],
      [bad({ limits: { timeoutMs: 300001 } }), 'limits.timeoutMs must be from 500 to 300000.'],
      [bad({ limits: { memoryMb: 2048 } }), 'limits.memoryMb must be one of 128, 256, 512, 1024.'],
      [bad({ description: 'x'.repeat(3001) }), 'description must be at most 3000 bytes of UTF-8.'],
      [bad({ code: undefined }), 'code is required for a basic or web action.'],
      [bad({ type: 'SEQUENCE', code: undefined }), 'components is required for a sequence.'],
      [
        bad({ type: 'SEQUENCE', components: ['ca/a1'] }),
        'code does not apply to The action "ca/v1", which is of type sequence.',
      ],
      [
        bad({ code: undefined, type: 'SEQUENCE', components: ['a/b/c'] }),
        'Invalid sequence component "a/b/c": use package/action, or action for one in no package.',
      ],
      [bad({ components: ['ca/a1'] }), 'components does not apply to The action "ca/v1", which is of type basic.'],
      [bad({ rawHttp: true }), 'rawHttp does not apply to The action "ca/v1", which is of type basic.'],
    ];
    for (const [input, message] of cases) {
      expect([input, outcome(await h.gql(CREATE_ACTION, { input }))]).toEqual([
        input,
        { code: 'BAD_USER_INPUT', message },
      ]);
    }
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('a sequence needs components that exist (one fresh read each)', async () => {
    const input = { package: 'ca', name: 'seq1', type: 'SEQUENCE', components: ['ca/a1', 'ca/ghost'] };
    expect(outcome(await h.gql(CREATE_ACTION, { input }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'The sequence component "ca/ghost" does not exist on the vpc platform.',
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/ca?platform=vpc`,
      `GET ${B}/packages/ca/actions/seq1?platform=vpc`,
      `GET ${B}/packages/ca/actions/a1?platform=vpc`,
      `GET ${B}/packages/ca/actions/ghost?platform=vpc`,
    ]);
    const ok = await h.gql(CREATE_ACTION, { input: { ...input, components: ['ca/a1', 'loose1'] } });
    expect(ok.body.data.createAction.type).toBe('sequence');
    expect(h.emulator.store.getAction('ca', 'seq1')?.exec.components).toEqual(['ca/a1', '-/loose1']);
  });

  it('updateAction never creates, keeps what is omitted, refuses a type change: 3 calls', async () => {
    const missing = await h.gql(UPDATE_ACTION, { input: { package: 'ca', name: 'ghost', description: 'x' } });
    expect(outcome(missing).code).toBe('NOT_FOUND');
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/ca/actions/ghost?platform=vpc`]);
    expect(h.emulator.store.getAction('ca', 'ghost')).toBeUndefined();
    h.resetCalls();
    const changeType = await h.gql(UPDATE_ACTION, { input: { package: 'ca', name: 'a1', type: 'WEB' } });
    expect(outcome(changeType)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'The action "ca/a1" is of type basic, not web: a type cannot change after creation.',
    });
    expect(h.emulator.store.getAction('ca', 'a1')?.type).toBe('basic');
    // Read (and cached) before the update.
    expect((await h.gql('{ action(package: "ca", name: "a1") { limits { memoryMb } } }')).body.data.action).toEqual({
      limits: { memoryMb: 128 },
    });
    h.resetCalls();
    const updated = await h.gql(UPDATE_ACTION, {
      input: { package: 'ca', name: 'a1', limits: { memoryMb: 512 }, parameters: { who: 'the action' } },
    });
    expect(updated.body.data.updateAction).toEqual({
      name: 'a1',
      type: 'basic',
      description: 'says hi',
      parameters: { who: 'the action' },
      limits: { timeoutMs: 5000, memoryMb: 512 },
    });
    expect(h.upstreamCalls()).toEqual([
      `GET ${B}/packages/ca/actions/a1?platform=vpc`,
      `GET ${B}/packages/ca/actions?platform=vpc`,
      `PUT ${B}/packages/ca/actions/a1?platform=vpc&type=basic`,
    ]);
    expect(h.emulator.store.getAction('ca', 'a1')?.exec.code).toBe(JS);
    h.resetCalls();
    const read = await h.gql('{ action(package: "ca", name: "a1") { limits { memoryMb } } }');
    expect(read.body.data.action).toEqual({ limits: { memoryMb: 512 } });
    expect(h.upstreamCalls()).toEqual([`GET ${B}/packages/ca/actions/a1?platform=vpc`]);
    const sequenceCode = await h.gql(UPDATE_ACTION, { input: { package: 'ca', name: 'seq1', code: code() } });
    expect(outcome(sequenceCode)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'code does not apply to The action "ca/seq1", which is of type sequence.',
    });
  });

  it('deleteAction: 1 call, NOT_FOUND when missing; a read after it sees it gone', async () => {
    expect((await h.gql('{ action(package: "ca", name: "seq1") { name } }')).body.data.action).toEqual({
      name: 'seq1',
    });
    h.resetCalls();
    const deleted = await h.gql(DELETE_ACTION, { package: 'ca', name: 'seq1' });
    expect(deleted.body).toEqual({ data: { deleteAction: { name: 'seq1', package: 'ca', platform: 'VPC' } } });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/packages/ca/actions/seq1?platform=vpc`]);
    expect((await h.gql('{ action(package: "ca", name: "seq1") { name } }')).body).toEqual({ data: { action: null } });
    h.resetCalls();
    const missing = await h.gql(DELETE_ACTION, { package: 'ca', name: 'seq1' });
    expect(outcome(missing)).toEqual({ code: 'NOT_FOUND', message: 'No action "ca/seq1" on the vpc platform.' });
    expect(h.upstreamCalls()).toEqual([`DELETE ${B}/packages/ca/actions/seq1?platform=vpc`]);
    const loose = await h.gql(DELETE_ACTION, { name: 'loose1' });
    expect(loose.body.data.deleteAction).toEqual({ name: 'loose1', package: null, platform: 'VPC' });
  });
});

describe('functions:write', () => {
  const reader = generateKey(['functions:read', 'functions:invoke', 'functions:code:read', 'compute:read'], 'all-but');
  const h = useHarness(() => ({ env: apiKeyEnv([reader.stored]) }));

  it('is needed by every package and action mutation: FORBIDDEN and no upstream call without it', async () => {
    const cases: ScopeCase[] = [
      ['createPackage', CREATE_PACKAGE, { input: { name: 'w1' } }],
      ['updatePackage', UPDATE_PACKAGE, { input: { name: 'package001' } }],
      ['deletePackage', DELETE_PACKAGE, { name: 'package001' }],
      ['createAction', CREATE_ACTION, { input: { name: 'w1', code: code() } }],
      ['updateAction', UPDATE_ACTION, { input: { package: 'package001', name: 'hello' } }],
      ['deleteAction', DELETE_ACTION, { package: 'package001', name: 'hello' }],
    ];
    await expectScopeRefusals(h, reader.key, 'functions:write', cases);
  });
});

// Packages and actions on both path generations (docs/upstream/cloud-functions.md#packages, #actions):
// list, show, create, update and delete with their per-generation shapes and platform rules, plus the
// gateway-level errors every route can give (404 "300", 405, 413 "430") and the errorCodeAsNumber option.
import { startHarness, type Harness } from './helpers';

const err = (errorCode: string, message: string, details?: string): object => ({
  error: { errorCode, message, details: details ?? expect.any(String) },
});

const basicBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  description: 'made by a test',
  parameters: { greeting: 'hi' },
  limits: { timeout: 3000, memory: 128 },
  exec: { kind: 'nodejs:16', code: 'function main(p) { return p; }', main: 'main', binary: false },
  ...overrides,
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('packages', () => {
  it('lists the packages of the platform, vpc by default on v2.1 and classic on v2.0', async () => {
    const v21 = await h.call('GET', '/ncf/api/v2/packages');
    expect(v21.status).toBe(200);
    expect(v21.json).toEqual({
      content: [
        { name: 'examples', description: 'One action per activation outcome' },
        { name: 'package001', description: 'Sample package' },
        { name: 'package003', description: 'Documented example package' },
      ],
    });
    const v20 = await h.call('GET', '/api/v2/packages');
    expect(v20.json).toEqual({ content: [{ name: 'legacy', description: 'Classic platform package' }] });
    const v20vpc = await h.call('GET', '/api/v2/packages?platform=vpc');
    expect(v20vpc.json).toEqual(v21.json);
    const v21classic = await h.call('GET', '/ncf/api/v2/packages?platform=classic');
    expect(v21classic.json).toEqual(v20.json);
  });

  it('rejects an unknown platform', async () => {
    const r = await h.call('GET', '/ncf/api/v2/packages?platform=gov');
    expect(r.status).toBe(400);
    expect(r.json).toEqual(err('100', 'Bad Request Exception', "Invalid platform 'gov': use 'vpc' or 'classic'."));
  });

  it('ignores unknown query parameters', async () => {
    const r = await h.call('GET', '/ncf/api/v2/packages?platform=vpc&foo=bar');
    expect(r.status).toBe(200);
  });

  it('shows a package with its actions, shaped per generation', async () => {
    const v21 = await h.call('GET', '/ncf/api/v2/packages/package001');
    expect(v21.json).toEqual({
      content: {
        name: 'package001',
        description: 'Sample package',
        parameters: { name: 'Cloud Functions', place: 'NAVER Cloud' },
        platform: 'vpc',
        resourceId: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
        actions: [{ name: 'hello', description: 'Greets with the package default parameters', type: 'basic' }],
      },
    });
    const v20 = await h.call('GET', '/api/v2/packages/package001?platform=vpc');
    expect(v20.json.content.actions).toEqual([
      { name: 'hello', description: 'Greets with the package default parameters', runtime: 'nodejs:16', web: false },
    ]);
    expect(v20.json.content.resourceId).toBe(v21.json.content.resourceId);
  });

  it('answers 80101 for an unknown package and 80102 for one on the other platform', async () => {
    const missing = await h.call('GET', '/ncf/api/v2/packages/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(err('80101', 'PACKAGE_NOT_FOUND', "The package 'nope' does not exist."));
    const other = await h.call('GET', '/ncf/api/v2/packages/legacy');
    expect(other.status).toBe(400);
    expect(other.json).toEqual(err('80102', 'PACKAGE_PLATFORM_MISMATCH'));
    const v20 = await h.call('GET', '/api/v2/packages/package001');
    expect(v20.status).toBe(400);
    expect(v20.json.error.errorCode).toBe('80102');
  });

  it('creates, updates and deletes a package', async () => {
    const created = await h.call('PUT', '/ncf/api/v2/packages/pkg-crud_1', {
      body: { description: 'first', parameters: { a: 1 } },
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      content: {
        name: 'pkg-crud_1',
        description: 'first',
        namespace: 'ncf-emulator',
        parameters: { a: 1 },
        resourceId: expect.any(String),
      },
    });
    const updated = await h.call('PUT', '/ncf/api/v2/packages/pkg-crud_1', { body: { description: 'second' } });
    expect(updated.json.content).toMatchObject({ description: 'second', parameters: { a: 1 } });
    expect(updated.json.content.resourceId).toBe(created.json.content.resourceId);

    const listed = await h.call('GET', '/ncf/api/v2/packages');
    expect(listed.json.content).toContainEqual({ name: 'pkg-crud_1', description: 'second' });
    const classic = await h.call('GET', '/ncf/api/v2/packages?platform=classic');
    expect(classic.json.content).not.toContainEqual(expect.objectContaining({ name: 'pkg-crud_1' }));

    const deleted = await h.call('DELETE', '/ncf/api/v2/packages/pkg-crud_1');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(deleted.headers['content-type']).toBeUndefined();
    const gone = await h.call('GET', '/ncf/api/v2/packages/pkg-crud_1');
    expect(gone.status).toBe(404);
    const again = await h.call('DELETE', '/ncf/api/v2/packages/pkg-crud_1');
    expect(again.json.error.errorCode).toBe('80101');
  });

  it('accepts an empty body or {} when creating', async () => {
    const empty = await h.call('PUT', '/api/v2/packages/empty_body');
    expect(empty.status).toBe(200);
    expect(empty.json.content).toMatchObject({ name: 'empty_body', description: '', parameters: {} });
    const got = await h.call('GET', '/api/v2/packages/empty_body');
    expect(got.json.content.platform).toBe('classic');
    expect((await h.call('DELETE', '/api/v2/packages/empty_body')).status).toBe(204);
  });

  it('validates the package body', async () => {
    const long = await h.call('PUT', '/ncf/api/v2/packages/p_long', { body: { description: 'é'.repeat(1501) } });
    expect(long.status).toBe(400);
    expect(long.json).toEqual(
      err('100', 'Bad Request Exception', 'description must be a string of at most 3000 bytes'),
    );
    const exact = await h.call('PUT', '/ncf/api/v2/packages/p_long', { body: { description: 'é'.repeat(1500) } });
    expect(exact.status).toBe(200);
    const params = await h.call('PUT', '/ncf/api/v2/packages/p_long', { body: { parameters: [1, 2] } });
    expect(params.json).toEqual(err('100', 'Bad Request Exception', 'parameters must be a JSON object'));
    const notJson = await h.call('PUT', '/ncf/api/v2/packages/p_long', { rawBody: '{"description":' });
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual(err('100', 'Bad Request Exception', 'The request body is not valid JSON.'));
    const array = await h.call('PUT', '/ncf/api/v2/packages/p_long', { body: [] });
    expect(array.json).toEqual(err('100', 'Bad Request Exception', 'The request body must be a JSON object.'));
  });

  it('refuses to move a package to the other platform', async () => {
    const r = await h.call('PUT', '/ncf/api/v2/packages/legacy', { body: {} });
    expect(r.status).toBe(400);
    expect(r.json.error.errorCode).toBe('80102');
    const del = await h.call('DELETE', '/ncf/api/v2/packages/legacy');
    expect(del.status).toBe(400);
    expect(del.json.error.errorCode).toBe('80102');
  });

  it('refuses to delete a package that still has actions', async () => {
    const r = await h.call('DELETE', '/ncf/api/v2/packages/package001');
    expect(r.status).toBe(409);
    expect(r.json).toEqual(err('80109', 'PACKAGE_NOT_EMPTY', "The package 'package001' still contains actions."));
  });

  it.each([
    ['a space', '/ncf/api/v2/packages/bad%20name'],
    ['a leading dash', '/ncf/api/v2/packages/-abc'],
    ['51 characters', `/ncf/api/v2/packages/${'a'.repeat(51)}`],
    ['the "no package" dash', '/ncf/api/v2/packages/-'],
    ['a non-ASCII letter', '/ncf/api/v2/packages/%C3%A9t%C3%A9'],
    ['broken percent-encoding', '/ncf/api/v2/packages/%E0%A4%A'],
  ])('rejects a package name with %s', async (_label, path) => {
    const r = await h.call('GET', path);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ errorCode: '100', message: 'Bad Request Exception' });
  });

  it('accepts a 50-character name', async () => {
    const r = await h.call('PUT', `/ncf/api/v2/packages/${'a'.repeat(50)}`, { body: {} });
    expect(r.status).toBe(200);
  });
});

describe('actions', () => {
  it('lists actions of a package (v2.1 type, v2.0 runtime + web)', async () => {
    const v21 = await h.call('GET', '/ncf/api/v2/packages/examples/actions');
    expect(v21.status).toBe(200);
    expect(v21.json.content.actions.map((a: { name: string }) => a.name)).toEqual([
      'crash',
      'echo',
      'fail',
      'python',
      'slow',
      'sum',
      'timeout',
    ]);
    expect(v21.json.content.actions[1]).toEqual({ name: 'echo', description: 'Returns its parameters', type: 'basic' });
    const v20 = await h.call('GET', '/api/v2/packages/examples/actions?platform=vpc');
    expect(v20.json.content.actions[3]).toEqual({
      name: 'python',
      description: 'A runtime the emulator does not run',
      runtime: 'python:3.7',
      web: false,
    });
  });

  it('lists actions in no package with "-", per platform', async () => {
    const vpc = await h.call('GET', '/ncf/api/v2/packages/-/actions');
    expect(vpc.json).toEqual({
      content: { actions: [{ name: 'ping', description: 'An action in no package', type: 'basic' }] },
    });
    const classic = await h.call('GET', '/api/v2/packages/-/actions');
    expect(classic.json).toEqual({ content: { actions: [] } });
  });

  it('answers 80101 / 80102 when listing actions of an unknown or foreign package', async () => {
    expect((await h.call('GET', '/ncf/api/v2/packages/nope/actions')).json.error.errorCode).toBe('80101');
    expect((await h.call('GET', '/ncf/api/v2/packages/legacy/actions')).json.error.errorCode).toBe('80102');
  });

  it('shows an action (v2.1)', async () => {
    const r = await h.call('GET', '/ncf/api/v2/packages/package003/actions/action000');
    expect(r.json).toEqual({
      content: {
        name: 'action000',
        description: 'The documented example action',
        parameters: {},
        limits: { timeout: 60000, memory: 256 },
        exec: {
          kind: 'nodejs:16',
          code: "function main() {\n  return { payload: 'abc' };\n}",
          main: 'main',
          binary: false,
        },
        resourceId: expect.any(String),
        vpc: [],
        'custom-options': false,
      },
    });
  });

  it('shows an action (v2.0 adds path, web, raw-http; vpc is an object)', async () => {
    const r = await h.call('GET', '/api/v2/packages/legacy/actions/status');
    expect(r.status).toBe(200);
    expect(r.json.content).toMatchObject({
      name: 'status',
      path: 'ncf-emulator/legacy/status',
      web: false,
      'raw-http': false,
      vpc: {},
      exec: { kind: 'nodejs:14' },
    });
    const noPkg = await h.call('GET', '/api/v2/packages/-/actions/ping?platform=vpc');
    expect(noPkg.json.content.path).toBe('ncf-emulator/ping');
  });

  it('answers 80301 for an unknown action and 80302 on the wrong platform', async () => {
    const missing = await h.call('GET', '/ncf/api/v2/packages/examples/actions/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(err('80301', 'ACTION_NOT_FOUND', "The action 'nope' does not exist."));
    const foreignPkg = await h.call('GET', '/ncf/api/v2/packages/legacy/actions/status');
    expect(foreignPkg.status).toBe(400);
    expect(foreignPkg.json).toEqual(err('80302', 'ACTION_PLATFORM_MISMATCH'));
    const foreignLoose = await h.call('DELETE', '/ncf/api/v2/packages/-/actions/ping?platform=classic');
    expect(foreignLoose.status).toBe(400);
    expect(foreignLoose.json.error.errorCode).toBe('80302');
    const unknownPkg = await h.call('GET', '/ncf/api/v2/packages/nope/actions/x');
    expect(unknownPkg.json.error.errorCode).toBe('80101');
  });

  it('creates, updates and deletes an action', async () => {
    await h.call('PUT', '/ncf/api/v2/packages/act_crud', { body: { description: 'for actions' } });
    const created = await h.call('PUT', '/ncf/api/v2/packages/act_crud/actions/first', { body: basicBody() });
    expect(created.status).toBe(200);
    expect(created.json.content).toEqual({
      name: 'first',
      description: 'made by a test',
      parameters: { greeting: 'hi' },
      limits: { timeout: 3000, memory: 128 },
      exec: { kind: 'nodejs:16', code: 'function main(p) { return p; }', main: 'main', binary: false },
      resourceId: expect.any(String),
      vpc: [],
      'custom-options': false,
    });
    const updated = await h.call('PUT', '/ncf/api/v2/packages/act_crud/actions/first', {
      body: basicBody({ limits: { timeout: 500, memory: 1024 }, vpc: [{ vpcNo: 1, subnetNo: 2 }] }),
    });
    expect(updated.json.content.limits).toEqual({ timeout: 500, memory: 1024 });
    expect(updated.json.content.vpc).toEqual([{ vpcNo: 1, subnetNo: 2 }]);
    expect(updated.json.content.resourceId).toBe(created.json.content.resourceId);

    const pkg = await h.call('GET', '/ncf/api/v2/packages/act_crud');
    expect(pkg.json.content.actions).toEqual([{ name: 'first', description: 'made by a test', type: 'basic' }]);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/act_crud')).status).toBe(409);

    const deleted = await h.call('DELETE', '/ncf/api/v2/packages/act_crud/actions/first');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await h.call('GET', '/ncf/api/v2/packages/act_crud/actions/first')).status).toBe(404);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/act_crud/actions/first')).json.error.errorCode).toBe('80301');
    expect((await h.call('DELETE', '/ncf/api/v2/packages/act_crud')).status).toBe(204);
  });

  it('creates an action in no package on the requested platform', async () => {
    const r = await h.call('PUT', '/api/v2/packages/-/actions/loose', { body: basicBody() });
    expect(r.status).toBe(200);
    const classic = await h.call('GET', '/api/v2/packages/-/actions');
    expect(classic.json.content.actions).toEqual([
      { name: 'loose', description: 'made by a test', runtime: 'nodejs:16', web: false },
    ]);
    const onVpc = await h.call('PUT', '/ncf/api/v2/packages/-/actions/loose', { body: basicBody() });
    expect(onVpc.json.error.errorCode).toBe('80302');
  });

  it('requires the package to exist', async () => {
    const r = await h.call('PUT', '/ncf/api/v2/packages/nope/actions/x', { body: basicBody() });
    expect(r.status).toBe(404);
    expect(r.json.error.errorCode).toBe('80101');
  });

  it.each([
    ['no limits', { limits: undefined }, 'limits.timeout is required'],
    ['no timeout', { limits: { memory: 128 } }, 'limits.timeout is required'],
    [
      'timeout too small',
      { limits: { timeout: 499, memory: 128 } },
      'limits.timeout must be an integer between 500 and 300000',
    ],
    [
      'timeout too large',
      { limits: { timeout: 300001, memory: 128 } },
      'limits.timeout must be an integer between 500 and 300000',
    ],
    [
      'timeout as string',
      { limits: { timeout: '1000', memory: 128 } },
      'limits.timeout must be an integer between 500 and 300000',
    ],
    ['no memory', { limits: { timeout: 1000 } }, 'limits.memory is required'],
    ['odd memory', { limits: { timeout: 1000, memory: 300 } }, 'limits.memory must be one of 128, 256, 512, 1024'],
    ['no exec', { exec: undefined }, 'exec.kind is required'],
    ['no code', { exec: { kind: 'nodejs:16', main: 'main', binary: false } }, 'exec.code is required'],
    ['no main', { exec: { kind: 'nodejs:16', code: 'x', binary: false } }, 'exec.main is required'],
    ['no binary', { exec: { kind: 'nodejs:16', code: 'x', main: 'main' } }, 'exec.binary is required'],
    [
      'binary not boolean',
      { exec: { kind: 'nodejs:16', code: 'x', main: 'main', binary: 'no' } },
      'exec.binary must be a boolean',
    ],
    ['parameters not an object', { parameters: 'x' }, 'parameters must be a JSON object'],
    ['v2.0-style vpc on v2.1', { vpc: { vpcNo: 1, subnetNo: 2 } }, 'vpc must be an array of {vpcNo, subnetNo}'],
  ])('answers 80306 for %s', async (_label, overrides, details) => {
    const r = await h.call('PUT', '/ncf/api/v2/packages/examples/actions/invalid', { body: basicBody(overrides) });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { errorCode: '80306', message: 'ACTION_BODY_MISSING_FIELD', details } });
  });

  it('keeps the v2.1 type fixed after creation', async () => {
    const web = await h.call('PUT', '/ncf/api/v2/packages/examples/actions/webby?type=web', { body: basicBody() });
    expect(web.status).toBe(200);
    const same = await h.call('PUT', '/ncf/api/v2/packages/examples/actions/webby', { body: basicBody() });
    expect(same.status).toBe(200);
    const changed = await h.call('PUT', '/ncf/api/v2/packages/examples/actions/webby?type=basic', {
      body: basicBody(),
    });
    expect(changed.status).toBe(400);
    expect(changed.json).toEqual(
      err('100', 'Bad Request Exception', "The type of action 'webby' is 'web' and can't be changed after creation."),
    );
    const bogus = await h.call('PUT', '/ncf/api/v2/packages/examples/actions/webby2?type=lambda', {
      body: basicBody(),
    });
    expect(bogus.status).toBe(400);
    const list = await h.call('GET', '/ncf/api/v2/packages/examples/actions');
    expect(list.json.content.actions).toContainEqual({ name: 'webby', description: 'made by a test', type: 'web' });
    const v20 = await h.call('GET', '/api/v2/packages/examples/actions/webby?platform=vpc');
    expect(v20.json.content.web).toBe(true);
    await h.call('DELETE', '/ncf/api/v2/packages/examples/actions/webby');
  });

  it('takes the v2.0 web flag and vpc object from the body', async () => {
    const r = await h.call('PUT', '/api/v2/packages/legacy/actions/page', {
      body: basicBody({ web: true, vpc: { vpcNo: 7, subnetNo: 8 }, 'raw-http': true }),
    });
    expect(r.status).toBe(200);
    expect(r.json.content).toMatchObject({ web: true, 'raw-http': true, vpc: { vpcNo: 7, subnetNo: 8 } });
    const v21 = await h.call('GET', '/ncf/api/v2/packages/legacy/actions?platform=classic');
    expect(v21.json.content.actions).toContainEqual({ name: 'page', description: 'made by a test', type: 'web' });
    const detail = await h.call('GET', '/ncf/api/v2/packages/legacy/actions/page?platform=classic');
    expect(detail.json.content.vpc).toEqual([{ vpcNo: 7, subnetNo: 8 }]);
  });

  it('rejects bad action names', async () => {
    const r = await h.call('GET', '/ncf/api/v2/packages/examples/actions/-x');
    expect(r.status).toBe(400);
    expect(r.json.error.errorCode).toBe('100');
  });
});

describe('gateway-level errors', () => {
  it('answers 404 "300" for unknown routes', async () => {
    for (const path of [
      '/',
      '/ncf/api/v2',
      '/ncf/api/v2/',
      '/ncf/api/v2/packages/',
      '/ncf/api/v2/rules',
      '/api/v1/packages',
      '/ncf/api/v2/packages/examples/actions/echo/logs',
    ]) {
      const r = await h.call('GET', path);
      expect([path, r.status, r.json.error.errorCode]).toEqual([path, 404, '300']);
    }
  });

  it('answers 405 for a method the resource does not take', async () => {
    const r = await h.call('PATCH', '/ncf/api/v2/packages/package001');
    expect(r.status).toBe(405);
    expect(r.json).toEqual(err('100', 'Method Not Allowed', 'Method PATCH is not allowed on this resource.'));
    expect((await h.call('POST', '/ncf/api/v2/packages')).status).toBe(405);
    expect((await h.call('DELETE', '/ncf/api/v2/activations')).status).toBe(405);
  });

  it('answers 413 "430" above 1 MB and keeps the connection usable', async () => {
    const big = JSON.stringify({ description: 'x'.repeat(1024 * 1024) });
    const r = await h.call('PUT', '/ncf/api/v2/packages/big', { rawBody: big });
    expect(r.status).toBe(413);
    expect(r.json).toEqual(err('430', 'Request Entity Too Large'));
    expect((await h.call('GET', '/ncf/api/v2/packages')).status).toBe(200);
  });
});

describe('errorCodeAsNumber', () => {
  it('sends errorCode as a JSON number', async () => {
    const n = await startHarness({ errorCodeAsNumber: true });
    try {
      const missing = await n.call('GET', '/ncf/api/v2/packages/nope');
      expect(missing.json).toEqual({
        error: { errorCode: 80101, message: 'PACKAGE_NOT_FOUND', details: "The package 'nope' does not exist." },
      });
      const auth = await n.call('GET', '/ncf/api/v2/packages', { signature: null });
      expect(auth.json.error.errorCode).toBe(200);
    } finally {
      await n.close();
    }
  });
});

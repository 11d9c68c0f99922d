// The package and action writes a functions console makes (docs/upstream/cloud-functions.md#packages,
// #actions and docs/upstream/triggers.md), over real HTTP with signed requests on both generations: PUT as
// an upsert, 80109 for a package that still has actions, code inline or as a base64 zip, runtime kinds,
// the 38 MB code and 1 MB parameter bounds, sequences (components that exist, no cycles, run in order), the
// namespace-wide names and the 500-per-kind limit, the delete cascade (triggers unlinked, sequences
// shortened or deleted) and the documented 813xx VPC errors.
import { startHarness, type Harness } from './helpers';

let h: Harness;
const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);

const code = (source: string, kind = 'nodejs:22', binary = false): Record<string, unknown> => ({
  limits: { timeout: 3000, memory: 256 },
  exec: { kind, code: source, main: 'main', binary },
});
const err = (status: number, errorCode: string, message: string, details: string) => ({
  status,
  json: { error: { errorCode, message, details } },
});
const missing = (details: string) => err(400, '80306', 'ACTION_BODY_MISSING_FIELD', details);
const pick = (r: { status: number; json: unknown }) => ({ status: r.status, json: r.json });

beforeAll(async () => {
  h = await startHarness({ seed: false, now: () => T0 });
});
afterAll(() => h.close());

describe.each([
  ['v2.1', '/ncf/api/v2', 'vpc'],
  ['v2.0', '/api/v2', 'classic'],
])('packages on %s', (gen, base, platform) => {
  const pkg = `console-${gen.replace('.', '')}`;

  it('creates and updates with PUT (description replaced, parameters kept when absent), reads it back', async () => {
    const created = await h.call('PUT', `${base}/packages/${pkg}`, {
      body: { description: 'first', parameters: { region: 'KR', secret: 's' } },
    });
    expect(pick(created)).toEqual({
      status: 200,
      json: {
        content: {
          name: pkg,
          description: 'first',
          namespace: 'ncf-emulator',
          parameters: { region: 'KR', secret: 's' },
          resourceId: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
        },
      },
    });
    const updated = await h.call('PUT', `${base}/packages/${pkg}`, { body: { description: 'second' } });
    expect(updated.json.content).toEqual({ ...created.json.content, description: 'second' });
    const params = await h.call('PUT', `${base}/packages/${pkg}`, { body: { parameters: { region: 'JP' } } });
    expect(params.json.content.parameters).toEqual({ region: 'JP' });
    const got = await h.call('GET', `${base}/packages/${pkg}`);
    expect(got.json.content).toEqual({
      name: pkg,
      description: 'second',
      parameters: { region: 'JP' },
      platform,
      resourceId: created.json.content.resourceId,
      actions: [],
    });
  });

  it('refuses to delete it while it has actions (409 80109), then deletes it (204)', async () => {
    expect(
      (await h.call('PUT', `${base}/packages/${pkg}/actions/a1`, { body: code('function main() {}') })).status,
    ).toBe(200);
    const refused = await h.call('DELETE', `${base}/packages/${pkg}`);
    expect(pick(refused)).toEqual(
      err(409, '80109', 'PACKAGE_NOT_EMPTY', `The package '${pkg}' still contains actions.`),
    );
    expect((await h.call('GET', `${base}/packages/${pkg}`)).status).toBe(200);
    expect((await h.call('DELETE', `${base}/packages/${pkg}/actions/a1`)).status).toBe(204);
    const deleted = await h.call('DELETE', `${base}/packages/${pkg}`);
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect((await h.call('GET', `${base}/packages/${pkg}`)).json.error.errorCode).toBe('80101');
  });
});

describe('actions', () => {
  beforeAll(async () => {
    await h.call('PUT', '/ncf/api/v2/packages/cons', { body: { parameters: { from: 'package' } } });
    await h.call('PUT', '/api/v2/packages/ccons', { body: {} });
  });

  it('creates and updates with PUT on both generations; an update replaces the whole action', async () => {
    const first = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/up?type=web', {
      body: { ...code('function main() { return { v: 1 }; }'), parameters: { a: 1 }, 'raw-http': true },
    });
    expect(first.status).toBe(200);
    const second = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/up', {
      body: { ...code('function main() { return { v: 2 }; }', 'nodejs:16'), limits: { timeout: 5000, memory: 1024 } },
    });
    expect(second.json.content).toEqual({
      name: 'up',
      description: '',
      parameters: {},
      limits: { timeout: 5000, memory: 1024 },
      exec: { kind: 'nodejs:16', code: 'function main() { return { v: 2 }; }', main: 'main', binary: false },
      resourceId: first.json.content.resourceId,
      vpc: [],
      'custom-options': false,
    });
    expect((await h.call('GET', '/ncf/api/v2/packages/cons/actions')).json.content.actions).toEqual([
      { name: 'up', description: '', type: 'web' },
    ]);
    const invoked = await h.call('POST', '/ncf/api/v2/packages/cons/actions/up');
    expect(invoked.json.content.response.result).toEqual({ v: 2 });
    const v20 = await h.call('PUT', '/api/v2/packages/ccons/actions/up', {
      body: { ...code('function main() { return {}; }'), web: true },
    });
    expect(v20.json.content).toMatchObject({ path: 'ncf-emulator/ccons/up', web: true, 'raw-http': false, vpc: {} });
  });

  it('takes a binary as base64, shown back as sent, and refuses a binary that is not base64', async () => {
    const zip = Buffer.from('PK\u0003\u0004 a zip would be here').toString('base64');
    const r = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/zipped', { body: code(zip, 'java', true) });
    expect(r.status).toBe(200);
    expect(r.json.content.exec).toEqual({ kind: 'java', code: zip, main: 'main', binary: true });
    const notBase64 = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/zipped', {
      body: code('not base64!', 'java', true),
    });
    expect(pick(notBase64)).toEqual(missing('exec.code must be base64 when exec.binary is true'));
    const run = await h.call('POST', '/ncf/api/v2/packages/cons/actions/zipped');
    expect(run.json.content.response.result).toEqual({ error: 'The emulator runs only nodejs actions.' });
  });

  it.each([
    ['an unknown runtime', code('x', 'cobol:1'), "exec.kind 'cobol:1' is not a known runtime"],
    ['java as text', code('x', 'java:21'), 'exec.binary must be true for the java:21 runtime'],
    ['dotnet as text', code('x', 'dotnet:2.2'), 'exec.binary must be true for the dotnet:2.2 runtime'],
    ['a custom image without imageUri', code('x', 'custom image'), 'exec.imageUri is required for a custom image'],
    [
      'parameters over 1 MB',
      { ...code('x'), parameters: { big: 'x'.repeat(1024 * 1024) } },
      'parameters must be at most 1048576 bytes as JSON',
    ],
    [
      'a sequence kind without the sequence type',
      code('x', 'sequence'),
      "exec.kind 'sequence' needs type=sequence or sequence-web",
    ],
  ])('answers 80306 for %s', async (_label, body, details) => {
    const r = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/refused', { body });
    expect(pick(r)).toEqual(missing(details));
    expect(h.emulator.store.getAction('cons', 'refused')).toBeUndefined();
  });

  it('takes every runtime of the guide, and a custom image with its imageUri', async () => {
    for (const kind of ['nodejs:22', 'python:3.13', 'swift:3.1.1', 'php:7.3', 'go:1.19', 'python:3.7', 'go:1.11']) {
      const r = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/kinds', { body: code('x', kind) });
      expect([kind, r.status]).toEqual([kind, 200]);
    }
    const image = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/kinds', {
      body: {
        ...code('x', 'custom image'),
        exec: { ...(code('x').exec as object), kind: 'custom image', imageUri: 'reg/img:1' },
      },
    });
    expect(image.json.content.exec).toEqual({
      kind: 'custom image',
      code: 'x',
      main: 'main',
      binary: false,
      imageUri: 'reg/img:1',
    });
    expect((await h.call('DELETE', '/ncf/api/v2/packages/cons/actions/kinds')).status).toBe(204);
  });

  it('takes code above the 1 MB body limit of other routes, up to 38 MB, and no more', async () => {
    const twoMb = `function main() { return { n: ${'1'.repeat(8)} }; }\n//${'x'.repeat(2 * 1024 * 1024)}`;
    const unsigned = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/large', {
      body: code(twoMb),
      signature: 'wrong',
    });
    expect(unsigned.status).toBe(401);
    const large = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/large', { body: code(twoMb) });
    expect(large.status).toBe(200);
    expect(h.emulator.store.getAction('cons', 'large')?.exec.code).toBe(twoMb);
    const over = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/large', {
      body: code('x'.repeat(38 * 1024 * 1024 + 1)),
    });
    expect(pick(over)).toEqual(missing('exec.code must be at most 39845888 bytes'));
    const binaryOver = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/large', {
      body: code(Buffer.alloc(38 * 1024 * 1024 + 1).toString('base64'), 'java', true),
    });
    expect(pick(binaryOver)).toEqual(missing('exec.code must be at most 39845888 bytes'));
    const tooLarge = await h.call('PUT', '/ncf/api/v2/packages/cons/actions/large', {
      rawBody: Buffer.alloc(56 * 1024 * 1024 + 1, 0x20),
    });
    expect(pick(tooLarge)).toEqual(
      err(413, '430', 'Request Entity Too Large', 'The request body exceeds 58720256 bytes.'),
    );
    expect(h.emulator.store.getAction('cons', 'large')?.exec.code).toBe(twoMb);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/cons/actions/large')).status).toBe(204);
    expect(h.emulator.store.codeBytes).toBe(
      h.emulator.store.listActions('cons').reduce((n, a) => n + a.exec.code.length, 0) +
        h.emulator.store.listActions('ccons').reduce((n, a) => n + a.exec.code.length, 0),
    );
  }, 60_000);
});

describe('sequences', () => {
  beforeAll(async () => {
    await h.call('PUT', '/ncf/api/v2/packages/seq', { body: { parameters: { from: 'package' } } });
    await h.call('PUT', '/ncf/api/v2/packages/seq/actions/inc', {
      body: { ...code('function main(p) { return { n: (p.n || 0) + 1, from: p.from }; }'), parameters: { step: 1 } },
    });
    await h.call('PUT', '/ncf/api/v2/packages/-/actions/double', {
      body: code('function main(p) { return { n: p.n * 2, from: p.from }; }'),
    });
  });

  it('creates a sequence (v2.1 type=sequence) that runs its components in order', async () => {
    const put = await h.call('PUT', '/ncf/api/v2/packages/seq/actions/chain?type=sequence', {
      body: {
        description: 'inc, double, inc',
        exec: { kind: 'sequence', components: ['seq/inc', '-/double', 'seq/inc'] },
      },
    });
    expect(put.status).toBe(200);
    expect(put.json.content).toEqual({
      name: 'chain',
      description: 'inc, double, inc',
      parameters: {},
      limits: { timeout: 60000, memory: 256 },
      exec: { kind: 'sequence', components: ['seq/inc', '-/double', 'seq/inc'], binary: false },
      resourceId: expect.any(String),
      vpc: [],
      'custom-options': false,
    });
    const run = await h.call('POST', '/ncf/api/v2/packages/seq/actions/chain', { body: { n: 1 } });
    expect(run.status).toBe(200);
    expect(run.json.content.response).toMatchObject({ status: 'success', result: { n: 5, from: 'package' } });
    const ids: string[] = run.json.content.logs;
    expect(ids).toHaveLength(3);
    const first = await h.call('GET', `/ncf/api/v2/packages/seq/actions/inc/activations/${ids[0]}`);
    expect(first.json.content).toMatchObject({ cause: run.json.content.activationId, response: { result: { n: 2 } } });
    expect((await h.call('GET', '/ncf/api/v2/packages/seq/actions')).json.content.actions).toContainEqual({
      name: 'chain',
      description: 'inc, double, inc',
      type: 'sequence',
    });
  });

  it('creates one on v2.0 from exec.kind "sequence" (web: true gives sequence-web)', async () => {
    const put = await h.call('PUT', '/api/v2/packages/seq/actions/webchain?platform=vpc', {
      body: { web: true, exec: { kind: 'sequence', components: ['seq/inc'] } },
    });
    expect(put.json.content).toMatchObject({ web: true, exec: { kind: 'sequence', components: ['seq/inc'] } });
    const listed = await h.call('GET', '/ncf/api/v2/packages/seq/actions');
    expect(listed.json.content.actions).toContainEqual({ name: 'webchain', description: '', type: 'sequence-web' });
    const asBasic = await h.call('PUT', '/api/v2/packages/seq/actions/webchain?platform=vpc', { body: code('x') });
    expect(pick(asBasic)).toEqual(
      err(
        400,
        '100',
        'Bad Request Exception',
        "The type of action 'webchain' is 'sequence-web' and can't be changed after creation.",
      ),
    );
  });

  it.each([
    ['no components', { exec: { kind: 'sequence' } }, 'exec.components is required'],
    ['code instead', code('x'), "exec.kind must be 'sequence' for a sequence action"],
    ['an empty list', { exec: { components: [] } }, 'exec.components must be an array of 1 to 50 actions'],
    [
      'a bare name',
      { exec: { components: ['inc'] } },
      "exec.components must name actions as 'package/action' ('-/action' for no package)",
    ],
    ['a missing action', { exec: { components: ['seq/nope'] } }, "Sequence component 'seq/nope' does not exist."],
    ['itself', { exec: { components: ['seq/inc', 'seq/bad'] } }, 'A sequence may not contain itself.'],
    [
      'parameters',
      { parameters: { a: 1 }, exec: { components: ['seq/inc'] } },
      'parameters are not allowed on a sequence action',
    ],
  ])('answers 80306 for a sequence with %s', async (_label, body, details) => {
    const r = await h.call('PUT', '/ncf/api/v2/packages/seq/actions/bad?type=sequence', { body });
    expect(pick(r)).toEqual(missing(details));
    expect(h.emulator.store.getAction('seq', 'bad')).toBeUndefined();
  });

  it('refuses a cycle through another sequence and a component on the other platform', async () => {
    await h.call('PUT', '/ncf/api/v2/packages/seq/actions/outer?type=sequence', {
      body: { exec: { components: ['seq/chain'] } },
    });
    const cycle = await h.call('PUT', '/ncf/api/v2/packages/seq/actions/chain?type=sequence', {
      body: { exec: { components: ['seq/inc', 'seq/outer'] } },
    });
    expect(pick(cycle)).toEqual(missing('A sequence may not contain itself.'));
    await h.call('PUT', '/api/v2/packages/cseq', { body: {} });
    await h.call('PUT', '/api/v2/packages/cseq/actions/c', { body: code('x') });
    const foreign = await h.call('PUT', '/ncf/api/v2/packages/seq/actions/bad?type=sequence', {
      body: { exec: { components: ['cseq/c'] } },
    });
    expect(pick(foreign)).toEqual(missing("Sequence component 'cseq/c' does not belong to platform 'vpc'."));
  });

  it('deleting a component takes it out of its sequences; a sequence left empty goes too, unlinked', async () => {
    await h.call('PUT', '/ncf/api/v2/packages/seq/actions/solo?type=sequence', {
      body: { exec: { components: ['-/double'] } },
    });
    await h.call('PUT', '/ncf/api/v2/triggers/seqtick?type=cron', { body: { cronOption: '* * * * *' } });
    await h.call('POST', '/ncf/api/v2/triggers/seqtick/link-action', { body: { action: 'solo', package: 'seq' } });
    await h.call('POST', '/ncf/api/v2/triggers/seqtick/link-action', { body: { action: 'double' } });
    expect((await h.call('GET', '/ncf/api/v2/triggers/seqtick')).json.content.actions).toEqual([
      'seq/solo',
      '-/double',
    ]);

    expect((await h.call('DELETE', '/ncf/api/v2/packages/-/actions/double')).status).toBe(204);
    const chain = await h.call('GET', '/ncf/api/v2/packages/seq/actions/chain');
    expect(chain.json.content.exec.components).toEqual(['seq/inc', 'seq/inc']);
    expect((await h.call('GET', '/ncf/api/v2/packages/seq/actions/solo')).json.error.errorCode).toBe('80301');
    expect((await h.call('GET', '/ncf/api/v2/triggers/seqtick')).json.content.actions).toEqual([]);
    const run = await h.call('POST', '/ncf/api/v2/packages/seq/actions/outer', { body: { n: 0 } });
    expect(run.json.content.response.result).toEqual({ n: 2, from: 'package' });
  });
});

describe('namespace bounds', () => {
  it('keeps a package name and an action in no package apart', async () => {
    await h.call('PUT', '/ncf/api/v2/packages/-/actions/freestanding', { body: code('x') });
    const asPackage = await h.call('PUT', '/ncf/api/v2/packages/freestanding', { body: {} });
    expect(pick(asPackage)).toEqual(
      err(
        409,
        '80103',
        'PACKAGE_NAME_DUPLICATED',
        "The name 'freestanding' is already used by an action in this namespace.",
      ),
    );
    const asAction = await h.call('PUT', '/api/v2/packages/-/actions/cons?platform=vpc', { body: code('x') });
    expect(pick(asAction)).toEqual(
      err(409, '80303', 'ACTION_NAME_DUPLICATED', "The name 'cons' is already used by a package in this namespace."),
    );
  });

  it('holds at most 500 packages, actions and triggers (Classic included), still updating at the limit', async () => {
    const limited = await startHarness({ seed: false });
    try {
      const store = limited.emulator.store;
      for (let i = 0; i < 500; i += 1) store.putPackage({ name: `p${i}`, platform: i % 2 ? 'vpc' : 'classic' });
      for (let i = 0; i < 500; i += 1) {
        store.putAction({ packageName: 'p1', name: `a${i}`, exec: { code: 'x' } });
        store.putTrigger({ name: `t${i}`, type: 'cron', cronOption: '0 0 1 1 *' });
      }
      expect(pick(await limited.call('PUT', '/ncf/api/v2/packages/one-more', { body: {} }))).toEqual(
        err(400, '80010', 'RESOURCE_LIMIT_EXCEEDED', 'A namespace holds at most 500 packages.'),
      );
      expect(pick(await limited.call('PUT', '/ncf/api/v2/packages/p1/actions/one-more', { body: code('x') }))).toEqual(
        err(400, '80010', 'RESOURCE_LIMIT_EXCEEDED', 'A namespace holds at most 500 actions.'),
      );
      const trigger = await limited.call('PUT', '/ncf/api/v2/triggers/one-more?type=cron', {
        body: { cronOption: '* * * * *' },
      });
      expect(pick(trigger)).toEqual(
        err(400, '80010', 'RESOURCE_LIMIT_EXCEEDED', 'A namespace holds at most 500 triggers.'),
      );
      expect(
        (await limited.call('PUT', '/ncf/api/v2/packages/p1', { body: { description: 'an update' } })).status,
      ).toBe(200);
      expect((await limited.call('PUT', '/ncf/api/v2/packages/p1/actions/a0', { body: code('y') })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('VPC errors of delete action', () => {
  it.each([
    ['81311', 'ACTION_NAT_EXCEPTION', 'The subnet of the action could not be looked up.'],
    ['81312', 'NAT_CREATE_FAIL', 'The action could not be connected to its subnet.'],
    ['81313', 'NAT_BEING_CREATED', 'The connection of the action to its subnet is in progress.'],
    ['81314', 'NAT_RETURN_FAIL', 'The action is being disconnected from its subnet.'],
  ] as const)('answers 500 %s %s once when injected, then deletes', async (code813, message, details) => {
    await h.call('PUT', '/ncf/api/v2/packages/cons/actions/vpcact', {
      body: { ...code('x'), vpc: [{ vpcNo: 1, subnetNo: 2 }] },
    });
    h.emulator.store.injectVpcFault('cons', 'vpcact', code813);
    expect(pick(await h.call('DELETE', '/ncf/api/v2/packages/cons/actions/vpcact'))).toEqual(
      err(500, code813, message, details),
    );
    expect((await h.call('GET', '/ncf/api/v2/packages/cons/actions/vpcact')).status).toBe(200);
    expect((await h.call('DELETE', '/ncf/api/v2/packages/cons/actions/vpcact')).status).toBe(204);
  });

  it('refuses to inject a fault into a classic or missing action', () => {
    expect(() => h.emulator.store.injectVpcFault('ccons', 'up', '81311')).toThrow('no VPC action ccons/up');
    expect(() => h.emulator.store.injectVpcFault('cons', 'nope', '81311')).toThrow('no VPC action cons/nope');
  });
});

// Regression tests for the security review's "activation subject carries a credential" finding. The
// subject of an activation is who activated it, a user of the namespace; the emulator used to record the
// signing access key there. Every record here (invoke answers, details on both generations, the seeded
// history, the store's raw records) must name the documented user and contain no configured key.
import { defaultSubject, startCloudFunctionsEmulator } from '../../../src/emulators/cloudfunctions';
import { startHarness, type Harness } from './helpers';

const FIRST = { accessKey: 'AKFIRST0000000000001', secretKey: 'SKFIRST000000000000000000000000000000001' };
const SECOND = { accessKey: 'AKSECOND000000000002', secretKey: 'SKSECOND00000000000000000000000000000002' };
const THIRD = {
  accessKey: 'AKTHIRD0000000000003',
  secretKey: 'SKTHIRD000000000000000000000000000000003',
  subject: 'ops-robot',
};
const KEYS = [FIRST, SECOND, THIRD].flatMap((c) => [c.accessKey, c.secretKey]);

/** Every configured key that appears anywhere in the value's JSON (expected: none). */
const leakedKeys = (value: unknown): string[] => {
  const json = JSON.stringify(value);
  return KEYS.filter((k) => json.includes(k));
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ credentials: [FIRST, SECOND, THIRD] });
});
afterAll(() => h.close());

const as = (c: { accessKey: string; secretKey: string }) => ({ accessKey: c.accessKey, secretKey: c.secretKey });

describe('activation subject', () => {
  it('documents the default subject: ncf-emulator-user-<position>, nothing taken from the key', () => {
    expect([defaultSubject(0), defaultSubject(1), defaultSubject(9)]).toEqual([
      'ncf-emulator-user-1',
      'ncf-emulator-user-2',
      'ncf-emulator-user-10',
    ]);
  });

  it(
    'records the user of the signing credential, ' + 'on the invoke answer and the detail of both generations',
    async () => {
      const cases: Array<[typeof FIRST, string]> = [
        [FIRST, 'ncf-emulator-user-1'],
        [SECOND, 'ncf-emulator-user-2'],
        [THIRD, 'ops-robot'],
      ];
      for (const [credential, subject] of cases) {
        const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/echo', {
          body: { n: 1 },
          ...as(credential),
        });
        expect([r.status, r.json.content.subject]).toEqual([200, subject]);
        const id: string = r.json.content.activationId;
        const v21 = await h.call('GET', `/ncf/api/v2/packages/examples/actions/echo/activations/${id}`, as(credential));
        const v20 = await h.call(
          'GET',
          `/api/v2/packages/examples/actions/echo/activations/${id}?platform=vpc`,
          as(credential),
        );
        expect([v21.json.content.subject, v20.json.content.subject]).toEqual([subject, subject]);
        expect(leakedKeys([r.json, r.headers, v21.json, v20.json])).toEqual([]);
        expect(h.emulator.store.getActivation(id)!.subject).toBe(subject);
      }
    },
  );

  it('records the same user for failed, refused and late runs', async () => {
    const paths = [
      '/ncf/api/v2/packages/examples/actions/fail',
      '/ncf/api/v2/packages/examples/actions/crash',
      '/ncf/api/v2/packages/examples/actions/python',
      '/ncf/api/v2/packages/-/actions/ping?timeout=0',
    ];
    for (const path of paths) {
      const r = await h.call('POST', path, as(SECOND));
      const id: string = r.json.content.activationId;
      const detailPath = `${path.replace(/\?.*$/, '')}/activations/${id}`;
      let detail = await h.call('GET', detailPath, as(SECOND));
      for (let i = 0; detail.status === 404 && i < 100; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        detail = await h.call('GET', detailPath, as(SECOND));
      }
      expect([path, detail.status, detail.json.content.subject]).toEqual([path, 200, 'ncf-emulator-user-2']);
      expect(leakedKeys([r.json, detail.json])).toEqual([]);
    }
  });

  it("gives the seeded history the first credential's user", async () => {
    const base = '/ncf/api/v2/packages/package003/actions/action000/activations';
    const list = await h.call('GET', base, as(THIRD));
    expect(list.json.content.totalCount).toBe(3);
    for (const { activationId } of list.json.content.activations as Array<{ activationId: string }>) {
      const detail = await h.call('GET', `${base}/${activationId}`, as(THIRD));
      expect(detail.json.content.subject).toBe('ncf-emulator-user-1');
      expect(leakedKeys(detail.json)).toEqual([]);
    }
  });

  it('keeps every configured key out of every stored record and every list', async () => {
    const records = h.emulator.store.listActivations();
    expect(records.length).toBeGreaterThan(3);
    expect(new Set(records.map((r) => r.subject))).toEqual(
      new Set(['ncf-emulator-user-1', 'ncf-emulator-user-2', 'ops-robot']),
    );
    expect(leakedKeys(records)).toEqual([]);
    const all = await h.call('GET', '/ncf/api/v2/activations?pageSize=100', as(FIRST));
    expect(leakedKeys(all.json)).toEqual([]);
  });

  it('refuses to start with a subject that is a configured key, without echoing the key', async () => {
    for (const subject of [FIRST.accessKey, SECOND.secretKey]) {
      const started = startCloudFunctionsEmulator({ credentials: [FIRST, { ...SECOND, subject }], seed: false });
      await expect(started).rejects.toThrow('credential 2: subject must not be an access key or a secret key');
      await expect(started.catch((e: Error) => leakedKeys(e.message))).resolves.toEqual([]);
    }
    await expect(
      startCloudFunctionsEmulator({ credentials: [{ ...FIRST, subject: '' }], seed: false }),
    ).rejects.toThrow('credential 1: subject must be a non-empty string');
  });
});

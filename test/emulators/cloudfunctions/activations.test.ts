// Activation history (docs/upstream/cloud-functions.md#activations): the seeded records of an action, the full
// OpenWhisk-style record on each generation, 404 80401 for what cannot be seen, paging, the start/end filters
// (epoch ms on v2.1, KST local time on v2.0) and the one-month retention.
import type { ActivationRecord, CloudFunctionsEmulator, Platform } from '../../../src/emulators/cloudfunctions';
import { SEED_ACTIVATION_ID, SEED_ACTIVATION_IDS } from '../../../src/emulators/cloudfunctions/seed';
import { startHarness, type Harness } from './helpers';

// 2025-06-15T03:00:00Z = 12:00:00 KST, on a whole second so the v2.0 strings below are exact.
const NOW = Date.UTC(2025, 5, 15, 3, 0, 0);
const kst = (ms: number): string => new Date(ms + 9 * 3600 * 1000).toISOString().slice(0, 19);

function addRecord(
  em: CloudFunctionsEmulator,
  where: { platform: Platform; pkg: string; action: string },
  start: number,
  duration: number,
  id: string,
): void {
  const record: ActivationRecord = {
    activationId: id,
    name: where.action,
    namespace: 'ncf-emulator',
    subject: 'ncf-emulator-user-1',
    version: '0.0.1',
    publish: false,
    start,
    end: start + duration,
    duration,
    logs: [],
    response: { status: 'success', statusCode: 0, success: true, result: {}, size: 2 },
    annotations: [],
  };
  em.store.addActivation({ platform: where.platform, packageName: where.pkg, actionName: where.action, record });
}

const hex = (n: number): string => n.toString(16).padStart(32, '0');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW });
  const echo = { platform: 'vpc' as const, pkg: 'examples', action: 'echo' };
  // 45 records, one per second, each at .300 within its second: i = 1 is the newest.
  for (let i = 45; i >= 1; i -= 1) addRecord(h.emulator, echo, NOW - i * 1000 + 300, i, hex(i));
  addRecord(h.emulator, { platform: 'classic', pkg: 'legacy', action: 'status' }, NOW - 5000, 3, hex(1000));
  addRecord(h.emulator, echo, NOW - 40 * 24 * 3600 * 1000, 1, hex(2000)); // older than a month
});
afterAll(() => h.close());

describe('activation history of an action', () => {
  const base = '/ncf/api/v2/packages/package003/actions/action000/activations';

  it('lists the seeded runs most recent first, duration as an integer on v2.1', async () => {
    const r = await h.call('GET', base);
    expect(r.status).toBe(200);
    expect(r.json.content.totalCount).toBe(3);
    expect(r.json.content.activations.map((a: { duration: number }) => a.duration)).toEqual([12, 7, 25]);
    for (const a of r.json.content.activations) {
      expect(Object.keys(a)).toEqual(['activationId', 'duration', 'status']);
      expect(a.activationId).toMatch(/^[0-9a-f]{32}$/);
      expect(a.status).toBe('success');
    }
  });

  it(
    'gives the seeded runs their fixed, documented ids on every start ' + '(the README reads SEED_ACTIVATION_ID)',
    async () => {
      const r = await h.call('GET', base);
      expect(r.json.content.activations.map((a: { activationId: string }) => a.activationId)).toEqual([
        ...SEED_ACTIVATION_IDS,
      ]);
      expect(SEED_ACTIVATION_ID).toBe('437a95a8ade56441a054f111f20c95c6');
      const again = await startHarness({ now: () => NOW });
      try {
        expect((await again.call('GET', `${base}/${SEED_ACTIVATION_ID}`)).json.content).toMatchObject({
          activationId: SEED_ACTIVATION_ID,
          duration: 12,
        });
      } finally {
        await again.close();
      }
    },
  );

  it('sends duration as a string on v2.0', async () => {
    const r = await h.call('GET', '/api/v2/packages/package003/actions/action000/activations?platform=vpc');
    expect(r.json.content.activations.map((a: { duration: string }) => a.duration)).toEqual(['12', '7', '25']);
  });

  it('shows the full OpenWhisk-style record, per generation', async () => {
    const list = await h.call('GET', base);
    const id: string = list.json.content.activations[0].activationId;
    const r = await h.call('GET', `${base}/${id}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      content: {
        activationId: id,
        name: 'action000',
        namespace: 'ncf-emulator',
        subject: 'ncf-emulator-user-1',
        version: '0.0.1',
        publish: false,
        start: NOW - 120000,
        end: NOW - 120000 + 12,
        duration: 12,
        logs: [],
        response: { status: 'success', statusCode: 0, success: true, result: { payload: 'abc' }, size: 17 },
        annotations: [
          { key: 'path', value: 'ncf-emulator/package003/action000' },
          { key: 'waitTime', value: 3 },
          { key: 'kind', value: 'nodejs:16' },
          { key: 'timeout', value: false },
          { key: 'limits', value: { concurrency: 1, logs: 10, memory: 256, timeout: 60000 } },
          { key: 'initTime', value: 1 },
        ],
      },
    });
    const v20 = await h.call('GET', `/api/v2/packages/package003/actions/action000/activations/${id}?platform=vpc`);
    expect(v20.json.content.duration).toBe('12');
    expect({ ...v20.json.content, duration: 12 }).toEqual(r.json.content);
  });

  it('answers 404 80401 for an unknown id, another action, another platform or a record past retention', async () => {
    const notFound = { error: { errorCode: '80401', message: 'ACTIVATION_NOT_FOUND', details: expect.any(String) } };
    const unknown = await h.call('GET', `${base}/${'f'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(notFound);
    const wrongAction = await h.call('GET', `/ncf/api/v2/packages/examples/actions/fail/activations/${hex(1)}`);
    expect(wrongAction.json).toEqual(notFound);
    const right = await h.call('GET', `/ncf/api/v2/packages/examples/actions/echo/activations/${hex(1)}`);
    expect(right.status).toBe(200);
    const wrongPlatform = await h.call(
      'GET',
      `/ncf/api/v2/packages/examples/actions/echo/activations/${hex(1)}?platform=classic`,
    );
    expect(wrongPlatform.status).toBe(404);
    const expired = await h.call('GET', `/ncf/api/v2/packages/examples/actions/echo/activations/${hex(2000)}`);
    expect(expired.json).toEqual(notFound);
    expect(h.emulator.store.getActivation(hex(2000))).toBeUndefined();
  });

  it('answers 80301 / 80101 when the action or package does not exist', async () => {
    expect((await h.call('GET', '/ncf/api/v2/packages/examples/actions/nope/activations')).json.error.errorCode).toBe(
      '80301',
    );
    expect((await h.call('GET', '/ncf/api/v2/packages/nope/actions/x/activations')).json.error.errorCode).toBe('80101');
  });
});

describe('paging', () => {
  const echo = '/ncf/api/v2/packages/examples/actions/echo/activations';
  const ids = (r: { json: { content: { activations: Array<{ activationId: string }> } } }): string[] =>
    r.json.content.activations.map((a) => a.activationId);

  it('pages 20 at a time by default, most recent first, with the total', async () => {
    const first = await h.call('GET', echo);
    expect(first.json.content.totalCount).toBe(45);
    expect(ids(first)).toEqual(Array.from({ length: 20 }, (_, k) => hex(k + 1)));
    const third = await h.call('GET', `${echo}?pageNo=3`);
    expect(ids(third)).toEqual([41, 42, 43, 44, 45].map(hex));
    expect(third.json.content.totalCount).toBe(45);
    const beyond = await h.call('GET', `${echo}?pageNo=4`);
    expect(beyond.json.content).toEqual({ activations: [], totalCount: 45 });
  });

  it('honours pageSize up to 100', async () => {
    const r = await h.call('GET', `${echo}?pageSize=7&pageNo=2`);
    expect(ids(r)).toEqual([8, 9, 10, 11, 12, 13, 14].map(hex));
    const max = await h.call('GET', `${echo}?pageSize=100`);
    expect(max.json.content.activations).toHaveLength(45);
  });

  it.each(['pageSize=0', 'pageSize=101', 'pageSize=abc', 'pageNo=0', 'pageNo=-1', 'pageNo=1.5'])(
    'rejects %s',
    async (q) => {
      const r = await h.call('GET', `${echo}?${q}`);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ errorCode: '100', message: 'Bad Request Exception' });
    },
  );

  it('lists every action of the platform on /activations', async () => {
    const vpc = await h.call('GET', '/ncf/api/v2/activations?pageSize=100');
    expect(vpc.json.content.totalCount).toBe(48); // 45 echo + 3 seeded
    expect(ids(vpc).slice(0, 3)).toEqual([hex(1), hex(2), hex(3)]);
    const classic = await h.call('GET', '/api/v2/activations');
    expect(classic.json.content).toEqual({
      activations: [{ activationId: hex(1000), duration: '3', status: 'success' }],
      totalCount: 1,
    });
  });

  it('filters by start/end as epoch ms on v2.1 (inclusive)', async () => {
    const r = await h.call('GET', `${echo}?start=${NOW - 10000}&end=${NOW - 4000}`);
    expect(ids(r)).toEqual([5, 6, 7, 8, 9, 10].map(hex));
    const exact = await h.call('GET', `${echo}?start=${NOW - 4700}&end=${NOW - 4700}`);
    expect(ids(exact)).toEqual([hex(5)]);
  });

  it('filters by start/end as KST local time on v2.0, end covering its whole second', async () => {
    expect(kst(NOW)).toBe('2025-06-15T12:00:00');
    const q = `start=${kst(NOW - 10000)}&end=${kst(NOW - 5000)}&platform=vpc`;
    const r = await h.call('GET', `/api/v2/packages/examples/actions/echo/activations?${q}`);
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual([5, 6, 7, 8, 9, 10].map(hex));
    expect(r.json.content.totalCount).toBe(6);
    // The same query as URLSearchParams would encode it (':' as %3A).
    const encoded = new URLSearchParams({ start: kst(NOW - 10000), end: kst(NOW - 5000), platform: 'vpc' }).toString();
    expect(encoded).toContain('%3A');
    const r2 = await h.call('GET', `/api/v2/packages/examples/actions/echo/activations?${encoded}`);
    expect(ids(r2)).toEqual(ids(r));
  });

  it('keeps only the last month, even when start asks for more', async () => {
    const r = await h.call('GET', `${echo}?start=0&pageSize=100`);
    expect(r.json.content.totalCount).toBe(45);
  });

  it.each([
    ['/ncf/api/v2', 'start=abc'],
    ['/ncf/api/v2', `start=${kst(NOW)}`],
    ['/ncf/api/v2', 'end=1.5'],
    ['/api/v2', `start=${NOW}`],
    ['/api/v2', 'end=2025-13-01T00:00:00'],
    ['/api/v2', 'start=2025-02-30T00:00:00'],
    ['/api/v2', 'start=2025-06-15%2012:00:00'],
    ['/ncf/api/v2', `start=${NOW}&end=${NOW - 1}`],
  ])('rejects %s ?%s', async (prefix, q) => {
    const r = await h.call('GET', `${prefix}/activations?${q}`);
    expect(r.status).toBe(400);
    expect(r.json.error.errorCode).toBe('100');
  });
});

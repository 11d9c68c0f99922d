// Cron triggers firing on schedule inside the emulator (docs/upstream/triggers.md#cron-triggers): on the
// emulator's own clock, which these tests pin and move by hand before calling cron.tick(), so every firing
// is exact; the schedule read in KST; no catching up on missed times; a schedule that follows updates and
// deletes; the trigger activation and the linked run listed under the trigger and under the action, with
// the parameter precedence invoke > trigger > action > package; the seeded every-minute trigger; and the
// emulator-only cronTimeScale that runs the real timer faster.
import { startCloudFunctionsEmulator } from '../../../src/emulators/cloudfunctions';
import { SEED_TRIGGER } from '../../../src/emulators/cloudfunctions/seed';
import { ACCESS_KEY, eventually, SECRET_KEY, startHarness, type Harness } from './helpers';

// Monday 2026-01-05 12:00:30 KST (03:00:30 UTC).
const T0 = Date.UTC(2026, 0, 5, 3, 0, 30);
const MINUTE = 60_000;
let t = T0;
let h: Harness;

const action = {
  parameters: { level: 'action', a: 1 },
  limits: { timeout: 3000, memory: 128 },
  exec: { kind: 'nodejs:22', code: 'function main(p) { return p; }', main: 'main', binary: false },
};

beforeAll(async () => {
  h = await startHarness({ seed: false, now: () => t });
  await h.call('PUT', '/ncf/api/v2/packages/cronpkg', { body: { parameters: { level: 'package', p: 1 } } });
  await h.call('PUT', '/ncf/api/v2/packages/cronpkg/actions/show', { body: action });
  const put = await h.call('PUT', '/ncf/api/v2/triggers/every2?type=cron', {
    body: { cronOption: '*/2 * * * *', parameters: { level: 'trigger', t: 1 } },
  });
  expect(put.status).toBe(200);
  await h.call('POST', '/ncf/api/v2/triggers/every2/link-action', { body: { action: 'show', package: 'cronpkg' } });
});
afterAll(() => h.close());

describe('a cron trigger on the emulator clock', () => {
  it('does not fire before its time, fires once at it, and not again in the same minute', async () => {
    expect(h.emulator.cron.tick()).toEqual([]);
    t = T0 + 89_999; // 12:01:59.999
    expect(h.emulator.cron.tick()).toEqual([]);
    t = T0 + 90_000; // 12:02:00
    const fired = h.emulator.cron.tick();
    expect(fired).toEqual([
      {
        trigger: 'every2',
        activationId: expect.stringMatching(/^[0-9a-f]{32}$/),
        runs: [{ activationId: expect.stringMatching(/^[0-9a-f]{32}$/), done: expect.any(Promise) }],
      },
    ]);
    expect(h.emulator.cron.tick()).toEqual([]);
    const [firing] = fired;
    const [run] = firing!.runs;
    await run!.done;

    // The trigger activation, under the trigger.
    const list = await h.call('GET', '/ncf/api/v2/triggers/every2/activations');
    expect(list.json.content).toEqual({
      activations: [{ activationId: firing!.activationId, duration: 0, status: 'success' }],
      totalCount: 1,
    });
    const detail = await h.call('GET', `/ncf/api/v2/triggers/every2/activations/${firing!.activationId}`);
    expect(detail.json.content).toEqual({
      activationId: firing!.activationId,
      name: 'every2',
      namespace: 'ncf-emulator',
      subject: 'ncf-emulator-user-1',
      version: '0.0.1',
      publish: false,
      start: T0 + 90_000,
      end: 0,
      duration: 0,
      logs: [
        JSON.stringify({
          statusCode: 0,
          success: true,
          activationId: run!.activationId,
          rule: 'ncf-emulator/every2-cronpkg-show',
          action: 'ncf-emulator/cronpkg/show',
        }),
      ],
      response: { status: 'success', statusCode: 0, success: true, result: { level: 'trigger', t: 1 }, size: 25 },
      annotations: [{ key: 'path', value: 'ncf-emulator/every2' }],
    });

    // The linked action's run, under the action: trigger > action > package, caused by the trigger activation.
    const runs = await h.call('GET', '/ncf/api/v2/packages/cronpkg/actions/show/activations');
    expect(runs.json.content.activations.map((a: { activationId: string }) => a.activationId)).toEqual([
      run!.activationId,
    ]);
    const record = await h.call('GET', `/ncf/api/v2/packages/cronpkg/actions/show/activations/${run!.activationId}`);
    expect(record.json.content).toMatchObject({
      name: 'show',
      subject: 'ncf-emulator-user-1',
      start: T0 + 90_000,
      cause: firing!.activationId,
      response: { status: 'success', success: true, result: { level: 'trigger', p: 1, a: 1, t: 1 } },
    });
    // Both are in the namespace-wide list, on both generations.
    const all = await h.call('GET', '/ncf/api/v2/activations');
    expect(all.json.content.activations.map((a: { activationId: string }) => a.activationId).sort()).toEqual(
      [firing!.activationId, run!.activationId].sort(),
    );
    const v20 = await h.call('GET', '/api/v2/activations?platform=vpc');
    expect(v20.json.content.totalCount).toBe(2);
    // A scheduled run is a trigger's run, not an invoke.
    expect([h.emulator.store.runsStarted, h.emulator.store.triggerRunsStarted]).toEqual([0, 1]);
  });

  it('puts runtime parameters first when fired over HTTP: invoke > trigger > action > package', async () => {
    const fired = await h.call('POST', '/ncf/api/v2/triggers/every2', { body: { level: 'invoke', i: 1 } });
    const detail = await h.call('GET', `/ncf/api/v2/triggers/every2/activations/${fired.json.content.activationId}`);
    const runId = JSON.parse(detail.json.content.logs[0]).activationId as string;
    const record = await eventually(async () => {
      const r = await h.call('GET', `/ncf/api/v2/packages/cronpkg/actions/show/activations/${runId}`);
      return r.status === 200 ? r.json.content : undefined;
    });
    expect(record.response.result).toEqual({ level: 'invoke', p: 1, a: 1, t: 1, i: 1 });
    expect(detail.json.content.response.result).toEqual({ level: 'invoke', t: 1, i: 1 });
  });

  it('fires once for several missed times (no catching up), then keeps its schedule', async () => {
    t = T0 + 90_000 + 10 * MINUTE; // 12:12:00, five times missed
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2']);
    t += MINUTE; // 12:13
    expect(h.emulator.cron.tick()).toEqual([]);
    t += MINUTE; // 12:14
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2']);
  });

  it('reads the expression in KST', async () => {
    await h.call('PUT', '/ncf/api/v2/triggers/nine?type=cron', { body: { cronOption: '0 9 * * *' } });
    await h.call('POST', '/ncf/api/v2/triggers/nine/link-action', { body: { action: 'show', package: 'cronpkg' } });
    t = Date.UTC(2026, 0, 6, 0, 0, 0) - 1; // 08:59:59.999 KST on Tuesday
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2']);
    t += 1; // 09:00 KST = 00:00 UTC, also a time of every2
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2', 'nine']);
    t = Date.UTC(2026, 0, 6, 9, 0, 0); // 09:00 UTC is 18:00 KST: not a time of "nine"
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2']);
  });

  it('follows an update of the expression and stops at delete; a trigger with no link does not fire', async () => {
    await h.call('PUT', '/ncf/api/v2/triggers/nine?type=cron', { body: { cronOption: '30 18 * * *' } });
    t = Date.UTC(2026, 0, 6, 9, 30, 0); // 18:30 KST
    expect(h.emulator.cron.tick().map((f) => f.trigger)).toEqual(['every2', 'nine']);
    await h.call('DELETE', '/ncf/api/v2/triggers/every2/link-action', { body: { action: 'show', package: 'cronpkg' } });
    await h.call('DELETE', '/ncf/api/v2/triggers/nine');
    const before = h.emulator.store.listActivations().length;
    t += 24 * 60 * MINUTE;
    expect(h.emulator.cron.tick()).toEqual([]);
    expect(h.emulator.store.listActivations().length).toBe(before);
  });

  it('does nothing after close', async () => {
    const other = await startHarness({ now: () => t });
    await other.close();
    t += MINUTE;
    expect(other.emulator.cron.tick()).toEqual([]);
  });
});

describe('the seeded trigger', () => {
  it(`${SEED_TRIGGER} greets through package001/hello every minute, with its own name parameter`, async () => {
    let clock = T0;
    const seeded = await startHarness({ now: () => clock });
    try {
      const trigger = await seeded.call('GET', `/ncf/api/v2/triggers/${SEED_TRIGGER}`);
      expect(trigger.json.content).toEqual({
        name: SEED_TRIGGER,
        type: 'cron',
        description: 'Greets every minute (a cron trigger linked to package001/hello)',
        parameters: { name: 'the every-minute trigger' },
        resourceId: expect.any(String),
        actions: ['package001/hello'],
        execOption: [{ key: 'cron', value: '* * * * *' }],
      });
      clock = T0 + 30_000; // 12:01:00 KST
      const [firing] = seeded.emulator.cron.tick();
      const record = (await firing!.runs[0]!.done) as { response: { result: unknown }; logs: string[] };
      expect(record.response.result).toEqual({ greeting: 'Hello, the every-minute trigger from NAVER Cloud!' });
      expect(record.logs[0]).toMatch(/ stdout: Saying hello to the every-minute trigger$/);
      // What the seed's counted lists show is unchanged: no invoke, action000's three runs.
      expect(seeded.emulator.store.runsStarted).toBe(0);
      const history = await seeded.call('GET', '/ncf/api/v2/packages/package003/actions/action000/activations');
      expect(history.json.content.totalCount).toBe(3);
    } finally {
      await seeded.close();
    }
  });

  it('fires by itself on the real timer, here with cronTimeScale 3600 (a minute of schedule per 17 ms)', async () => {
    const fast = await startHarness({ cronTimeScale: 3600 });
    try {
      const runs = await eventually(() => (fast.emulator.store.triggerRunsStarted >= 2 ? true : undefined), 10_000);
      expect(runs).toBe(true);
      const list = await fast.call('GET', `/ncf/api/v2/triggers/${SEED_TRIGGER}/activations`);
      expect(list.json.content.totalCount).toBeGreaterThanOrEqual(2);
      expect(fast.emulator.store.runsStarted).toBe(0);
    } finally {
      await fast.close();
    }
  });

  it('runs no timer with cronTimer false: a schedule fires only on tick()', async () => {
    const quiet = await startHarness({ cronTimeScale: 3600, cronTimer: false });
    try {
      // At this scale the seeded every-minute trigger would have fired about 12 times by now.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(quiet.emulator.store.triggerRunsStarted).toBe(0);
      expect(quiet.emulator.cron.tick().length).toBe(1);
      expect(quiet.emulator.store.triggerRunsStarted).toBe(1);
    } finally {
      await quiet.close();
    }
  });

  it('refuses a cronTimeScale outside 1 to 86400', async () => {
    for (const cronTimeScale of [0, 0.5, 86_401, Number.NaN]) {
      await expect(
        startCloudFunctionsEmulator({ credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }], cronTimeScale }),
      ).rejects.toThrow('cronTimeScale must be a number from 1 to 86400');
    }
  });
});

/**
 * invokeAction over HTTP against the emulator: finished, failed, long and rejected runs, and the
 * emulator's slowActionMs (how long examples/slow takes: 3 s unless a test asks for less).
 */
import { startCloudFunctionsEmulator } from '../../src/emulators/cloudfunctions';
import { TEST_CREDENTIALS, useHarness } from '../helpers/gateway';

const INVOKE = `mutation($input: InvokeActionInput!) {
  invokeAction(input: $input) {
    activationId completed
    activation { id name status success result logs durationMs startedAt }
  }
}`;

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('invokeAction (default answers: 202 pending, 502 failed)', () => {
  const h = useHarness();

  it('runs package003/action000 in one upstream call and returns its record', async () => {
    const res = await h.gql(INVOKE, { input: { package: 'package003', action: 'action000' } });
    const payload = res.body.data.invokeAction;
    expect(res.body.errors).toBeUndefined();
    expect(payload).toEqual({
      activationId: expect.stringMatching(/^[0-9a-f]{32}$/),
      completed: true,
      activation: {
        id: payload.activationId,
        name: 'action000',
        status: 'SUCCESS',
        success: true,
        result: { payload: 'abc' },
        logs: [],
        durationMs: expect.any(Number),
        startedAt: expect.any(String),
      },
    });
    expect(h.upstreamCalls()).toEqual(['POST /ncf/api/v2/packages/package003/actions/action000?platform=vpc']);
    expect(h.emulator.store.runsStarted).toBeGreaterThan(0);
  });

  it('merges package and action defaults under the invoke params', async () => {
    const byDefault = await h.gql(INVOKE, { input: { package: 'package001', action: 'hello' } });
    expect(byDefault.body.data.invokeAction.activation.result).toEqual({
      greeting: 'Hello, Cloud Functions from NAVER Cloud!',
    });
    const overridden = await h.gql(INVOKE, {
      input: { package: 'package001', action: 'hello', params: { name: 'Ada' } },
    });
    const activation = overridden.body.data.invokeAction.activation;
    expect(activation.result).toEqual({ greeting: 'Hello, Ada from NAVER Cloud!' });
    expect(activation.logs).toHaveLength(1);
    expect(activation.logs[0]).toMatch(/stdout: Saying hello to Ada$/);
  });

  it('reports a failed run as completed with success false, not as an error', async () => {
    const fail = await h.gql(INVOKE, { input: { package: 'examples', action: 'fail' } });
    expect(fail.body.errors).toBeUndefined();
    expect(fail.body.data.invokeAction).toMatchObject({
      completed: true,
      activation: { status: 'APPLICATION_ERROR', success: false, result: { error: 'Something went wrong' } },
    });
    const crash = await h.gql(INVOKE, { input: { package: 'examples', action: 'crash' } });
    expect(crash.body.errors).toBeUndefined();
    expect(crash.body.data.invokeAction).toMatchObject({
      completed: true,
      activation: { status: 'ACTION_DEVELOPER_ERROR', success: false },
    });
  });

  it(
    'answers completed: false with the activation id when the run outlives the wait, ' + 'then the run can be read',
    async () => {
      const res = await h.gql(INVOKE, { input: { package: 'examples', action: 'slow', timeoutMs: 0 } });
      expect(res.body.errors).toBeUndefined();
      const { activationId, completed, activation } = res.body.data.invokeAction;
      expect(completed).toBe(false);
      expect(activation).toBeNull();
      expect(activationId).toMatch(/^[0-9a-f]{32}$/);
      expect(h.upstreamCalls()).toEqual(['POST /ncf/api/v2/packages/examples/actions/slow?platform=vpc&timeout=0']);

      const finished = await waitFor(async () => {
        const r = await h.gql(
          'query($id: ID!) { activation(package: "examples", action: "slow", id: $id) { status result durationMs } }',
          { id: activationId },
        );
        return r.body.data.activation;
      });
      expect(finished.status).toBe('SUCCESS');
      expect(finished.result).toEqual({ done: true });
      expect(finished.durationMs).toBeGreaterThanOrEqual(3000);
    },
  );

  it('describes examples/slow as the README does: 3 seconds', async () => {
    const res = await h.gql('{ action(package: "examples", name: "slow") { description } }');
    expect(res.body).toEqual({
      data: { action: { description: 'Answers after 3 seconds, longer than a short invoke wait' } },
    });
  });

  it('validates input before any upstream call', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ action: 'ping', params: [1, 2] }, 'params must be a JSON object.'],
      [{ action: 'ping', params: 'text' }, 'params must be a JSON object.'],
      [{ action: 'ping', timeoutMs: -1 }, 'timeoutMs must be from 0 to 60000.'],
      [{ action: 'ping', timeoutMs: 60001 }, 'timeoutMs must be from 0 to 60000.'],
      [{ action: '-ping' }, "Invalid action name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'."],
      [
        { package: 'a b', action: 'ping' },
        "Invalid package name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.",
      ],
    ];
    for (const [input, message] of cases) {
      const res = await h.gql(INVOKE, { input });
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message,
          path: ['invokeAction'],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
        }),
      ]);
    }
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('reports an action that does not exist as NOT_FOUND, naming it and its platform', async () => {
    const res = await h.gql(INVOKE, { input: { package: 'package003', action: 'missing' } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'No action "package003/missing" on the vpc platform.',
        path: ['invokeAction'],
        extensions: expect.objectContaining({
          code: 'NOT_FOUND',
          upstream: { service: 'cloudfunctions', status: 404, errorCode: '80301' },
        }),
      }),
    ]);
    const loose = await h.gql(INVOKE, { input: { action: 'nope', platform: 'CLASSIC' } });
    expect(loose.body.errors?.[0]).toMatchObject({
      message: 'No action "nope" on the classic platform.',
      extensions: { code: 'NOT_FOUND' },
    });
  });
});

describe('invokeAction with the other documented answers (200 pending, 200 failed)', () => {
  const h = useHarness({ emulator: { pendingInvokeStatus: 200, failedInvokeStatus: 200 } }, { resetCalls: false });

  it('reads 200 with only an activationId as pending', async () => {
    const res = await h.gql(INVOKE, { input: { package: 'examples', action: 'slow', timeoutMs: 0 } });
    expect(res.body.data.invokeAction).toEqual({
      activationId: expect.stringMatching(/^[0-9a-f]{32}$/),
      completed: false,
      activation: null,
    });
  });

  it('reads 200 with a failed record as a completed failure', async () => {
    const res = await h.gql(INVOKE, { input: { package: 'examples', action: 'fail' } });
    expect(res.body.data.invokeAction).toMatchObject({
      completed: true,
      activation: { status: 'APPLICATION_ERROR', success: false },
    });
  });
});

describe('the emulator option slowActionMs', () => {
  const h = useHarness({ emulator: { slowActionMs: 1200 } });

  it('makes examples/slow take that long, and say so in its description and log line', async () => {
    const started = await h.gql(INVOKE, { input: { package: 'examples', action: 'slow', timeoutMs: 0 } });
    const { activationId, completed } = started.body.data.invokeAction;
    expect(completed).toBe(false);
    const finished = await waitFor(async () => {
      const r = await h.gql(
        'query($id: ID!) { activation(package: "examples", action: "slow", id: $id) { result logs durationMs } }',
        { id: activationId },
      );
      return r.body.data.activation;
    });
    expect(finished).toEqual({
      result: { done: true },
      logs: [expect.stringMatching(/stdout: working for 1\.2 seconds$/)],
      durationMs: expect.any(Number),
    });
    expect(finished.durationMs).toBeGreaterThanOrEqual(1200);
    expect(finished.durationMs).toBeLessThan(3000);
    const action = await h.gql('{ action(package: "examples", name: "slow") { description } }');
    expect(action.body.data.action.description).toBe('Answers after 1.2 seconds, longer than a short invoke wait');
  });

  it('refuses a duration that is not a whole number of milliseconds under the 10 s time limit', async () => {
    for (const slowActionMs of [0, 1.5, 10_000, Number.NaN]) {
      await expect(startCloudFunctionsEmulator({ credentials: [TEST_CREDENTIALS], slowActionMs })).rejects.toThrow(
        'slowActionMs must be a whole number of milliseconds from 1 to 9999 (under its 10 s limit)',
      );
    }
  });
});

/**
 * A run that says "not found": Query.activationStatus tells FINISHED, PENDING (a run this gateway
 * started) and NOT_FOUND apart, and a subscription to an id nobody started ends with NOT_FOUND once
 * its action's time limit (plus a margin of seconds) has passed, not after minutes.
 */
import { useHarness } from '../helpers/gateway';
import { runOverWs, closeClients, wsClientFor } from '../helpers/transports';

const STATUS = `query($action: String!, $id: ID!) {
  activationStatus(package: "examples", action: $action, id: $id) {
    state startedAt endsBy reason activation { id status }
  }
}`;
const WRONG_ID = '0123456789abcdef0123456789abcdef';

describe('activationStatus and activationCompleted for runs that are not there', () => {
  const h = useHarness();
  afterAll(() => closeClients());

  it(
    'FINISHED with the run, PENDING for a run this gateway started, ' + 'NOT_FOUND for a typo or a missing action',
    async () => {
      const done = await h.gql(
        'mutation { invokeAction(input: { package: "examples", action: "echo", params: { a: 1 } }) { activationId } }',
      );
      const finished = await h.gql(STATUS, { action: 'echo', id: done.body.data.invokeAction.activationId });
      expect(finished.body).toEqual({
        data: {
          activationStatus: {
            state: 'FINISHED',
            startedAt: null,
            endsBy: null,
            reason: null,
            activation: { id: done.body.data.invokeAction.activationId, status: 'SUCCESS' },
          },
        },
      });

      const before = Date.now();
      const slow = await h.gql(
        'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 0 }) { activationId } }',
      );
      const pending = await h.gql(STATUS, { action: 'slow', id: slow.body.data.invokeAction.activationId });
      const status = pending.body.data.activationStatus;
      expect(status).toMatchObject({ state: 'PENDING', reason: null, activation: null });
      expect(Date.parse(status.startedAt)).toBeGreaterThanOrEqual(before - 1);
      // examples/slow's time limit is 10 s; the margin 5 s.
      expect(Date.parse(status.endsBy) - Date.parse(status.startedAt)).toBe(15_000);

      const typo = await h.gql(STATUS, { action: 'slow', id: WRONG_ID });
      expect(typo.body.data.activationStatus).toEqual({
        state: 'NOT_FOUND',
        startedAt: null,
        endsBy: null,
        activation: null,
        reason:
          `No run ${WRONG_ID} of the action "examples/slow": a run of it ends within its time limit of 10 s, ` +
          'and none with this id has been recorded.',
      });
      const missing = await h.gql(STATUS, { action: 'nope', id: WRONG_ID });
      expect(missing.body.data.activationStatus).toMatchObject({
        state: 'NOT_FOUND',
        reason: 'No action "examples/nope" on the vpc platform.',
      });
    },
  );

  it('ends a subscription to an id nobody started once its action could no longer be running', async () => {
    // examples/timeout has a 1 s time limit: the subscription ends after 1 s + 5 s, not 5 minutes.
    const started = Date.now();
    const answer = await runOverWs(wsClientFor(h), {
      query: `subscription { activationCompleted(package: "examples", action: "timeout", id: "${WRONG_ID}") { id } }`,
    });
    const waited = Date.now() - started;
    expect(answer).toEqual({
      data: null,
      errors: [
        expect.objectContaining({
          message:
            `No run ${WRONG_ID} of the action "examples/timeout": a run of it ends within its time limit of 1 s, ` +
            'and none with this id has been recorded.',
          extensions: { code: 'NOT_FOUND', requestId: expect.any(String) },
        }),
      ],
    });
    expect(waited).toBeGreaterThanOrEqual(6_000);
    expect(waited).toBeLessThan(30_000);
  }, 40_000);

  it('answers NOT_FOUND at once for an action that does not exist', async () => {
    h.resetCalls();
    const answer = await runOverWs(wsClientFor(h), {
      query: `subscription { activationCompleted(package: "examples", action: "nope", id: "${WRONG_ID}") { id } }`,
    });
    expect(answer.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['No action "examples/nope" on the vpc platform.', 'NOT_FOUND'],
    ]);
    expect(h.upstreamCalls()).toEqual([
      `GET /ncf/api/v2/packages/examples/actions/nope/activations/${WRONG_ID}?platform=vpc`,
      'GET /ncf/api/v2/packages/examples/actions/nope?platform=vpc',
    ]);
  });
});

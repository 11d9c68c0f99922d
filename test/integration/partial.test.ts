/**
 * Partial data that stays partial: one upstream's outage nulls only its own fields. Root lists are
 * nullable, so `{ server { … } packages { … } }` keeps the server when Cloud Functions is down, and
 * the packages when compute is.
 */
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { captureFaultProxy, reset } from '../helpers/fault-proxy';
import { withHarness } from '../helpers/gateway';

const BOTH = `{ server(id: "${SEED_SERVER_ID}") { name } packages { name } }`;
const FAST = { GATEWAY_RETRY_ATTEMPTS: '1', GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS: '500' };

describe('one upstream down, the other still answers', () => {
  it('Cloud Functions unreachable: the server keeps its data, packages is null with its error', async () => {
    const slot = captureFaultProxy();
    await withHarness({ proxy: slot.factory, env: FAST }, async (h) => {
      slot.proxy.always(reset());
      const res = await h.gql(BOTH);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { server: { name: 'web-1' }, packages: null },
        errors: [
          {
            message: 'The Cloud Functions API could not be reached.',
            locations: [{ line: 1, column: 63 }],
            path: ['packages'],
            extensions: {
              code: 'UPSTREAM_UNAVAILABLE',
              upstream: { service: 'cloudfunctions' },
              requestId: res.headers['x-request-id'],
            },
          },
        ],
      });
    });
  });

  it('compute unreachable: the packages keep their data, server is null with its error', async () => {
    const env = {
      ...FAST,
      OS_AUTH_URL: 'http://127.0.0.1:1/v3',
      OS_USERNAME: 'demo',
      OS_PASSWORD: 'unused-password',
      OS_PROJECT_NAME: 'demo',
    };
    await withHarness({ env }, async (h) => {
      const res = await h.gql(BOTH);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        server: null,
        packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }],
      });
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'The identity service could not be reached.',
          path: ['server'],
          extensions: {
            code: 'UPSTREAM_UNAVAILABLE',
            upstream: { service: 'identity' },
            requestId: res.headers['x-request-id'],
          },
        }),
      ]);
    });
  });
});

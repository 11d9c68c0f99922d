/** Upstream failures as clients see them: one vocabulary, partial data, nothing internal. */
import { startHarness, TEST_CREDENTIALS, withHarness, type Harness } from '../helpers/gateway';

function assertNothingInternal(h: Harness, text: string) {
  expect(text).not.toContain(h.emulator.url);
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain('/ncf/api/v2');
  expect(text).not.toContain(TEST_CREDENTIALS.secretKey);
  expect(text).not.toContain('x-ncp-apigw-signature');
  expect(text).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('upstream errors', () => {
  it('keeps sibling fields resolving when one fails (partial data)', async () => {
    await withHarness({}, async (h) => {
      const res = await h.gql('{ legacy: package(name: "legacy") { name } ok: package(name: "package001") { name } }');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ legacy: null, ok: { name: 'package001' } });
      expect(res.body.errors).toEqual([
        {
          message: 'The package "legacy" is not on the vpc platform: it exists on the other one.',
          locations: [{ line: 1, column: 3 }],
          path: ['legacy'],
          extensions: {
            code: 'BAD_USER_INPUT',
            upstream: { service: 'cloudfunctions', status: 400, errorCode: '80102' },
            requestId: res.headers['x-request-id'],
          },
        },
      ]);
      assertNothingInternal(h, JSON.stringify(res));
    });
  });

  it.each([false, true])(
    'maps a rejected signature to UPSTREAM_AUTH_FAILED (errorCode as number: %p)',
    async (errorCodeAsNumber) => {
      const h = await startHarness({
        emulator: { errorCodeAsNumber },
        gatewayCredentials: { accessKey: TEST_CREDENTIALS.accessKey, secretKey: 'wrong-secret' },
      });
      try {
        const res = await h.gql('{ packages { name } }');
        expect(res.body.data).toEqual({ packages: null });
        expect(res.body.errors?.[0]).toMatchObject({
          message: "The Cloud Functions API rejected the gateway's credentials.",
          extensions: {
            code: 'UPSTREAM_AUTH_FAILED',
            upstream: { service: 'cloudfunctions', status: 401, errorCode: '200' },
          },
        });
        assertNothingInternal(h, JSON.stringify(res));
        expect(h.logs.join('')).not.toContain('wrong-secret');
      } finally {
        await h.close();
      }
    },
  );

  it('maps an unreachable upstream to UPSTREAM_UNAVAILABLE', async () => {
    const h = await startHarness();
    const url = h.emulator.url;
    await h.emulator.close();
    try {
      const res = await h.gql('{ packages { name } }');
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'The Cloud Functions API could not be reached.',
        extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { service: 'cloudfunctions' } },
      });
      expect(JSON.stringify(res)).not.toContain(url);
      expect(h.logs.join('')).toContain('ECONNREFUSED');
    } finally {
      await h.server.close();
      await h.upstreams.close();
      await h.compute.close();
    }
  });

  it('maps a slow upstream to UPSTREAM_TIMEOUT at the configured headers timeout', async () => {
    await withHarness(
      { env: { GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: '200' }, emulator: { latencyMs: 3000 } },
      async (h) => {
        const started = Date.now();
        const res = await h.gql('{ packages { name } }');
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
        // Cut long before the upstream's answer (3 s) would arrive.
        expect(Date.now() - started).toBeLessThan(2000);
      },
    );
  });
});

// The emulator's signature v2 check (docs/upstream/signing.md#string-to-sign, #subtle-points): a known answer
// computed outside Node, then over HTTP what the signature covers (method, raw path, raw query), the
// timestamp window, and that authentication comes before routing, as at the real API Gateway.
import { expectedSignature, verifySignature } from '../../../src/emulators/cloudfunctions/signature';
import { sign, startHarness, type Harness } from './helpers';

const MISSING = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'Authentication information are missing.' },
};
const INVALID = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'Invalid authentication information.' },
};
const SKEW = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'The timestamp is out of the allowed range.' },
};

describe('signature v2 known answer', () => {
  it('matches a vector computed with openssl dgst -sha256 -hmac', () => {
    // printf 'GET /ncf/api/v2/packages?platform=vpc\n1700000000000\nAKIDEXAMPLE' \
    //   | openssl dgst -sha256 -hmac 'SECRETEXAMPLE' -binary | openssl enc -base64
    expect(
      expectedSignature('SECRETEXAMPLE', 'GET', '/ncf/api/v2/packages?platform=vpc', '1700000000000', 'AKIDEXAMPLE'),
    ).toBe('il7hkTw3PzuCgnVJXdPQZy8n+NadrKdlphNRZcIDbaA=');
    const secrets = new Map([['AKIDEXAMPLE', 'SECRETEXAMPLE']]);
    const headers = {
      'x-ncp-apigw-timestamp': '1700000000000',
      'x-ncp-iam-access-key': 'AKIDEXAMPLE',
      'x-ncp-apigw-signature-v2': 'il7hkTw3PzuCgnVJXdPQZy8n+NadrKdlphNRZcIDbaA=',
    };
    expect(verifySignature('GET', '/ncf/api/v2/packages?platform=vpc', headers, secrets, 1700000000000)).toEqual({
      ok: true,
      accessKey: 'AKIDEXAMPLE',
    });
  });
});

describe('signature v2 over HTTP', () => {
  const NOW = 1_750_000_000_000;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW });
  });
  afterAll(() => h.close());

  const path = '/ncf/api/v2/packages?platform=vpc';

  it('accepts a correctly signed request and sets the gateway headers', async () => {
    const r = await h.call('GET', path);
    expect(r.status).toBe(200);
    expect(r.headers['x-ncp-apigw-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers['x-ncp-trace-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
  });

  it.each(['timestamp', 'accessKey', 'signature'] as const)(
    'answers 401 "missing" without the %s header',
    async (drop) => {
      const r = await h.call('GET', path, { [drop]: null });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(MISSING);
      expect(r.headers['x-ncp-apigw-request-id']).toBeDefined();
    },
  );

  it('treats an empty header as missing', async () => {
    const r = await h.call('GET', path, { signature: '' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(MISSING);
  });

  it('rejects a wrong signature', async () => {
    const r = await h.call('GET', path, { secretKey: 'not-the-secret' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(INVALID);
  });

  it('rejects a signature of a different length without throwing', async () => {
    const r = await h.call('GET', path, { signature: 'abc' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(INVALID);
  });

  it('rejects an unknown access key even when signed with it', async () => {
    const r = await h.call('GET', path, { accessKey: 'someone-else', secretKey: 'their-secret' });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(INVALID);
  });

  it('accepts a skew just under 5 minutes and rejects 5 minutes or more, both ways', async () => {
    const ok = await h.call('GET', path, { timestamp: String(NOW - 299_999) });
    expect(ok.status).toBe(200);
    const ahead = await h.call('GET', path, { timestamp: String(NOW + 299_999) });
    expect(ahead.status).toBe(200);
    for (const ts of [NOW - 300_000, NOW + 300_000, NOW - 3_600_000]) {
      const r = await h.call('GET', path, { timestamp: String(ts) });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(SKEW);
    }
  });

  it('rejects a timestamp that is not an integer', async () => {
    for (const ts of ['abc', '1750000000000.5', '-1750000000000']) {
      const r = await h.call('GET', path, { timestamp: ts });
      expect(r.json).toEqual(SKEW);
    }
  });

  it('covers the raw query: reordering it after signing fails', async () => {
    const signedPath = '/ncf/api/v2/activations?platform=vpc&pageSize=5';
    const good = await h.call('GET', signedPath);
    expect(good.status).toBe(200);
    const reordered = await h.call('GET', '/ncf/api/v2/activations?pageSize=5&platform=vpc', { signedPath });
    expect(reordered.status).toBe(401);
    expect(reordered.json).toEqual(INVALID);
  });

  it('covers the exact percent-encoding of the path', async () => {
    const sent = '/ncf/api/v2/packages/package%30%30%31';
    const ok = await h.call('GET', sent);
    expect(ok.status).toBe(200);
    expect(ok.json.content.name).toBe('package001');
    const r = await h.call('GET', sent, { signedPath: '/ncf/api/v2/packages/package001' });
    expect(r.status).toBe(401);
  });

  it('covers the method', async () => {
    const ts = String(NOW);
    const r = await h.call('DELETE', '/ncf/api/v2/packages/package001', {
      signature: sign('GET', '/ncf/api/v2/packages/package001', ts),
      timestamp: ts,
    });
    expect(r.json).toEqual(INVALID);
  });

  it('does not sign a bare "?" away: a signed "?" must be sent', async () => {
    const r = await h.call('GET', '/ncf/api/v2/packages', { signedPath: '/ncf/api/v2/packages?' });
    expect(r.status).toBe(401);
  });

  it('authenticates before routing', async () => {
    const r = await h.call('GET', '/no/such/route', { signature: null });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(MISSING);
    const signed = await h.call('GET', '/no/such/route');
    expect(signed.status).toBe(404);
    expect(signed.json).toEqual({
      error: { errorCode: '300', message: 'Not Found Exception', details: 'The requested resource does not exist.' },
    });
  });

  it('records every request with its answer, in arrival order', async () => {
    h.emulator.resetRequests();
    await h.call('GET', '/ncf/api/v2/packages?platform=vpc');
    await h.call('GET', '/api/v2/packages', { signature: null });
    expect(h.emulator.requests).toEqual([
      { method: 'GET', path: '/ncf/api/v2/packages', query: 'platform=vpc', status: 200, at: NOW },
      { method: 'GET', path: '/api/v2/packages', query: '', status: 401, at: NOW },
    ]);
    expect(h.emulator.countRequests()).toBe(2);
    expect(h.emulator.countRequests({ pathIncludes: '/ncf/' })).toBe(1);
    expect(h.emulator.countRequests({ method: 'get', pathMatches: /^\/api\/v2\// })).toBe(1);
    expect(h.emulator.countRequests({ method: 'POST' })).toBe(0);
  });
});

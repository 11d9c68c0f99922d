import { createSigner, SIGNATURE_HEADERS, stringToSign } from '../../src/upstream/cloudfunctions/signer';

/*
 * Known answers computed outside this code base with the documented algorithm:
 *   printf '%s' "$STRING_TO_SIGN" | openssl dgst -sha256 -hmac "$SECRET" -binary | openssl enc -base64
 * where STRING_TO_SIGN is "$METHOD $PATH_WITH_QUERY\n$TIMESTAMP\n$ACCESS_KEY" (no trailing newline).
 */
const VECTORS = [
  {
    method: 'GET',
    path: '/ncf/api/v2/packages?platform=vpc',
    timestamp: 1732500000000,
    accessKey: 'AKIDEXAMPLE',
    secretKey: 'secretEXAMPLEkey',
    signature: 'exn3fEaNyW7clwfAceMV1SBymvOSViBgVPip+Jhtv9I=',
  },
  {
    method: 'POST',
    path: '/ncf/api/v2/packages/package003/actions/action000?platform=vpc&timeout=60000',
    timestamp: 1732500000123,
    accessKey: 'AKIDEXAMPLE',
    secretKey: 'secretEXAMPLEkey',
    signature: 'nWVc0ULLP6zP3W7erfPVg3j4lp6JfYh2M9EccR74w9s=',
  },
  {
    // The NCP guide's own sample URL.
    method: 'GET',
    path: '/photos/puppy.jpg?query1=&query2',
    timestamp: 1505290625682,
    accessKey: 'ncp_iam_access_key',
    secretKey: 'ncp_iam_secret_key',
    signature: 'hWz01/fU3316+aeqT5z7ywtxX7PnBly+W3mDp/F4U0w=',
  },
  {
    // UTF-8 keys, the v2.0 path generation, and `-` for "no package".
    method: 'GET',
    path: '/api/v2/packages/-/actions/ping?platform=classic',
    timestamp: 1700000000000,
    accessKey: 'key-with-ünïcode',
    secretKey: 'sécret-ключ',
    signature: 'uzV+FcFZf3F5SNL4KcnmqMvCKqActXHDZpyKMCRqGPQ=',
  },
];

describe('signature v2 signer', () => {
  it.each(VECTORS)('signs $method $path like openssl does', (v) => {
    const signer = createSigner(v.accessKey, v.secretKey, () => v.timestamp);
    expect(signer.sign(v.method, v.path)).toEqual({
      [SIGNATURE_HEADERS.timestamp]: String(v.timestamp),
      [SIGNATURE_HEADERS.accessKey]: v.accessKey,
      [SIGNATURE_HEADERS.signature]: v.signature,
    });
  });

  it('builds the string to sign with one space, LF separators and no trailing newline', () => {
    expect(stringToSign('get', '/a?b=1', '123', 'AK')).toBe('GET /a?b=1\n123\nAK');
  });

  it('signs each call with a fresh timestamp', () => {
    let now = 1000;
    const signer = createSigner('AK', 'SK', () => now);
    const first = signer.sign('GET', '/x');
    now = 2000;
    const second = signer.sign('GET', '/x');
    expect(first[SIGNATURE_HEADERS.timestamp]).toBe('1000');
    expect(second[SIGNATURE_HEADERS.timestamp]).toBe('2000');
    expect(first[SIGNATURE_HEADERS.signature]).not.toBe(second[SIGNATURE_HEADERS.signature]);
  });

  it('keeps the secret out of the signer object', () => {
    const signer = createSigner('AK', 'super-secret-value');
    expect(JSON.stringify(signer)).not.toContain('super-secret-value');
    expect(Object.values(signer).map(String).join()).not.toContain('super-secret-value');
  });
});

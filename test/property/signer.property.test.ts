/**
 * Properties of request signing (NCP API Gateway signature v2), of the query strings that get
 * signed, and of the NCP name rule that keeps user input out of the path's structure.
 *
 * The reference values here are computed independently of src/: the HMAC with node:crypto over
 * UTF-8 bytes from TextEncoder, the name rule as a literal copy of the documented regex.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { ErrorCode, GatewayError } from '../../src/errors';
import { checkActivationId, checkName, checkPackage, isValidName } from '../../src/upstream/cloudfunctions/paths';
import { createSigner, SIGNATURE_HEADERS, stringToSign } from '../../src/upstream/cloudfunctions/signer';
import { buildQuery } from '../../src/upstream/http';
import { anyCodePoint, uriPath, uriQuery } from '../helpers/arbitraries';

const RUNS = { numRuns: 300 };

/** The documented NCP name rule (README "Errors", paths.ts), written out independently. */
const NCP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,49}$/;

/** Any code point (no lone surrogates), ASCII printable, or printable graphemes. */
const anyText = (maxLength = 64): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: anyCodePoint, maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
  );

/** Strings made of the pieces that matter for paths and queries. */
const trickyText = fc
  .array(
    fc.constantFrom(
      '/',
      '..',
      '.',
      '%2F',
      '%2f',
      '%',
      '?',
      '#',
      '&',
      '=',
      '+',
      ' ',
      '\n',
      '\t',
      '\0',
      '-',
      '_',
      'a',
      'Z',
      '9',
      'é',
      'ключ',
      '😀',
      '\u200b',
      '\uFEFF',
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const methods = fc.oneof(
  fc.mixedCase(fc.constantFrom('get', 'post', 'put', 'delete', 'patch', 'head', 'options')),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }),
);
const paths = fc.oneof(
  anyText(120),
  trickyText,
  fc.tuple(uriPath, uriQuery).map(([p, q]) => (q ? `${p}?${q}` : p)),
);
const timestamps = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(0, 1_505_290_625_682, 1_732_500_000_000, 4_102_444_800_000),
  // A clock that has sub-millisecond precision: the header carries the truncated value.
  fc.double({ min: 0, max: 1e15, noNaN: true, noDefaultInfinity: true }),
);
const keys = fc.oneof(anyText(64), fc.stringMatching(/^[A-Za-z0-9]{20,40}$/));

/** HMAC-SHA256 / base64 over UTF-8 bytes, computed without the code under test. */
function referenceSignature(
  secret: string,
  method: string,
  pathWithQuery: string,
  timestamp: string,
  accessKey: string,
): string {
  const utf8 = new TextEncoder();
  const message = `${method.toUpperCase()} ${pathWithQuery}\n${timestamp}\n${accessKey}`;
  return createHmac('sha256', utf8.encode(secret)).update(utf8.encode(message)).digest('base64');
}

function signatureOf(accessKey: string, secret: string, timestamp: number, method: string, path: string): string {
  return createSigner(accessKey, secret, () => timestamp).sign(method, path)[SIGNATURE_HEADERS.signature]!;
}

/**
 * HMAC pads its key with zero bytes to the block size, so two secrets that differ only by trailing
 * NULs are the same key: a property of HMAC itself, not of the signer (NCP secret keys are
 * alphanumeric). Such pairs are excluded from "a different secret changes the signature".
 */
const sameHmacKey = (a: string, b: string): boolean => a.replace(/\0+$/, '') === b.replace(/\0+$/, '');

describe('stringToSign', () => {
  it(
    'is exactly "METHOD pathWithQuery\\ntimestamp\\naccessKey", ' +
      'method upper-cased, one space, no trailing newline',
    () => {
      fc.assert(
        fc.property(methods, paths, timestamps, keys, (method, path, t, accessKey) => {
          const timestamp = String(Math.trunc(t));
          const s = stringToSign(method, path, timestamp, accessKey);
          expect(s).toBe(`${method.toUpperCase()} ${path}\n${timestamp}\n${accessKey}`);
          // The three lines, when no part carries a newline of its own.
          if (!/[\n]/.test(method + path + accessKey)) {
            expect(s.split('\n')).toEqual([`${method.toUpperCase()} ${path}`, timestamp, accessKey]);
            // Nothing (no newline) after the access key: a trailing newline only when the key is empty.
            expect(s.endsWith('\n')).toBe(accessKey === '');
          }
          // Exactly one space after the method.
          expect(s.slice(method.toUpperCase().length, method.toUpperCase().length + 1)).toBe(' ');
          expect(s.startsWith(`${method.toUpperCase()} ${path}\n`)).toBe(true);
        }),
        RUNS,
      );
    },
  );

  it('upper-cases every spelling of an HTTP method the same way', () => {
    fc.assert(
      fc.property(fc.mixedCase(fc.constantFrom('get', 'post', 'put', 'delete')), paths, (method, path) => {
        expect(stringToSign(method, path, '1', 'AK')).toBe(stringToSign(method.toLowerCase(), path, '1', 'AK'));
        expect(stringToSign(method, path, '1', 'AK').startsWith(`${method.toUpperCase()} `)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('createSigner', () => {
  it('signs like an independent HMAC-SHA256/base64, with standard padded base64 of 44 characters', () => {
    fc.assert(
      fc.property(keys, keys, timestamps, methods, paths, (accessKey, secret, t, method, path) => {
        const headers = createSigner(accessKey, secret, () => t).sign(method, path);
        const timestamp = String(Math.trunc(t));
        expect(headers).toEqual({
          [SIGNATURE_HEADERS.timestamp]: timestamp,
          [SIGNATURE_HEADERS.accessKey]: accessKey,
          [SIGNATURE_HEADERS.signature]: referenceSignature(secret, method, path, timestamp, accessKey),
        });
        expect(headers[SIGNATURE_HEADERS.timestamp]).toMatch(/^\d+$/);
        const signature = headers[SIGNATURE_HEADERS.signature]!;
        expect(signature).toHaveLength(44);
        expect(signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
        expect(Buffer.from(signature, 'base64')).toHaveLength(32);
        expect(Buffer.from(signature, 'base64').toString('base64')).toBe(signature);
      }),
      RUNS,
    );
  });

  it('never exposes the secret on the signer or in the headers', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
        fc.stringMatching(/^[A-Za-z0-9]{16,40}$/),
        paths,
        (accessKey, secret, path) => {
          fc.pre(!accessKey.includes(secret) && !path.includes(secret));
          const signer = createSigner(accessKey, secret, () => 1);
          expect(JSON.stringify(signer)).not.toContain(secret);
          expect(Object.values(signer).map(String).join('\n')).not.toContain(secret);
          expect(JSON.stringify(signer.sign('GET', path))).not.toContain(secret);
        },
      ),
      RUNS,
    );
  });

  it('is deterministic: equal inputs give equal headers', () => {
    fc.assert(
      fc.property(keys, keys, timestamps, methods, paths, (accessKey, secret, t, method, path) => {
        const a = createSigner(accessKey, secret, () => t).sign(method, path);
        const b = createSigner(accessKey, secret, () => t).sign(method, path);
        const signer = createSigner(accessKey, secret, () => t);
        expect(b).toEqual(a);
        expect(signer.sign(method, path)).toEqual(signer.sign(method, path));
      }),
      RUNS,
    );
  });

  describe('changes the signature when exactly one part changes', () => {
    const base = fc.record({
      accessKey: keys,
      secret: keys,
      t: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      method: methods,
      path: paths,
    });

    it('the method (other than by case)', () => {
      fc.assert(
        fc.property(base, methods, (b, method2) => {
          fc.pre(method2.toUpperCase() !== b.method.toUpperCase());
          expect(signatureOf(b.accessKey, b.secret, b.t, method2, b.path)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });

    it('the path', () => {
      fc.assert(
        fc.property(base, paths, (b, path2) => {
          fc.pre(path2 !== b.path);
          expect(signatureOf(b.accessKey, b.secret, b.t, b.method, path2)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });

    it('the timestamp', () => {
      fc.assert(
        fc.property(base, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (b, t2) => {
          fc.pre(t2 !== b.t);
          expect(signatureOf(b.accessKey, b.secret, t2, b.method, b.path)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });

    it('the access key', () => {
      fc.assert(
        fc.property(base, keys, (b, accessKey2) => {
          fc.pre(accessKey2 !== b.accessKey);
          expect(signatureOf(accessKey2, b.secret, b.t, b.method, b.path)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });

    it('the secret (up to HMAC key padding)', () => {
      fc.assert(
        fc.property(base, keys, (b, secret2) => {
          fc.pre(!sameHmacKey(secret2, b.secret));
          expect(signatureOf(b.accessKey, secret2, b.t, b.method, b.path)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });

    it('one code point anywhere in the path', () => {
      fc.assert(
        fc.property(base, fc.nat(), anyCodePoint, (b, at, ch) => {
          const points = Array.from(b.path); // by code point: never splits a surrogate pair
          fc.pre(points.length > 0);
          points[at % points.length] = ch;
          const path2 = points.join('');
          fc.pre(path2 !== b.path);
          expect(signatureOf(b.accessKey, b.secret, b.t, b.method, path2)).not.toBe(
            signatureOf(b.accessKey, b.secret, b.t, b.method, b.path),
          );
        }),
        RUNS,
      );
    });
  });

  it('signs the query bytes as sent: the same parameters in another order sign differently', () => {
    const pair = fc.tuple(anyText(16), fc.oneof(anyText(16), fc.integer()));
    fc.assert(
      fc.property(keys, keys, fc.nat(), uriPath, pair, pair, (accessKey, secret, t, path, a, b) => {
        const ab = `${path}${buildQuery([a, b])}`;
        const ba = `${path}${buildQuery([b, a])}`;
        fc.pre(ab !== ba); // two identical parameters have only one order
        const sAB = signatureOf(accessKey, secret, t, 'GET', ab);
        const sBA = signatureOf(accessKey, secret, t, 'GET', ba);
        expect(sAB).not.toBe(sBA);
        expect(sAB).toBe(referenceSignature(secret, 'GET', ab, String(t), accessKey));
        expect(sBA).toBe(referenceSignature(secret, 'GET', ba, String(t), accessKey));
      }),
      RUNS,
    );
    // The literal example.
    expect(signatureOf('AK', 'SK', 1, 'GET', '/p?a=1&b=2')).not.toBe(signatureOf('AK', 'SK', 1, 'GET', '/p?b=2&a=1'));
  });
});

describe('buildQuery', () => {
  const value = fc.oneof(
    anyText(24),
    trickyText,
    fc.integer(),
    fc.double(),
    fc.constant(undefined),
    fc.constant(undefined),
  );
  const params = fc.array(fc.tuple(fc.oneof(anyText(12), trickyText), value), { maxLength: 8 });

  it('is stable, never a bare "?", URL-safe, and round-trips through URLSearchParams in order', () => {
    fc.assert(
      fc.property(params, (list) => {
        const q = buildQuery(list);
        expect(buildQuery(list)).toBe(q);
        expect(buildQuery(list.map(([k, v]) => [k, v] as const))).toBe(q);

        const defined = list.filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]);
        if (defined.length === 0) {
          expect(q).toBe('');
          return;
        }
        expect(q).not.toBe('?');
        expect(q.startsWith('?')).toBe(true);
        // Only unreserved characters, percent-escapes and the separators.
        expect(q).toMatch(/^\?[A-Za-z0-9\-_.!~*'()%=&]*$/);
        expect(q.slice(1).split('&')).toHaveLength(defined.length);
        expect(q).not.toMatch(/&&|&$|\?&/);
        expect([...new URLSearchParams(q.slice(1)).entries()]).toEqual(defined);
      }),
      RUNS,
    );
  });

  it('answers "" for no parameters or only undefined ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyText(8), fc.constant(undefined))), (list) => {
        expect(buildQuery(list)).toBe('');
      }),
      RUNS,
    );
  });
});

describe('the NCP name rule', () => {
  const candidates = fc.oneof(
    anyText(60),
    trickyText,
    fc.stringMatching(NCP_NAME),
    // Names from the rule's own alphabet (and a few neighbours), any length around the limit.
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', '-', '.', '/', '%', ' '), minLength: 0, maxLength: 60 }),
    fc.constantFrom(
      '..',
      '.',
      '/',
      '%2F',
      'a/b',
      'a%2Fb',
      '../a',
      'a\n',
      '\na',
      'a ',
      '-a',
      '_',
      '-',
      'ａ',
      'é',
      'x'.repeat(50),
      'x'.repeat(51),
    ),
  );

  it('accepts exactly the names that match the rule, and an accepted name is its own URI encoding', () => {
    fc.assert(
      fc.property(candidates, (name) => {
        const valid = isValidName(name);
        expect(valid).toBe(NCP_NAME.test(name));
        if (valid) {
          expect(name).toMatch(NCP_NAME);
          expect(encodeURIComponent(name)).toBe(name);
          expect(name.length).toBeGreaterThanOrEqual(1);
          expect(name.length).toBeLessThanOrEqual(50);
          expect(name).not.toMatch(/[/.%?#\s]/);
          expect(checkName('package', name)).toBe(name);
          expect(checkName('action', name)).toBe(name);
        } else {
          for (const kind of ['package', 'action'] as const) {
            let thrown: unknown;
            try {
              checkName(kind, name);
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(GatewayError);
            expect((thrown as GatewayError).code).toBe(ErrorCode.BAD_USER_INPUT);
            // A fixed message: the input is never reflected back.
            expect((thrown as GatewayError).message).toBe(
              `Invalid ${kind} name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.`,
            );
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts every name the rule allows', () => {
    fc.assert(
      fc.property(fc.stringMatching(NCP_NAME), (name) => {
        expect(isValidName(name)).toBe(true);
        expect(checkName('action', name)).toBe(name);
      }),
      RUNS,
    );
  });

  it('maps an absent, empty or "-" package to "no package" and checks every other one', () => {
    for (const none of [undefined, null, '', '-']) expect(checkPackage(none)).toBe('-');
    fc.assert(
      fc.property(candidates, (name) => {
        fc.pre(name !== '' && name !== '-');
        if (NCP_NAME.test(name)) expect(checkPackage(name)).toBe(name);
        else expect(() => checkPackage(name)).toThrow(GatewayError);
      }),
      RUNS,
    );
  });

  it('accepts only activation ids that are their own URI encoding', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          candidates,
          fc.stringMatching(/^[0-9a-f]{32}$/),
          fc.string({ unit: 'grapheme-ascii', maxLength: 140 }),
        ),
        (id) => {
          let accepted = true;
          try {
            expect(checkActivationId(id)).toBe(id);
          } catch (error) {
            accepted = false;
            expect(error).toBeInstanceOf(GatewayError);
            expect((error as GatewayError).code).toBe(ErrorCode.BAD_USER_INPUT);
          }
          expect(accepted).toBe(/^[A-Za-z0-9_-]{1,128}$/.test(id));
          if (accepted) expect(encodeURIComponent(id)).toBe(id);
        },
      ),
      RUNS,
    );
  });
});

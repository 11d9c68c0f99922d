/**
 * Per-client rate limits without Redis (src/fleet/rate-limits): how a rate is written and refused,
 * which rate applies to whom (API key overrides, JWT scope and claim overrides, the most generous
 * of several), how an operation's invokeAction fields are counted (src/pipeline/admission), who a
 * client is (src/fleet/principal-key), and the memory limiter's exact counts and Retry-After on a
 * fake clock (Jest's modern timers: Date and setTimeout alike).
 */
import { parse, getOperationAST } from 'graphql';
import { ApiKeyVerifier, generateKey, parseKeysFile } from '../../src/auth/apikeys';
import { ANONYMOUS, type Principal } from '../../src/auth/principal';
import { formatRate, loadConfig, parseRate } from '../../src/config';
import { callerOf, principalKey } from '../../src/fleet/principal-key';
import { matchesSelector, mostGenerous, rateFor, RateLimits, type RateLimitsConfig } from '../../src/fleet/rate-limits';
import { invokeFields } from '../../src/pipeline/admission';
import { refusals } from '../helpers/config';

const perMin = (points: number) => ({ points, windowSeconds: 60 });

describe('a rate as written', () => {
  it('reads <count>/<unit> in every unit, and off', () => {
    expect(parseRate('600/min')).toEqual({ points: 600, windowSeconds: 60 });
    expect(parseRate(' 10 / S ')).toEqual({ points: 10, windowSeconds: 1 });
    expect(parseRate('5000/hour')).toEqual({ points: 5000, windowSeconds: 3600 });
    expect(parseRate('20000/day')).toEqual({ points: 20000, windowSeconds: 86_400 });
    expect(parseRate('3/minute')).toEqual({ points: 3, windowSeconds: 60 });
    expect(parseRate('OFF')).toBeNull();
    for (const bad of ['', '0/min', '-1/min', '10', '10/fortnight', '1.5/s', 'ten/min', '10/min/s']) {
      expect(parseRate(bad)).toBeUndefined();
    }
    expect(
      [perMin(600), { points: 10, windowSeconds: 1 }, { points: 7, windowSeconds: 3600 }, null].map(formatRate),
    ).toEqual(['600/min', '10/s', '7/hour', 'off']);
  });

  it('defaults to 600/min and 60/min, and refuses what is not a rate, naming the variable', () => {
    const { fleet } = loadConfig({});
    expect({ rateLimit: fleet.rateLimit, invokeRateLimit: fleet.invokeRateLimit }).toEqual({
      rateLimit: perMin(600),
      invokeRateLimit: perMin(60),
    });
    expect(loadConfig({ GATEWAY_RATE_LIMIT: 'off', GATEWAY_INVOKE_RATE_LIMIT: '2/s' }).fleet).toMatchObject({
      rateLimit: null,
      invokeRateLimit: { points: 2, windowSeconds: 1 },
    });
    expect(refusals({ GATEWAY_RATE_LIMIT: '600 a minute' })).toEqual([
      'GATEWAY_RATE_LIMIT: must be <count>/<unit> such as 600/min (units: s, min, hour, day), or off',
    ]);
  });

  it('reads JWT overrides by scope and by claim, and refuses a malformed entry', () => {
    const { fleet } = loadConfig({
      GATEWAY_JWT_RATE_LIMITS: 'scope:functions:invoke=1200/min, claim:tier=gold=off',
      GATEWAY_JWT_INVOKE_RATE_LIMITS: 'claim:groups=batch=10/s',
    });
    expect(fleet.jwtRateLimits).toEqual([
      { selector: { scope: 'functions:invoke' }, rate: perMin(1200) },
      { selector: { claim: 'tier', value: 'gold' }, rate: null },
    ]);
    expect(fleet.jwtInvokeRateLimits).toEqual([
      { selector: { claim: 'groups', value: 'batch' }, rate: { points: 10, windowSeconds: 1 } },
    ]);
    expect(refusals({ GATEWAY_JWT_RATE_LIMITS: 'tier=gold' })).toEqual([
      'GATEWAY_JWT_RATE_LIMITS: each entry must be scope:<scope>=<rate> or claim:<name>=<value>=<rate> ' +
        '(for example scope:functions:invoke=1200/min), separated by commas (in GATEWAY_JWT_RATE_LIMITS)',
    ]);
  });
});

describe('API keys with their own limits', () => {
  const key = generateKey(['functions:read']);
  const file = (extra: Record<string, unknown>) => JSON.stringify({ keys: [{ ...key.stored, ...extra }] });

  it('gives the principal the key rates, off included, and nothing when the key has none', () => {
    const withLimits = new ApiKeyVerifier(parseKeysFile(file({ rateLimit: '1200/min', invokeRateLimit: 'off' })));
    expect(withLimits.verify(key.key)?.rateLimits).toEqual({ operations: perMin(1200), invoke: null });
    const partly = new ApiKeyVerifier(parseKeysFile(file({ invokeRateLimit: '5/s' })));
    expect(partly.verify(key.key)?.rateLimits).toEqual({ invoke: { points: 5, windowSeconds: 1 } });
    const none = new ApiKeyVerifier(parseKeysFile(file({})));
    expect(none.verify(key.key)).toEqual({ id: key.stored.id, kind: 'apikey', scopes: new Set(['functions:read']) });
  });

  it('refuses a key whose rate is not one, saying which field and what it stands in for', () => {
    expect(() => parseKeysFile(file({ rateLimit: '1200 per minute' }))).toThrow(
      'GATEWAY_API_KEYS_FILE: keys[0].rateLimit must be <count>/<unit> such as 1200/min (units: s, min, hour, ' +
        'day), or off (it stands in for GATEWAY_RATE_LIMIT for this key)',
    );
    expect(() => parseKeysFile(file({ invokeRateLimit: 60 }))).toThrow(
      'GATEWAY_API_KEYS_FILE: keys[0].invokeRateLimit must be <count>/<unit> such as 1200/min (units: s, min, ' +
        'hour, day), or off (it stands in for GATEWAY_INVOKE_RATE_LIMIT for this key)',
    );
  });
});

describe('which rate applies', () => {
  const config: RateLimitsConfig = {
    rateLimit: perMin(600),
    invokeRateLimit: perMin(60),
    jwtRateLimits: [
      { selector: { scope: 'functions:invoke' }, rate: perMin(1200) },
      { selector: { claim: 'tier', value: 'gold' }, rate: { points: 100, windowSeconds: 1 } },
      { selector: { claim: 'tier', value: 'trial' }, rate: perMin(10) },
    ],
    jwtInvokeRateLimits: [
      { selector: { claim: 'groups', value: 'batch' }, rate: null },
      { selector: { claim: 'verified', value: 'true' }, rate: perMin(120) },
    ],
  };
  const jwt = (scopes: string[], claims: Record<string, unknown>): Principal => ({
    id: 'user-1',
    kind: 'jwt',
    scopes: new Set(scopes),
    claims,
  });

  it('matches a scope, a claim value, an element of an array claim, and a number or boolean claim', () => {
    const p = jwt(['functions:invoke'], { tier: 'gold', groups: ['ops', 'batch'], level: 3, verified: true });
    expect(matchesSelector({ scope: 'functions:invoke' }, p)).toBe(true);
    expect(matchesSelector({ scope: 'compute:read' }, p)).toBe(false);
    expect(matchesSelector({ claim: 'tier', value: 'gold' }, p)).toBe(true);
    expect(matchesSelector({ claim: 'tier', value: 'Gold' }, p)).toBe(false);
    expect(matchesSelector({ claim: 'groups', value: 'batch' }, p)).toBe(true);
    expect(matchesSelector({ claim: 'groups', value: 'ops,batch' }, p)).toBe(false);
    expect(matchesSelector({ claim: 'level', value: '3' }, p)).toBe(true);
    expect(matchesSelector({ claim: 'verified', value: 'true' }, p)).toBe(true);
    expect(matchesSelector({ claim: 'missing', value: 'x' }, p)).toBe(false);
    expect(matchesSelector({ claim: 'tier', value: 'gold' }, { ...ANONYMOUS })).toBe(false);
  });

  it('picks the most generous: off, then the highest rate per second, then the larger burst', () => {
    expect(mostGenerous([])).toBeUndefined();
    expect(mostGenerous([perMin(10), null, perMin(1000)])).toBeNull();
    expect(mostGenerous([perMin(600), { points: 11, windowSeconds: 1 }, perMin(10)])).toEqual({
      points: 11,
      windowSeconds: 1,
    });
    expect(mostGenerous([{ points: 10, windowSeconds: 1 }, perMin(600)])).toEqual(perMin(600));
  });

  it('gives a key its own rate, a JWT the most generous match (or the default), anyone else the default', () => {
    const key: Principal = {
      id: '0a0b0c0d',
      kind: 'apikey',
      scopes: new Set(),
      rateLimits: { operations: perMin(5) },
    };
    expect(rateFor('operations', key, config)).toEqual(perMin(5));
    expect(rateFor('invoke', key, config)).toEqual(perMin(60));
    expect(rateFor('invoke', { ...key, rateLimits: { invoke: null } }, config)).toBeNull();

    expect(rateFor('operations', jwt(['functions:invoke'], { tier: 'gold' }), config)).toEqual({
      points: 100,
      windowSeconds: 1,
    });
    expect(rateFor('operations', jwt(['functions:invoke'], { tier: 'trial' }), config)).toEqual(perMin(1200));
    // An override may be stricter than the default: it is the client's rate when it is the only match.
    expect(rateFor('operations', jwt([], { tier: 'trial' }), config)).toEqual(perMin(10));
    expect(rateFor('operations', jwt([], {}), config)).toEqual(perMin(600));
    expect(rateFor('invoke', jwt([], { groups: ['batch'], verified: true }), config)).toBeNull();
    expect(rateFor('invoke', jwt([], { verified: true }), config)).toEqual(perMin(120));
    expect(rateFor('operations', ANONYMOUS, config)).toEqual(perMin(600));
    // JWT overrides are for JWT clients only.
    expect(rateFor('operations', { ...ANONYMOUS, claims: { tier: 'trial' } }, config)).toEqual(perMin(600));
  });
});

describe('who a client is', () => {
  it('is a hash of the kind and id, or of the address for anonymous clients, never the identity', () => {
    const key = principalKey({ kind: 'apikey', id: '0a0b0c0d' }, '10.0.0.1');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toContain('0a0b0c0d');
    expect(principalKey({ kind: 'apikey', id: '0a0b0c0d' }, '10.0.0.2')).toBe(key);
    expect(principalKey({ kind: 'jwt', id: '0a0b0c0d' }, undefined)).not.toBe(key);
    const a = principalKey(ANONYMOUS, '10.0.0.1');
    expect(a).not.toBe(principalKey(ANONYMOUS, '10.0.0.2'));
    expect(callerOf(ANONYMOUS, '10.0.0.1')).toEqual({ key: a, class: 'anonymous' });
  });
});

describe('invokeAction fields of an operation', () => {
  const count = (query: string, variables?: Record<string, unknown>, name?: string) => {
    const document = parse(query);
    return invokeFields(document, getOperationAST(document, name) ?? undefined, variables);
  };
  const INVOKE = 'invokeAction(input: { action: "ping" }) { completed }';
  const invoke = (alias: string, directive: string) =>
    `${alias}: invokeAction(input: { action: "ping" }) ${directive} { completed }`;

  it('counts each response name once, through fragments, with @skip and @include', () => {
    expect(count(`{ packages { name } }`)).toBe(0);
    expect(count(`mutation { ${INVOKE} }`)).toBe(1);
    expect(count(`mutation { a: ${INVOKE} b: ${INVOKE} c: ${INVOKE} }`)).toBe(3);
    // The same field twice under one name runs once.
    expect(count(`mutation { ${INVOKE} ${INVOKE} }`)).toBe(1);
    expect(
      count(`mutation { a: ${INVOKE} ...F ... on Mutation { c: ${INVOKE} } } fragment F on Mutation { b: ${INVOKE} }`),
    ).toBe(3);
    // A fragment spread twice runs its fields once.
    expect(count(`mutation { ...F ...F } fragment F on Mutation { b: ${INVOKE} }`)).toBe(1);
    const directives =
      `mutation($on: Boolean!) { a: ${INVOKE} ${invoke('b', '@skip(if: true)')} ` +
      `${invoke('c', '@include(if: $on)')} ... @include(if: $on) { d: ${INVOKE} } }`;
    expect(count(directives, { on: false })).toBe(1);
    expect(count(directives, { on: true })).toBe(3);
    // A directive value that does not coerce is counted (execution refuses it before anything runs).
    expect(count(directives, { on: 'yes' })).toBe(3);
    expect(count(`query Q { __typename } mutation M { a: ${INVOKE} b: ${INVOKE} }`, undefined, 'Q')).toBe(0);
    expect(count(`query Q { __typename } mutation M { a: ${INVOKE} b: ${INVOKE} }`, undefined, 'M')).toBe(2);
  });
});

describe('the limits in memory (no Redis)', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => jest.useRealTimers());

  const limited: Array<[string, string]> = [];
  const limits = (config: Partial<RateLimitsConfig> = {}) =>
    new RateLimits({
      config: {
        rateLimit: perMin(3),
        invokeRateLimit: perMin(2),
        jwtRateLimits: [],
        jwtInvokeRateLimits: [],
        ...config,
      },
      onLimited: (principalClass, limit) => limited.push([principalClass, limit]),
    });
  const anonymous = (address: string) => ({ principal: ANONYMOUS, caller: principalKey(ANONYMOUS, address) });

  it('answers exactly N operations per window, then RATE_LIMITED with the seconds left, rounded up', async () => {
    limited.length = 0;
    const rl = limits();
    const one = anonymous('10.0.0.1');
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await rl.check({ ...one, invokes: 0 }));
      jest.advanceTimersByTime(1_500);
    }
    expect(outcomes.map((o) => o === undefined)).toEqual([true, true, true, false, false]);
    // The window opened with the first operation, 4.5 s and 6 s before the last two.
    expect(outcomes.slice(3).map((o) => o!.extensions)).toEqual([
      { code: 'RATE_LIMITED', retryAfterSeconds: 56, http: { status: 429, headers: new Map([['retry-after', '56']]) } },
      { code: 'RATE_LIMITED', retryAfterSeconds: 54, http: { status: 429, headers: new Map([['retry-after', '54']]) } },
    ]);
    expect(outcomes[3]!.message).toBe('Too many operations from this client: its limit is 3/min. Retry in 56 s.');
    // Another address is another client.
    expect(await rl.check({ ...anonymous('10.0.0.2'), invokes: 0 })).toBeUndefined();
    // The window over, the client starts again.
    jest.advanceTimersByTime(54_000);
    expect(await rl.check({ ...one, invokes: 0 })).toBeUndefined();
    expect(limited).toEqual([
      ['anonymous', 'operations'],
      ['anonymous', 'operations'],
    ]);
  });

  it('counts every invokeAction field, refuses what would go over, and rounds a part second up', async () => {
    limited.length = 0;
    const rl = limits({ rateLimit: null });
    const key: Principal = { id: '0a0b0c0d', kind: 'apikey', scopes: new Set() };
    const caller = principalKey(key, undefined);
    expect(await rl.check({ principal: key, caller, invokes: 0 })).toBeUndefined();
    jest.advanceTimersByTime(400);
    expect(await rl.check({ principal: key, caller, invokes: 2 })).toBeUndefined();
    jest.advanceTimersByTime(100);
    const over = await rl.check({ principal: key, caller, invokes: 1 });
    expect(over?.message).toBe(
      'Too many invokeAction calls from this client: its limit is 2/min (each invokeAction field counts). ' +
        'Retry in 60 s.',
    );
    expect(over?.extensions.retryAfterSeconds).toBe(60);
    // Three at once can never fit a limit of two.
    expect(await rl.check({ principal: { ...key, id: 'ffffffff' }, caller: 'other', invokes: 3 })).toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(limited).toEqual([
      ['apikey', 'invoke'],
      ['apikey', 'invoke'],
    ]);
  });

  it("follows a key's own rates, off included, and counts nothing when every limit is off", async () => {
    const rl = limits();
    const key: Principal = {
      id: '0a0b0c0d',
      kind: 'apikey',
      scopes: new Set(),
      rateLimits: { operations: null, invoke: perMin(1) },
    };
    for (let i = 0; i < 10; i++) expect(await rl.check({ principal: key, caller: 'k', invokes: 0 })).toBeUndefined();
    expect(await rl.check({ principal: key, caller: 'k', invokes: 1 })).toBeUndefined();
    expect(await rl.check({ principal: key, caller: 'k', invokes: 1 })).toMatchObject({
      message: expect.stringContaining('its limit is 1/min'),
    });
    const off = limits({ rateLimit: null, invokeRateLimit: null });
    expect(off.active).toBe(false);
    for (let i = 0; i < 10; i++) expect(await off.check({ ...anonymous('a'), invokes: 5 })).toBeUndefined();
    // A key of its own still counts when the gateway's limits are off.
    const strict = { ...key, rateLimits: { operations: perMin(1) } };
    expect(await off.check({ principal: strict, caller: 's', invokes: 0 })).toBeUndefined();
    expect(await off.check({ principal: strict, caller: 's', invokes: 0 })).toMatchObject({
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 60 },
    });
  });
});

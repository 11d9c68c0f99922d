/**
 * Properties of the running gateway (real emulators, real HTTP) for arbitrary client input:
 * arguments that address resources, invoke parameters and wait times, and whole request bodies.
 *
 * For every input: no 5xx; a JSON answer with `data` or `errors`; every error code from the
 * vocabulary and none masked ("Internal server error"); nothing about the upstream leaks (its URL,
 * loopback addresses, stack frames, the secret key); and an argument the gateway rejects itself
 * (BAD_USER_INPUT without `extensions.upstream`) costs no upstream call.
 *
 * One harness serves every property; each run resets the emulators' request logs first.
 *
 * Defects these properties found in src/ are fixed; each has a regression test at the end of the file.
 */
import fc from 'fast-check';
import { request } from 'undici';
import { ErrorCode } from '../../src/errors';
import {
  SEED_BUSY_SERVER_ID,
  SEED_DELETED_SERVER_ID,
  SEED_FOREIGN_SERVER_ID,
  SEED_LOCKED_SERVER_ID,
  SEED_SERVER_ID,
} from '../../src/emulators/compute';
import { anyCodePoint } from '../helpers/arbitraries';
import { startHarness, TEST_CREDENTIALS, TEST_OS_USER, type Harness } from '../helpers/gateway';

const NCP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,49}$/;
const ACTIVATION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const COMPUTE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const BASE = '/ncf/api/v2';

/** The gateway's vocabulary (src/errors.ts) plus Apollo's own codes; INTERNAL_SERVER_ERROR is never acceptable here. */
const VOCABULARY = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
]);

interface GqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, any>;
}
interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: { data?: any; errors?: GqlError[] };
}

let h: Harness;
let leaks: string[];

beforeAll(async () => {
  // No cross-operation cache: every valid read must reach the emulator, exactly once.
  h = await startHarness({ env: { GATEWAY_CACHE_TTL_MS: '0' }, logLevel: 'warn' });
  leaks = [
    h.emulator.url,
    h.compute.url,
    h.compute.authUrl,
    '127.0.0.1',
    'localhost',
    TEST_CREDENTIALS.secretKey,
    TEST_OS_USER.password,
  ];
});
afterAll(async () => {
  await h?.close();
});

/** POSTs raw bytes to /graphql as application/json and reads the answer as text. */
async function post(body: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const res = await request(h.url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await res.body.text();
  let parsed: Answer['body'];
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`);
  }
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text, body: parsed };
}

const gql = (query: string, variables: Record<string, unknown>): Promise<Answer> =>
  post(JSON.stringify({ query, variables }));

/** What of the upstream an answer gives away: its URLs, loopback names, secrets, stack frames. */
function leaksIn(a: Answer): string[] {
  const found = leaks.filter((leak) => a.text.includes(leak)).map((leak) => `contains ${leak}`);
  if (a.text.includes('    at ')) found.push('contains a stack frame');
  if (/\bat [\w.<>]+ \(/.test(a.text)) found.push('contains a stack frame in other spacing');
  return found;
}

/** What is wrong with an answer, whatever was sent: [] when nothing is. */
function unsafety(a: Answer): string[] {
  const wrong = leaksIn(a);
  if (a.status >= 500) wrong.push(`HTTP ${a.status}`);
  if (!/^application\/(graphql-response\+)?json/.test(a.contentType)) wrong.push(`content-type ${a.contentType}`);
  const body: unknown = a.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...wrong, 'the body is not an object'];
  if (!('data' in body || 'errors' in body)) wrong.push('neither data nor errors');
  const errors = a.body.errors;
  if (errors === undefined) return wrong;
  if (!Array.isArray(errors) || errors.length === 0) return [...wrong, 'errors is not a non-empty list'];
  for (const e of errors) {
    if (typeof e.message !== 'string') wrong.push('an error without a message');
    if (e.message === 'Internal server error') wrong.push('a masked error');
    if (!VOCABULARY.has(e.extensions?.code)) wrong.push(`code ${String(e.extensions?.code)} outside the vocabulary`);
    for (const key of ['stacktrace', 'exception'])
      if (e.extensions && key in e.extensions) wrong.push(`extensions.${key}`);
  }
  return wrong;
}

/**
 * What every answer must satisfy, whatever was sent. The checks are collected and asserted once:
 * twenty matchers for each of some 1,200 answers cost over a second of CPU in this file.
 */
function expectSafe(a: Answer): void {
  expect(unsafety(a).map((wrong) => `${wrong}: ${a.text.slice(0, 300)}`)).toEqual([]);
}

/** The answer to one field the gateway rejected itself: one BAD_USER_INPUT, no upstream facts. */
function expectRejected(a: Answer, field: string): void {
  expect(a.status).toBe(200);
  expect(a.body.data).toEqual({ [field]: null });
  expect(a.body.errors).toHaveLength(1);
  expect(a.body.errors![0]).toMatchObject({ path: [field], extensions: { code: 'BAD_USER_INPUT' } });
  expect(a.body.errors![0]!.extensions).not.toHaveProperty('upstream');
}

/** BAD_USER_INPUT the gateway decided itself (no `upstream`) must have cost no call. */
function expectNoCallsForOwnRejections(a: Answer): void {
  const own = (a.body.errors ?? []).some((e) => e.extensions?.code === 'BAD_USER_INPUT' && !e.extensions?.upstream);
  if (own) {
    expect(h.upstreamCalls()).toEqual([]);
    expect(h.computeCalls()).toEqual([]);
  }
}

// ---- arbitrary strings ----

const pieces = fc.constantFrom(
  '/',
  '..',
  '.',
  '%',
  '%2F',
  '%2e%2e',
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  '\t',
  '\n',
  '\r',
  '\0',
  '\\',
  '-',
  '_',
  'a',
  'Z',
  '7',
  'é',
  'ключ',
  '😀',
  '\u200b',
  '\uFEFF',
  '\uD800',
  '\uDC00',
  '"',
  "'",
  '<',
  '{',
  '$',
  'http://127.0.0.1',
  'examples',
  'package003',
  'action000',
);
/** The kinds of strings a client may send: random, unicode, path-like, lone surrogates, long. */
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: anyCodePoint }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 3, arbitrary: fc.array(pieces, { maxLength: 10 }).map((p) => p.join('')) },
  { weight: 3, arbitrary: fc.stringMatching(NCP_NAME) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', '_', '-', '.'), minLength: 45, maxLength: 55 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 51, max: 20_000 }), fc.constantFrom('a', '/', '%', 'é'))
      .map(([n, c]) => c.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '-',
      '--',
      '_',
      'examples',
      'package003',
      'package001',
      'legacy',
      'echo',
      'action000',
      'hello',
    ),
  },
);
const packageArg = fc.oneof(anyString, fc.constant(null));

const RUNS = { numRuns: 200 };

describe('arguments that address resources', () => {
  beforeEach(() => h.resetCalls());

  it('package(name:): BAD_USER_INPUT and no call for a name outside the rule, else exactly one GET', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (name) => {
        h.resetCalls();
        const a = await gql('query($name: String!) { package(name: $name) { name } }', { name });
        expectSafe(a);
        expectNoCallsForOwnRejections(a);
        if (!NCP_NAME.test(name)) {
          expectRejected(a, 'package');
          expect(h.upstreamCalls()).toEqual([]);
          return;
        }
        expect(h.upstreamCalls()).toEqual([`GET ${BASE}/packages/${name}?platform=vpc`]);
        const pkg = h.emulator.store.getPackage(name);
        if (pkg && pkg.platform !== 'vpc') {
          // On the other platform: the upstream's refusal (documented as BAD_USER_INPUT), after its one call.
          expect(a.body.errors).toEqual([
            expect.objectContaining({
              path: ['package'],
              extensions: expect.objectContaining({
                code: 'BAD_USER_INPUT',
                upstream: expect.objectContaining({ service: 'cloudfunctions', status: 400 }),
              }),
            }),
          ]);
          return;
        }
        expect(a.body.errors).toBeUndefined();
        expect(a.body.data).toEqual({ package: pkg ? { name } : null });
      }),
      RUNS,
    );
  });

  it(
    'action(package:, name:): BAD_USER_INPUT and no call for an invalid package or name, ' + 'else exactly one GET',
    async () => {
      await fc.assert(
        fc.asyncProperty(packageArg, anyString, async (pkg, name) => {
          h.resetCalls();
          const a = await gql('query($p: String, $n: String!) { action(package: $p, name: $n) { name } }', {
            p: pkg,
            n: name,
          });
          expectSafe(a);
          expectNoCallsForOwnRejections(a);
          const noPackage = pkg === null || pkg === '' || pkg === '-';
          if (!(noPackage || NCP_NAME.test(pkg)) || !NCP_NAME.test(name)) {
            expectRejected(a, 'action');
            expect(h.upstreamCalls()).toEqual([]);
            return;
          }
          const p = noPackage ? '-' : pkg;
          expect(h.upstreamCalls()).toEqual([`GET ${BASE}/packages/${p}/actions/${name}?platform=vpc`]);
          const action = h.emulator.store.getAction(p, name);
          const pkgEntity = p === '-' ? undefined : h.emulator.store.getPackage(p);
          if ((action && action.platform !== 'vpc') || (pkgEntity && pkgEntity.platform !== 'vpc')) {
            // Addressed on the other platform: the upstream's refusal, after its one call.
            expect(a.body.errors).toEqual([
              expect.objectContaining({
                path: ['action'],
                extensions: expect.objectContaining({
                  code: 'BAD_USER_INPUT',
                  upstream: expect.objectContaining({ service: 'cloudfunctions', status: 400 }),
                }),
              }),
            ]);
            return;
          }
          expect(a.body.errors).toBeUndefined();
          expect(a.body.data).toEqual({ action: action ? { name } : null });
        }),
        RUNS,
      );
    },
  );

  it(
    'activation(package:, action:, id:): BAD_USER_INPUT and no call for any invalid part, ' + 'else exactly one GET',
    async () => {
      const seeded = h.emulator.store
        .listActivations({ packageName: 'package003', actionName: 'action000' })
        .map((r) => r.activationId);
      expect(seeded.length).toBeGreaterThan(0);
      const ids = fc.oneof(
        anyString,
        fc.stringMatching(/^[0-9a-f]{32}$/),
        fc.constantFrom(...seeded),
        fc.stringMatching(/^[A-Za-z0-9_-]{100,140}$/),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(packageArg, fc.constant('package003')),
          fc.oneof(anyString, fc.constant('action000')),
          ids,
          async (pkg, action, id) => {
            h.resetCalls();
            const a = await gql(
              'query($p: String, $a: String!, $id: ID!) { activation(package: $p, action: $a, id: $id) { id } }',
              {
                p: pkg,
                a: action,
                id,
              },
            );
            expectSafe(a);
            expectNoCallsForOwnRejections(a);
            const noPackage = pkg === null || pkg === '' || pkg === '-';
            if (!(noPackage || NCP_NAME.test(pkg)) || !NCP_NAME.test(action) || !ACTIVATION_ID.test(id)) {
              expectRejected(a, 'activation');
              expect(h.upstreamCalls()).toEqual([]);
              return;
            }
            const p = noPackage ? '-' : pkg;
            expect(a.body.errors).toBeUndefined();
            expect(h.upstreamCalls()).toEqual([
              `GET ${BASE}/packages/${p}/actions/${action}/activations/${id}?platform=vpc`,
            ]);
            const stored = h.emulator.store.getStoredActivation(id);
            const found =
              !!stored && stored.platform === 'vpc' && stored.packageName === p && stored.actionName === action;
            expect(a.body.data).toEqual({ activation: found ? { id } : null });
          },
        ),
        RUNS,
      );
    },
  );

  it(
    'server(id:): BAD_USER_INPUT and no compute call for an id outside the rule, ' + 'else the server or null',
    async () => {
      const seeded = fc.constantFrom(
        SEED_SERVER_ID,
        SEED_BUSY_SERVER_ID,
        SEED_DELETED_SERVER_ID,
        SEED_LOCKED_SERVER_ID,
        SEED_FOREIGN_SERVER_ID,
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(anyString, fc.uuid(), seeded, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{200,260}$/)),
          async (id) => {
            h.resetCalls();
            const a = await gql('query($id: ID!) { server(id: $id) { id } }', { id });
            expectSafe(a);
            expectNoCallsForOwnRejections(a);
            expect(h.upstreamCalls()).toEqual([]);
            if (!COMPUTE_ID.test(id)) {
              expectRejected(a, 'server');
              expect(h.computeCalls()).toEqual([]);
              return;
            }
            const calls = h.computeCalls();
            expect(calls.length).toBeGreaterThanOrEqual(1);
            expect(calls.filter((c) => !c.startsWith('POST /identity/'))).toEqual([
              expect.stringMatching(
                new RegExp(`^GET /compute/v2\\.1/servers/${id.replace(/\./g, '\\.')}/os-instance-actions\\?`),
              ),
            ]);
            if (a.body.errors) {
              // A server of which the gateway's credentials may not read the actions.
              expect(a.body.errors).toHaveLength(1);
              expect(a.body.errors[0]!.extensions).toMatchObject({
                code: 'FORBIDDEN',
                upstream: { service: 'compute' },
              });
              expect(a.body.data).toEqual({ server: null });
              return;
            }
            const known = [SEED_SERVER_ID, SEED_BUSY_SERVER_ID, SEED_DELETED_SERVER_ID].includes(id);
            expect(a.body.data).toEqual({ server: known ? { id } : null });
          },
        ),
        RUNS,
      );
    },
  );
});

// ---- invokeAction ----

const INVOKE = `mutation($params: JSON, $t: Int) {
  invokeAction(input: { package: "examples", action: "echo", params: $params, timeoutMs: $t }) {
    activationId completed activation { id status success result }
  }
}`;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fastify refuses bodies with prototype-poisoning keys (secure-json-parse): `__proto__`, `constructor.prototype`. */
function poisoned(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(poisoned);
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return true;
    if (
      key === 'constructor' &&
      isPlainObject(value[key]) &&
      Object.prototype.hasOwnProperty.call(value[key], 'prototype')
    )
      return true;
    if (poisoned(value[key])) return true;
  }
  return false;
}

async function waitForRecord(id: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const stored = h.emulator.store.getStoredActivation(id);
    if (stored) return stored.record;
    if (Date.now() > until) throw new Error(`activation ${id} was never stored`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('invokeAction(params:, timeoutMs:) on examples/echo', () => {
  const json = fc.jsonValue({ maxDepth: 3, stringUnit: anyCodePoint });
  const params = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.dictionary(
        fc.oneof(fc.string(), fc.constantFrom('error', 'name', '__proto__', 'constructor', 'n')),
        json,
        { maxKeys: 6 },
      ),
    },
    { weight: 2, arbitrary: json },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, [], '', 0, false, 'x', [{}]) },
  );
  const waits = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 60_000 }) },
    { weight: 1, arbitrary: fc.integer() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        -1,
        0,
        1,
        60_000,
        60_001,
        2 ** 31 - 1,
        -(2 ** 31),
        2 ** 31,
        2 ** 53,
        1.5,
        null,
        undefined,
      ),
    },
  );

  it('rejects non-object params and out-of-range waits with no call; otherwise the run echoes the params', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(params, waits, async (p, t) => {
        h.resetCalls();
        const before = h.emulator.store.runsStarted;
        const variables: Record<string, unknown> = {};
        if (p !== undefined) variables.params = p;
        if (t !== undefined) variables.t = t;
        const a = await gql(INVOKE, variables);
        expectSafe(a);
        expectNoCallsForOwnRejections(a);

        if (poisoned(p)) {
          expect(a.status).toBe(400);
          expect(a.body.errors).toEqual([
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) }),
          ]);
          expect(h.upstreamCalls()).toEqual([]);
          expect(h.emulator.store.runsStarted).toBe(before);
          return;
        }
        const wait = t ?? undefined;
        const isInt = wait === undefined || (Number.isInteger(wait) && wait >= -(2 ** 31) && wait < 2 ** 31);
        const paramsOk = p === undefined || p === null || isPlainObject(p);
        const waitOk = wait === undefined || (Number.isInteger(wait) && wait >= 0 && wait <= 60_000);
        if (!paramsOk || !waitOk) {
          expect(h.upstreamCalls()).toEqual([]);
          expect(h.emulator.store.runsStarted).toBe(before);
          if (!isInt) {
            // Not a GraphQL Int: refused while coercing variables.
            expect(a.status).toBe(400);
            expect(a.body.errors).toEqual([
              expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
            ]);
            return;
          }
          expect(a.status).toBe(200);
          expect(a.body.data).toBeNull();
          expect(a.body.errors).toEqual([
            {
              message: paramsOk ? 'timeoutMs must be from 0 to 60000.' : 'params must be a JSON object.',
              locations: expect.any(Array),
              path: ['invokeAction'],
              extensions: { code: 'BAD_USER_INPUT', requestId: expect.any(String) },
            },
          ]);
          return;
        }

        ran += 1;
        expect(a.body.errors).toBeUndefined();
        expect(h.upstreamCalls()).toEqual([
          `POST ${BASE}/packages/examples/actions/echo?platform=vpc${wait === undefined ? '' : `&timeout=${wait}`}`,
        ]);
        expect(h.emulator.store.runsStarted).toBe(before + 1);
        const payload = a.body.data.invokeAction;
        expect(payload.activationId).toMatch(/^[0-9a-f]{32}$/);

        // What the action received, as JSON carried it (-0 arrives as 0), and what OpenWhisk makes of
        // it: echo returns its params; a result with an `error` field is an application error that
        // keeps only that field. examples/echo and its package have no default parameters.
        const sent = JSON.parse(JSON.stringify(p ?? {})) as Record<string, unknown>;
        const failed = Object.prototype.hasOwnProperty.call(sent, 'error');
        const expected = failed ? { error: sent.error } : sent;
        if (payload.completed) {
          expect(payload.activation).toEqual({
            id: payload.activationId,
            status: failed ? 'APPLICATION_ERROR' : 'SUCCESS',
            success: !failed,
            result: expected,
          });
        } else {
          // A short wait can end before the run: it keeps running and is stored under the same id.
          expect(payload.activation).toBeNull();
          const record = await waitForRecord(payload.activationId);
          expect(record.response.result).toEqual(expected);
        }
        expect(
          h.emulator.store.getStoredActivation(payload.activationId) ?? (await waitForRecord(payload.activationId)),
        ).toBeTruthy();
      }),
      { numRuns: 80 },
    );
    // The property must have run actions, not only rejected input.
    console.log(`invokeAction property: ${ran} of 80 runs invoked examples/echo`);
    expect(ran).toBeGreaterThanOrEqual(20);
  });
});

// ---- arbitrary request bodies ----

describe('arbitrary bodies POSTed to /graphql as application/json', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const queries = fc.constantFrom(
    '{ packages { name } }',
    'query($n: String!) { package(name: $n) { name } }',
    'query Q { packages { name } } query R { __typename }',
    'mutation($p: JSON) { invokeAction(input: { package: "examples", action: "echo", params: $p, timeoutMs: 5000 }) ' +
      '{ completed } }',
    'subscription { x }',
    '{ nope }',
    '{',
    '',
    '{ __schema { types { name } } }',
  );
  const field = (arb: fc.Arbitrary<unknown>) => fc.oneof(arb, json, fc.string(), fc.constant(null));
  const bodies: fc.Arbitrary<string | Buffer> = fc.oneof(
    // Random bytes and random text.
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.string({ unit: anyCodePoint, maxLength: 200 }),
    // Random JSON of any shape (arrays are batches, which are off).
    fc.json({ maxDepth: 4 }),
    // A GraphQL request with every field of any type.
    fc
      .record(
        {
          query: field(queries),
          variables: field(fc.record({ n: fc.string(), p: json })),
          operationName: field(fc.constantFrom('Q', 'R', 'S')),
          extensions: field(
            fc.record({
              persistedQuery: fc.record({
                version: fc.oneof(fc.constant(1), fc.integer()),
                sha256Hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
              }),
            }),
          ),
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
    // Broken JSON: a valid request cut short, or with trailing garbage.
    fc
      .tuple(fc.nat(60), fc.string())
      .map(([n, tail]) => JSON.stringify({ query: '{ packages { name } }' }).slice(0, n) + tail),
    // Prototype poisoning.
    fc.constantFrom(
      '{"__proto__":{"x":1},"query":"{ packages { name } }"}',
      '{"query":"{ packages { name } }","constructor":{"prototype":{"x":1}}}',
    ),
    // Near the 100 kB body limit, on both sides.
    fc.integer({ min: 100 * 1024 - 200, max: 100 * 1024 + 200 }).map((size) => {
      const head = '{"query":"{ packages { name } }","variables":{"x":"';
      const tail = '"}}';
      return head + 'a'.repeat(Math.max(0, size - head.length - tail.length)) + tail;
    }),
    fc.integer({ min: 100 * 1024 - 64, max: 100 * 1024 + 64 }).map((size) => {
      const head = '{"query":"{ packages { name } } #';
      return head + 'a'.repeat(Math.max(0, size - head.length - 2)) + '"}';
    }),
  );

  it('never answers 5xx, always JSON with errors or data, never an unmasked or masked error', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        requests += 1;
        const a = await post(body);
        expectSafe(a);
        if (a.status >= 400) {
          expect(a.body.errors?.length).toBeGreaterThan(0);
        }
        if (Buffer.byteLength(body) > 100 * 1024) {
          expect(a.status).toBe(413);
          expect(a.body.errors).toEqual([
            expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_REQUEST' }) }),
          ]);
        }
      }),
      { numRuns: 300 },
    );
    expect(requests).toBe(300);
  });
});

// ---- defects these properties found (now fixed), one request each ----

describe('regressions found by the properties', () => {
  const send = (body: unknown) => post(JSON.stringify(body));
  const expectVocabulary = (a: Answer, status: number, code?: string) => {
    expect(a.status).toBe(status);
    expect(a.body.errors).toHaveLength(1);
    const actual = a.body.errors![0]!.extensions?.code;
    if (code) expect(actual).toBe(code);
    expect(VOCABULARY.has(actual)).toBe(true);
  };

  const coercion: Array<[string, unknown]> = [
    [
      'a String! variable given a number',
      { query: 'query($n: String!) { package(name: $n) { name } }', variables: { n: 5 } },
    ],
    ['a required variable not provided', { query: 'query($n: String!) { package(name: $n) { name } }' }],
    [
      'a non-null variable given null',
      { query: 'query($n: String!) { package(name: $n) { name } }', variables: { n: null } },
    ],
    [
      'an enum variable given an unknown value',
      { query: 'query($pl: Platform) { packages(platform: $pl) { name } }', variables: { pl: 'X' } },
    ],
    [
      'timeoutMs: 1.5 (not an Int)',
      {
        query:
          'mutation($t: Int) { invokeAction(input: { package: "examples", action: "echo", timeoutMs: $t }) ' +
          '{ completed } }',
        variables: { t: 1.5 },
      },
    ],
    [
      'timeoutMs: 2^31 (beyond a 32-bit Int)',
      {
        query:
          'mutation($t: Int) { invokeAction(input: { package: "examples", action: "echo", timeoutMs: $t }) ' +
          '{ completed } }',
        variables: { t: 2 ** 31 },
      },
    ],
  ];
  for (const [what, body] of coercion) {
    it(`${what} is HTTP 400 BAD_USER_INPUT (the cost check once answered 500)`, async () => {
      h.resetCalls();
      const a = await send(body);
      expect(h.upstreamCalls()).toEqual([]);
      expectVocabulary(a, 400, 'BAD_USER_INPUT');
    });
  }

  it('an operationName with an anonymous operation is a 400 (once a masked 500 in the cost check)', async () => {
    const a = await send({ query: '{ packages { name } }', operationName: 'Q' });
    expectVocabulary(a, 400);
  });

  it('an unsupported persisted query version is BAD_REQUEST', async () => {
    const a = await send({ extensions: { persistedQuery: { version: 2, sha256Hash: 'a'.repeat(64) } } });
    expectVocabulary(a, 400, 'BAD_REQUEST');
  });

  it('a persisted query whose hash does not match is BAD_REQUEST', async () => {
    const a = await send({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
    });
    expectVocabulary(a, 400, 'BAD_REQUEST');
  });

  it('an operation type the schema lacks is refused with a vocabulary code', async () => {
    const a = await send({ query: 'subscription { x }' });
    expect(a.body.errors).toHaveLength(1);
    expect(VOCABULARY.has(a.body.errors![0]!.extensions?.code)).toBe(true);
  });

  it('an unknown operation name is refused with a vocabulary code', async () => {
    const a = await send({ query: 'query R { __typename }', operationName: 'Q' });
    expectVocabulary(a, 400);
  });
});

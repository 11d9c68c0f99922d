/**
 * Every operation policy, over every transport, from one list. Each case runs over GraphQL over
 * HTTP and over graphql-ws against the same gateway, and must give the same answer (data and
 * errors: message, code and path), the request id on every error, the same upstream calls, and one
 * log line of its own transport. A policy added to one transport and not the other fails here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateKey } from '../../src/auth/apikeys';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { startHarness, type Harness } from '../helpers/gateway';
import { closeClients, TRANSPORTS, type OperationAnswer, type OperationCall } from '../helpers/transports';

const MANIFEST = resolve(__dirname, '..', '..', 'src', '__generated__', 'client', 'persisted-documents.json');
const manifest: Record<string, string> = require(MANIFEST);
const idOf = (name: string) =>
  Object.keys(manifest).find((k) => new RegExp(`^(query|mutation|subscription) ${name}\\b`).test(manifest[k]!))!;

const keysDir = mkdtempSync(join(tmpdir(), 'gw-policy-keys-'));
const reader = generateKey(['functions:read'], 'reader');
const keysFile = join(keysDir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [reader.stored] }));
const READER = { authorization: `Bearer ${reader.key}` };

/** The gateways the cases run against, by the configuration they need. */
const GROUPS: Record<string, Record<string, string>> = {
  defaults: {},
  private: { GATEWAY_INTROSPECTION: 'false' },
  production: { NODE_ENV: 'production', GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: keysFile },
  trusted: { GATEWAY_PERSISTED_DOCUMENTS: MANIFEST, GATEWAY_PERSISTED_DOCUMENTS_ONLY: 'true' },
  deadline: { GATEWAY_REQUEST_TIMEOUT_MS: '1000' },
  // Rate limits (the harness turns them off unless a test sets them).
  rate: { GATEWAY_RATE_LIMIT: '1/min' },
  invokeRate: { GATEWAY_INVOKE_RATE_LIMIT: '1/min' },
  // Identical operations at once (src/pipeline/operation-dedupe): each execution is its own upstream call.
  shared: { GATEWAY_DEDUPE: 'false' },
};

/** Upstream latency of a group's emulator: long enough for operations sent together to overlap. */
const GROUP_EMULATORS: Partial<Record<string, { latencyMs: number }>> = { shared: { latencyMs: 1_000 } };

interface ExpectedError {
  message: string | RegExp;
  code: string;
  path?: Array<string | number>;
}

interface PolicyCase {
  name: string;
  group: keyof typeof GROUPS;
  call: OperationCall;
  data?: unknown;
  errors?: ExpectedError[];
  /** Cloud Functions requests the operation causes (default 0). */
  upstreamCalls?: number;
  /** Operations sent first on the same transport, their answers unchecked (to use up a limit). */
  before?: OperationCall[];
  /**
   * Refused by a rate limit: the error's retryAfterSeconds is whole seconds within the 1-minute
   * window, and over HTTP the status is 429 with that Retry-After.
   */
  rateLimited?: true;
  /** Sent this many times at once: every answer the same, each error with its own requestId and log line. */
  times?: number;
}

/** `{ "a": { "a": … {} } }`, `depth` objects deep. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/**
 * Variables `{ input: { package, action, params: { a: [[[…]]] } } }` with `params` nested `depth`
 * deep, as JSON text (arrays: two bytes a level, so 20,000 levels fit the 100 kB body limit), built
 * without JSON.stringify, which overflows its stack on such depths.
 */
const deepInvokeVariables = (depth: number) =>
  `{"input":{"package":"examples","action":"echo","params":{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}}}`;

/** Inline in the document: `{a: {a: … {}}}`. */
const nestedLiteral = (depth: number) => `${'{a: '.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

const EXPENSIVE =
  `{ ${Array.from(
    { length: 10 },
    (_, i) =>
      `p${i}: packages { name description actions { name runtime ` +
      'activations(pageSize: 100) { totalCount nodes { id status logs result } } } }',
  ).join(' ')} ` +
  `s: server(id: "${SEED_SERVER_ID}") { name instanceActions(first: 100) ` +
  '{ nodes { action events { event result } } } } }';

const INVOKE_BY_VARIABLES = 'mutation($input: InvokeActionInput!) { invokeAction(input: $input) { completed } }';
const INVOKE_ECHO = 'invokeAction(input: { package: "examples", action: "echo" }) { completed }';
/** A rate limit's sentence, then `Retry in <seconds> s.` (the seconds are checked against retryAfterSeconds). */
const retryIn = (sentence: string) =>
  new RegExp(`^${sentence.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} Retry in \\d+ s\\.$`);
const PACKAGES = ['examples', 'package001', 'package003'].map((name) => ({ name }));

const CASES: PolicyCase[] = [
  // Limits: rejected before any upstream call.
  {
    name: 'cost: a 1.5 kB document of nested lists',
    group: 'defaults',
    call: { query: EXPENSIVE },
    errors: [
      {
        message:
          'The operation is too expensive: its cost is 8410302, the limit is 5000. ' +
          'Ask for smaller pages or fewer nested lists.',
        code: 'GRAPHQL_VALIDATION_FAILED',
      },
    ],
  },
  {
    name: 'depth',
    group: 'defaults',
    call: {
      query:
        '{ package(name: "package001") { actions { package { actions { package { actions ' +
        '{ package { actions { name } } } } } } } } }',
    },
    errors: [{ message: 'Syntax Error: Query depth limit of 8 exceeded, found 9.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'aliases',
    group: 'defaults',
    call: {
      query: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: package(name: "package001") { name }`).join(' ')} }`,
    },
    errors: [{ message: 'Syntax Error: Aliases limit of 15 exceeded, found 16.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'directives',
    group: 'defaults',
    call: { query: `{ ${Array.from({ length: 11 }, (_, i) => `t${i}: __typename @skip(if: false)`).join(' ')} }` },
    errors: [
      { message: 'Syntax Error: Directives limit of 10 exceeded, found 11.', code: 'GRAPHQL_VALIDATION_FAILED' },
    ],
  },
  {
    name: 'tokens',
    group: 'defaults',
    call: { query: `{ ${'__typename '.repeat(1001)}}` },
    errors: [
      {
        message: 'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
        code: 'GRAPHQL_PARSE_FAILED',
      },
    ],
  },
  {
    name: 'a document that is not GraphQL',
    group: 'defaults',
    call: { query: '{ packages {' },
    errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', code: 'GRAPHQL_PARSE_FAILED' }],
  },
  // Input depth: refused before any other work, inline or as variables.
  {
    name: 'variables nested 10,000 deep',
    group: 'defaults',
    call: { query: INVOKE_BY_VARIABLES, rawVariables: deepInvokeVariables(10_000) },
    errors: [{ message: 'The variables nest deeper than the limit of 64 levels.', code: 'BAD_USER_INPUT' }],
  },
  {
    name: 'params nested 70 deep, inline',
    group: 'defaults',
    call: {
      query:
        'mutation { invokeAction(input: { package: "examples", action: "echo", ' +
        `params: ${nestedLiteral(70)} }) { completed } }`,
    },
    data: null,
    errors: [
      { message: 'params nest deeper than the limit of 64 levels.', code: 'BAD_USER_INPUT', path: ['invokeAction'] },
    ],
  },
  {
    name: 'params nested 60 deep: still run',
    group: 'defaults',
    call: {
      query: INVOKE_BY_VARIABLES,
      variables: { input: { package: 'examples', action: 'echo', params: nested(60) } },
    },
    data: { invokeAction: { completed: true } },
    upstreamCalls: 1,
  },
  // Operation and variables.
  {
    name: 'an operationName the document does not have',
    group: 'defaults',
    call: { query: 'query A { __typename } query B { __typename }', operationName: 'C' },
    errors: [{ message: 'Unknown operation named "C".', code: 'OPERATION_RESOLUTION_FAILURE' }],
  },
  {
    name: 'several operations and no operationName',
    group: 'defaults',
    call: { query: 'query A { __typename } query B { __typename }' },
    errors: [
      {
        message: 'Must provide operation name if query contains multiple operations.',
        code: 'OPERATION_RESOLUTION_FAILURE',
      },
    ],
  },
  {
    name: 'a required variable missing',
    group: 'defaults',
    call: { query: 'query($n: String!) { package(name: $n) { name } }' },
    errors: [{ message: 'Variable "$n" of required type "String!" was not provided.', code: 'BAD_USER_INPUT' }],
  },
  {
    name: 'an argument the resolver refuses',
    group: 'defaults',
    call: { query: 'mutation { invokeAction(input: { action: "ping", timeoutMs: 70000 }) { completed } }' },
    data: null,
    errors: [{ message: 'timeoutMs must be from 0 to 60000.', code: 'BAD_USER_INPUT', path: ['invokeAction'] }],
  },
  {
    name: 'a plain query',
    group: 'defaults',
    call: { query: '{ packages { name } }' },
    data: { packages: PACKAGES },
    upstreamCalls: 1,
  },
  // Suggestions are part of the schema's description: shown only when it is public.
  {
    name: 'suggestions when the schema is public',
    group: 'defaults',
    call: { query: '{ packagez { name } }' },
    errors: [
      {
        message: 'Cannot query field "packagez" on type "Query". Did you mean "package" or "packages"?',
        code: 'GRAPHQL_VALIDATION_FAILED',
      },
    ],
  },
  {
    name: 'introspection on by default',
    group: 'defaults',
    call: { query: '{ __type(name: "Platform") { enumValues { name } } }' },
    data: { __type: { enumValues: [{ name: 'VPC' }, { name: 'CLASSIC' }] } },
  },
  {
    name: 'introspection off: __schema',
    group: 'private',
    call: { query: '{ __schema { types { name } } }' },
    errors: [{ message: 'Introspection is disabled on this gateway.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'introspection off: __type',
    group: 'private',
    call: { query: '{ __type(name: "Query") { fields { name } } }' },
    errors: [{ message: 'Introspection is disabled on this gateway.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'introspection off: __typename still answers',
    group: 'private',
    call: { query: '{ __typename }' },
    data: { __typename: 'Query' },
  },
  {
    name: 'no suggestion for a field',
    group: 'private',
    call: { query: '{ packagez { name } }' },
    errors: [{ message: 'Cannot query field "packagez" on type "Query".', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'no suggestion for an argument',
    group: 'private',
    call: { query: '{ package(nam: "x") { name } }' },
    errors: [
      { message: 'Unknown argument "nam" on field "Query.package".', code: 'GRAPHQL_VALIDATION_FAILED' },
      {
        message: 'Field "package" argument "name" of type "String!" is required, but it was not provided.',
        code: 'GRAPHQL_VALIDATION_FAILED',
      },
    ],
  },
  {
    name: 'no suggestion for an enum value',
    group: 'private',
    call: { query: '{ packages(platform: VPX) { name } }' },
    errors: [{ message: 'Value "VPX" does not exist in "Platform" enum.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'no suggestion for an enum value in a variable',
    group: 'private',
    call: { query: 'query($p: Platform) { packages(platform: $p) { name } }', variables: { p: 'VPX' } },
    errors: [
      {
        message: 'Variable "$p" got invalid value "VPX"; Value "VPX" does not exist in "Platform" enum.',
        code: 'BAD_USER_INPUT',
      },
    ],
  },
  // Production with API keys: introspection off, scopes per field.
  {
    name: 'production: introspection off',
    group: 'production',
    call: { query: '{ __schema { queryType { name } } }', headers: READER },
    errors: [{ message: 'Introspection is disabled on this gateway.', code: 'GRAPHQL_VALIDATION_FAILED' }],
  },
  {
    name: 'production: a field outside the key scopes is FORBIDDEN, its siblings answer',
    group: 'production',
    call: { query: `{ server(id: "${SEED_SERVER_ID}") { name } packages { name } }`, headers: READER },
    data: { server: null, packages: PACKAGES },
    errors: [{ message: 'This field needs the scope compute:read.', code: 'FORBIDDEN', path: ['server'] }],
    upstreamCalls: 1,
  },
  {
    name: 'production: a mutation outside the key scopes',
    group: 'production',
    call: { query: 'mutation { invokeAction(input: { action: "ping" }) { completed } }', headers: READER },
    data: null,
    errors: [{ message: 'This field needs the scope functions:invoke.', code: 'FORBIDDEN', path: ['invokeAction'] }],
  },
  // Trusted documents.
  {
    name: 'trusted: a document outside the manifest',
    group: 'trusted',
    call: { query: '{ packages { name } }' },
    errors: [
      {
        message: 'Only trusted operations are accepted: send the documentId of a persisted document.',
        code: 'PERSISTED_QUERY_REQUIRED',
      },
    ],
  },
  {
    name: 'trusted: an unknown documentId',
    group: 'trusted',
    call: { documentId: `sha256:${'0'.repeat(64)}` },
    errors: [
      { message: 'Unknown documentId: it is not in the persisted documents.', code: 'PERSISTED_QUERY_NOT_FOUND' },
    ],
  },
  {
    name: 'trusted: a manifest document by documentId',
    group: 'trusted',
    call: { documentId: idOf('PackageDetail'), variables: { name: 'package003' } },
    data: {
      package: {
        actions: [{ description: expect.any(String), name: 'action000', type: 'basic' }],
        description: expect.any(String),
        name: 'package003',
        parameters: {},
      },
    },
    upstreamCalls: 1,
  },
  {
    name: 'trusted: a manifest mutation with params nested 20,000 deep',
    group: 'trusted',
    call: { documentId: idOf('InvokeAction'), rawVariables: deepInvokeVariables(20_000) },
    errors: [{ message: 'The variables nest deeper than the limit of 64 levels.', code: 'BAD_USER_INPUT' }],
  },
  // Deadlines: a query or mutation has the same budget on every transport.
  {
    name: 'deadline: an invoke that outlives GATEWAY_REQUEST_TIMEOUT_MS',
    group: 'deadline',
    call: {
      query:
        'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 10000 }) { completed } }',
    },
    data: null,
    errors: [
      { message: 'The Cloud Functions API did not answer in time.', code: 'UPSTREAM_TIMEOUT', path: ['invokeAction'] },
    ],
    upstreamCalls: 1,
  },
  // Rate limits: counted per client before anything runs; over them the whole operation is refused.
  {
    name: 'rate: an operation over GATEWAY_RATE_LIMIT',
    group: 'rate',
    before: [{ query: '{ __typename }' }],
    call: { query: '{ packages { name } }' },
    errors: [
      {
        message: retryIn('Too many operations from this client: its limit is 1/min.'),
        code: 'RATE_LIMITED',
      },
    ],
    rateLimited: true,
  },
  {
    name: 'invoke rate: invokeAction fields over GATEWAY_INVOKE_RATE_LIMIT',
    group: 'invokeRate',
    before: [{ query: `mutation { ${INVOKE_ECHO} }` }],
    call: { query: `mutation { a: ${INVOKE_ECHO} }` },
    errors: [
      {
        message: retryIn(
          'Too many invokeAction calls from this client: its limit is 1/min (each invokeAction field counts).',
        ),
        code: 'RATE_LIMITED',
      },
    ],
    rateLimited: true,
  },
  {
    name: 'invoke rate: an operation without invokeAction still runs',
    group: 'invokeRate',
    call: { query: '{ packages { name } }' },
    data: { packages: PACKAGES },
    upstreamCalls: 1,
  },
  // Identical queries in flight at once: executed once, every client answered as if it ran alone.
  {
    name: 'identical queries at once: one execution, five answers, five requestIds',
    group: 'shared',
    call: { query: '{ packages { name } bad: package(name: "-bad") { name } }' },
    times: 5,
    data: { packages: PACKAGES, bad: null },
    errors: [
      {
        message: "Invalid package name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.",
        code: 'BAD_USER_INPUT',
        path: ['bad'],
      },
    ],
    upstreamCalls: 1,
  },
];

describe.each(Object.keys(GROUPS))('policies of the %s gateway', (group) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: GROUPS[group]!, logLevel: 'info', emulator: GROUP_EMULATORS[group] ?? {} });
  });
  afterAll(async () => {
    await closeClients();
    await h.close();
  });

  const cases = CASES.filter((c) => c.group === group);
  describe.each(TRANSPORTS)('over $name', (transport) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      for (const call of c.before ?? []) await transport.run(h, call);
      h.resetCalls();
      const logsBefore = h.logs.length;
      const answers = await Promise.all(Array.from({ length: c.times ?? 1 }, () => transport.run(h, c.call)));
      const [answer] = answers as [OperationAnswer, ...OperationAnswer[]];
      const withoutRequestIds = (a: OperationAnswer) =>
        JSON.stringify({ data: a.data, errors: a.errors }, (k, v: unknown) => (k === 'requestId' ? undefined : v));
      for (const other of answers) expect(withoutRequestIds(other)).toBe(withoutRequestIds(answer));

      if (c.data !== undefined) expect(answer.data).toEqual(c.data);
      else expect(answer.data ?? undefined).toBeUndefined();
      const errors = answer.errors ?? [];
      expect(
        errors.map((e) => ({ message: e.message, code: e.extensions?.code, ...(e.path ? { path: e.path } : {}) })),
      ).toEqual(
        (c.errors ?? []).map((e) => ({
          message: typeof e.message === 'string' ? e.message : expect.stringMatching(e.message),
          code: e.code,
          ...(e.path ? { path: e.path } : {}),
        })),
      );
      for (const error of errors) expect(error.extensions?.requestId).toEqual(expect.any(String));
      if (c.rateLimited) {
        const seconds = errors[0]!.extensions!.retryAfterSeconds as number;
        expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
        expect(errors[0]!.message).toContain(`Retry in ${seconds} s.`);
        if (transport.name === 'http') {
          expect({ status: answer.status, retryAfter: answer.headers?.['retry-after'] }).toEqual({
            status: 429,
            retryAfter: String(seconds),
          });
        }
      }
      // Deadline cases wait for the run to end upstream before counting.
      expect(h.upstreamCalls()).toHaveLength(c.upstreamCalls ?? 0);

      // One log line for the operation, from its own transport, with the codes it answered.
      const lines = h.logs
        .slice(logsBefore)
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'operation');
      expect(lines).toEqual(
        answers.map((a) =>
          expect.objectContaining({
            transport: transport.name,
            ...(errors.length > 0 ? { errorCodes: errors.map((e) => e.extensions!.code) } : {}),
            ...(a.errors?.length ? { requestId: expect.any(String) } : {}),
          }),
        ),
      );
      if (errors.length > 0) {
        const requestIds = answers.map((a) => a.errors![0]!.extensions!.requestId as string);
        expect(new Set(requestIds).size).toBe(answers.length);
        expect(lines.map((l) => l.requestId).sort()).toEqual([...requestIds].sort());
      }
    });
  });
});

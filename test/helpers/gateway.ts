/**
 * Test harness: the real gateway and the real emulator, both over HTTP on port 0.
 *
 *   const h = await startHarness();
 *   const { body } = await h.gql('{ packages { name } }');
 *   h.upstreamCalls()  // requests the emulator received since the last reset
 *   await h.close();
 */
import { Writable } from 'node:stream';
import { request } from 'undici';
import { hideField, loadConfig, type GatewayConfig } from '../../src/config';
import {
  startCloudFunctionsEmulator,
  type CloudFunctionsEmulator,
  type CloudFunctionsEmulatorOptions,
} from '../../src/emulators/cloudfunctions';
import { startComputeEmulator, type ComputeEmulator, type ComputeEmulatorOptions } from '../../src/emulators/compute';
import { createLogger } from '../../src/logger';
import { startGateway } from '../../src/gateway';
import type { GatewayMetrics } from '../../src/observability/metrics';
import type { GatewayServer } from '../../src/server';
import type { UpstreamTargets, Upstreams } from '../../src/upstream';

export const TEST_CREDENTIALS = { accessKey: 'test-access-key', secretKey: 'test-secret-key-0123456789' };
export const TEST_OS_USER = { name: 'demo', password: 'test-os-password-0123', project: 'demo' };

export interface HarnessOptions {
  env?: Record<string, string>;
  emulator?: Partial<CloudFunctionsEmulatorOptions>;
  compute?: Partial<ComputeEmulatorOptions>;
  /** The OpenStack password the gateway uses (default: the one the emulator accepts). */
  osPassword?: string;
  /** One clock for the gateway's token cache and the compute emulator. */
  now?: () => number;
  /**
   * Puts something between the gateway and the Cloud Functions emulator (a fault-injecting proxy):
   * called with the emulator's origin, it returns the origin the gateway should use instead.
   */
  proxy?: (emulatorOrigin: string) => Promise<{ url: string; close(): Promise<void> }>;
  /** The gateway's log level (default debug, so tests can inspect what is logged). */
  logLevel?: string;
  /** Path generation the gateway speaks to the emulator. */
  basePath?: '/ncf/api/v2' | '/api/v2';
  /** Credentials the gateway signs with (default: the ones the emulator accepts). */
  gatewayCredentials?: { accessKey: string; secretKey: string };
}

export interface GqlResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: {
    data?: T;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
}

export interface Harness {
  url: string;
  emulator: CloudFunctionsEmulator;
  compute: ComputeEmulator;
  config: GatewayConfig;
  server: GatewayServer;
  upstreams: Upstreams;
  metrics: GatewayMetrics;
  /** Every log line the gateway wrote, as text. */
  logs: string[];
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
  /** Cloud Functions requests received by the emulator since the last reset, as `METHOD path?query`. */
  upstreamCalls(): string[];
  /** Keystone and Nova requests received since the last reset, as `METHOD path?query`. */
  computeCalls(): string[];
  resetCalls(): void;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = await startCloudFunctionsEmulator({ credentials: [TEST_CREDENTIALS], ...options.emulator });
  const compute = await startComputeEmulator({
    users: [TEST_OS_USER],
    ...(options.now ? { now: options.now } : {}),
    ...options.compute,
  });
  // Tests run many operations from one client: rate limits off unless a test sets them.
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    GATEWAY_RATE_LIMIT: 'off',
    GATEWAY_INVOKE_RATE_LIMIT: 'off',
    ...options.env,
  });
  const creds = options.gatewayCredentials ?? TEST_CREDENTIALS;
  const proxy = options.proxy ? await options.proxy(emulator.url) : undefined;
  const generation = options.basePath === '/api/v2' ? 'v2.0' : 'v2.1';
  const targets: Partial<UpstreamTargets> = {
    cloudFunctions: {
      origin: proxy?.url ?? emulator.url,
      basePath: options.basePath ?? '/ncf/api/v2',
      generation,
      credentials: hideField({ ...creds }, 'secretKey'),
    },
  };
  // OS_AUTH_URL in the test's env points the gateway elsewhere (to a Keystone of the test's own).
  if (config.compute.target.kind === 'embedded') {
    targets.compute = {
      identity: {
        authUrl: compute.authUrl,
        credentials: hideField(
          {
            method: 'password' as const,
            username: TEST_OS_USER.name,
            userDomainName: 'Default',
            password: options.osPassword ?? TEST_OS_USER.password,
          },
          'password',
        ),
        scope: { projectName: TEST_OS_USER.project, projectDomainName: 'Default' },
      },
      region: config.compute.region ?? 'RegionOne',
    };
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(options.logLevel ?? 'debug', sink);
  const gateway = await startGateway(config, { logger, targets, ...(options.now ? { now: options.now } : {}) });
  const { server, upstreams, metrics } = gateway;
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}/graphql`;

  return {
    url,
    emulator,
    compute,
    config,
    server,
    upstreams,
    metrics,
    logs,
    async gql(query, variables, headers = {}) {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: JSON.parse(text) };
    },
    upstreamCalls() {
      return emulator.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
    },
    computeCalls() {
      return compute.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
    },
    resetCalls() {
      emulator.resetRequests();
      compute.resetRequests();
    },
    async close() {
      await gateway.close();
      await proxy?.close();
      await emulator.close();
      await compute.close();
    },
  };
}

/**
 * One harness for a whole describe block: started before its first test, closed after its last,
 * with the upstream call records cleared before each test (unless `resetCalls` is false). The
 * returned object stands for the harness once it has started:
 *
 *   const h = useHarness({ env: { GATEWAY_AUTH: 'apikey', … } });
 *   it('…', async () => { await h.gql('{ packages { name } }'); });
 */
export function useHarness(options: HarnessOptions | (() => HarnessOptions) = {}, { resetCalls = true } = {}): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await startHarness(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await current?.close();
  });
  if (resetCalls) beforeEach(() => current?.resetCalls());
  return new Proxy({} as Harness, {
    get(_target, property) {
      if (!current) throw new Error('the harness is used before it started (outside a test or hook)');
      const value = (current as unknown as Record<string | symbol, unknown>)[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

/** Runs `test` against a harness of its own, closed afterwards whatever happens. */
export async function withHarness<T>(options: HarnessOptions, test: (h: Harness) => Promise<T>): Promise<T> {
  const h = await startHarness(options);
  try {
    return await test(h);
  } finally {
    await h.close();
  }
}

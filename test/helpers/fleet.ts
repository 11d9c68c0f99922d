/**
 * fleet: several real gateway processes (src/main.ts, as deployed) over ONE Cloud Functions emulator
 * (in the test's process, so the test counts every upstream request and run) and one real Redis
 * (./redis), for the tests of what replicas share (test/fleet).
 *
 *   const fleet = await startFleet({ replicas: 3, env: { GATEWAY_RATE_LIMIT: '10/min' } });
 *   await fleet.replicas[0].gql('{ packages { name } }');
 *   fleet.emulator.requests …; await fleet.replicas[1].stop(); await fleet.close();
 *
 * Each replica starts its own embedded compute emulator (no OS_AUTH_URL), which the fleet tests do not use.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startCloudFunctionsEmulator, type CloudFunctionsEmulator } from '../../src/emulators/cloudfunctions';
import type { CloudFunctionsEmulatorOptions } from '../../src/emulators/cloudfunctions';
import type { GqlResponse } from './gateway';
import { startGatewayProcess, type GatewayProcess } from './process';
import { startRedis, type TestRedis } from './redis';

export interface Replica {
  index: number;
  origin: string;
  process: GatewayProcess;
  /** POST /graphql with a JSON body (`query` or any GraphQL-over-HTTP request body). */
  post<T = any>(body: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
  /** Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** SIGKILL (a replica that dies, not one that drains); resolves when it has exited. */
  kill(): Promise<void>;
}

export interface Fleet {
  redis: TestRedis;
  /** GATEWAY_REDIS_PREFIX of every replica (random per fleet): the test's own looks into Redis. */
  prefix: string;
  emulator: CloudFunctionsEmulator;
  replicas: Replica[];
  /**
   * A Redis connection of the test's own, to look at what the replicas keep: a new one once Redis
   * was stopped and started again; closed by close().
   */
  inspect(): Promise<Redis>;
  /** The emulator's requests since the last reset, as `METHOD path?query`. */
  upstreamCalls(): string[];
  resetCalls(): void;
  close(): Promise<void>;
}

export interface FleetOptions {
  replicas?: number;
  /** Environment of every replica (GATEWAY_REDIS_URL is set to the test's Redis unless given). */
  env?: Record<string, string>;
  /** Environment of one replica, by index, on top of `env`. */
  envOf?: (index: number) => Record<string, string>;
  emulator?: Partial<CloudFunctionsEmulatorOptions>;
  /** A Redis already started (the test stops it); default: one of the fleet's own. */
  redis?: TestRedis;
}

const CREDENTIALS = { accessKey: 'fleet-access-key', secretKey: 'fleet-secret-key-0123456789' };

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const ownRedis = options.redis === undefined;
  const redis = options.redis ?? (await startRedis());
  const emulator = await startCloudFunctionsEmulator({ credentials: [CREDENTIALS], ...options.emulator });
  const prefix = `ncfgw-test-${randomBytes(4).toString('hex')}:`;
  const started: GatewayProcess[] = [];
  try {
    const count = options.replicas ?? 3;
    const processes = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        startGatewayProcess({
          NCP_ACCESS_KEY: CREDENTIALS.accessKey,
          NCP_SECRET_KEY: CREDENTIALS.secretKey,
          NCP_API_URL: `${emulator.url}/ncf/api/v2`,
          GATEWAY_REDIS_URL: redis.url,
          GATEWAY_REDIS_PREFIX: prefix,
          LOG_LEVEL: 'info',
          // One test client is one principal: the limits are off unless a test sets them (test/fleet/limits).
          GATEWAY_RATE_LIMIT: 'off',
          GATEWAY_INVOKE_RATE_LIMIT: 'off',
          ...options.env,
          ...options.envOf?.(index),
        }).then((p) => {
          started.push(p);
          return p;
        }),
      ),
    );
    const replicas = processes.map((p, index) => replica(index, p));
    let inspector: Redis | undefined;
    return {
      redis,
      prefix,
      emulator,
      replicas,
      upstreamCalls: () => emulator.requests.map((r) => `${r.method} ${r.path}`),
      resetCalls: () => emulator.resetRequests(),
      async inspect() {
        // A new connection once the last one is gone (a test that stopped Redis and started it again).
        if (inspector?.status !== 'ready') {
          inspector?.disconnect();
          inspector = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
          await inspector.connect();
        }
        return inspector;
      },
      async close() {
        inspector?.disconnect();
        await Promise.all(replicas.map((r) => r.kill()));
        await emulator.close();
        if (ownRedis) await redis.stop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((p) => exited(p, 'SIGKILL')));
    await emulator.close();
    if (ownRedis) await redis.stop();
    throw error;
  }
}

function replica(index: number, process: GatewayProcess): Replica {
  const post = async <T>(body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${process.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: GqlResponse<T>['body'];
    try {
      parsed = JSON.parse(text) as GqlResponse<T>['body'];
    } catch {
      throw new Error(`replica ${index}: not JSON (${res.status}): ${text.slice(0, 300)}`);
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
  };
  return {
    index,
    origin: process.origin,
    process,
    post,
    gql: (query, variables, headers) => post({ query, ...(variables ? { variables } : {}) }, headers),
    metrics: async () => (await fetch(`${process.origin}/metrics`)).text(),
    kill: () => exited(process, 'SIGKILL'),
  };
}

function exited(p: GatewayProcess, signal: NodeJS.Signals): Promise<void> {
  const child = p.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

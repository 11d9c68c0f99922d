/**
 * redis: a real redis-server (Debian's package, `bash scripts/install-redis.sh`) for the fleet tests,
 * on a free loopback port, persistence off, stopped by the test. It can be stopped and started again
 * on the same port (Redis failing under load, then coming back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const REDIS_SERVER_PATH = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

/** Why the fleet tests cannot run here, or undefined when they can. */
export function redisMissing(): string | undefined {
  return existsSync(REDIS_SERVER_PATH)
    ? undefined
    : `no redis-server at ${REDIS_SERVER_PATH} (bash scripts/install-redis.sh, or set REDIS_SERVER_PATH)`;
}

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGKILL: a crash, not a clean shutdown). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER_PATH,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a redis-server; stop it with `stop()` (in afterAll). */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const running = child;
      child = undefined;
      if (!running) return;
      running.kill('SIGKILL');
      await ended(running);
    },
    async start() {
      if (child) return;
      child = await launch(port);
    },
  };
}

export interface RedisForFile {
  /** The file's Redis (started in beforeAll). */
  readonly redis: TestRedis;
  /** Closed (last first) after each test: engines, stores, proxies. */
  readonly opened: Array<{ close(): unknown }>;
  /** A key prefix no other test of the file uses. */
  prefix(name: string): string;
}

/** One Redis for a test file (beforeAll / afterAll), and what each test opened closed after it. */
export function useRedisForFile(): RedisForFile {
  let redis: TestRedis | undefined;
  let count = 0;
  const opened: Array<{ close(): unknown }> = [];
  beforeAll(async () => {
    const missing = redisMissing();
    if (missing) throw new Error(missing);
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const thing of opened.splice(0).reverse()) await thing.close();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    get redis() {
      if (!redis) throw new Error('the Redis of this file is not started (use it inside a test)');
      return redis;
    },
    opened,
    prefix(name) {
      count += 1;
      return `${name}-${count}-${Date.now()}:`;
    },
  };
}

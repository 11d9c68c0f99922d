/**
 * engine: the one connection of a replica to the fleet's shared Redis (or Valkey), for everything
 * the replicas share (APQ, the upstream read cache, the response cache, pollers' leases and their
 * results, rate limits, the invoke cap). Configured by GATEWAY_REDIS_URL; without it there is no
 * engine and every part keeps its state in memory.
 *
 * Redis down or slow must not take the gateway down:
 * - every command has a deadline (GATEWAY_REDIS_TIMEOUT_MS) and nothing queues while disconnected;
 * - the first failure marks the engine down: {@link FleetEngine.attempt} then answers undefined at
 *   once (callers bypass the shared state: caches miss, limits and the cap count in memory, pollers
 *   poll locally) instead of each request paying the timeout;
 * - while down, a health check pings every second; when Redis answers again the engine is up again
 *   by itself. Each transition is one log line (warn, then info) and the `gateway_redis_up` gauge.
 *
 * Two connections: commands, and a subscriber for pub/sub (a subscribed connection can run nothing
 * else). Channels are re-subscribed after a reconnect.
 */
import { randomBytes } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import type { Logger } from 'pino';

export interface FleetEngineOptions {
  url: string;
  prefix: string;
  timeoutMs: number;
  logger: Logger;
  /** Told every change of state (the gauge). */
  onState?: (up: boolean) => void;
  /** Health-check interval while down. */
  healthCheckMs?: number;
}

type Handler = (message: string) => void;

const RECONNECT_MAX_MS = 1_000;

export class FleetEngine {
  /** Prefix of every key and channel (GATEWAY_REDIS_PREFIX). */
  readonly prefix: string;
  /** This replica, in leases and messages: random per process. */
  readonly replicaId = randomBytes(8).toString('hex');
  /** The command connection (for libraries that take a client, such as rate-limiter-flexible). */
  readonly redis: Redis;
  readonly #subscriber: Redis;
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #opts: FleetEngineOptions;
  readonly #where: string;
  #up = false;
  #everUp = false;
  /** Told the log about this period down (the first one included: Redis unreachable at start). */
  #warned = false;
  #health: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #listeners = new Set<(up: boolean) => void>();

  constructor(options: FleetEngineOptions) {
    this.#opts = options;
    this.prefix = options.prefix;
    this.#where = describe(options.url);
    const common = {
      connectTimeout: Math.max(1_000, options.timeoutMs * 4),
      retryStrategy: (times: number) => Math.min(times * 100, RECONNECT_MAX_MS),
      // Reconnect also after READONLY (a replica promoted away under us).
      reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
    };
    this.redis = new Redis(options.url, {
      ...common,
      commandTimeout: options.timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    this.#subscriber = new Redis(options.url, { ...common, maxRetriesPerRequest: null, autoResubscribe: true });
    this.redis.on('ready', () => this.#markUp());
    this.redis.on('error', (error: Error) => this.#markDown(error.message));
    this.redis.on('close', () => this.#markDown('connection closed'));
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.#handlers.get(channel) ?? []) {
        try {
          handler(message);
        } catch (error) {
          options.logger.warn({ channel, error: (error as Error).message }, 'A fleet message handler failed');
        }
      }
    });
  }

  /** Whether shared state is in use now. */
  get up(): boolean {
    return this.#up;
  }

  /** A key (or channel) of this fleet: the prefix, then the parts joined by `:`. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Told each change of state (up: shared state in use again). Returns an unsubscribe function. */
  onState(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `op` against Redis when the engine is up; undefined when it is down or `op` fails (the
   * failure marks the engine down). Callers then go on without shared state.
   */
  async attempt<T>(op: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.#up) return undefined;
    try {
      return await op(this.redis);
    } catch (error) {
      // Redis answered with an error (a script's, a wrong type): that command failed, the engine is fine.
      if (error instanceof ReplyError) {
        this.#opts.logger.warn({ redis: this.#where, error: (error as Error).message }, 'A Redis command failed');
      } else {
        this.#markDown((error as Error).message);
      }
      return undefined;
    }
  }

  /**
   * A command sent outside {@link attempt} failed: a library that handles its own failures (the rate
   * limits' rate-limiter-flexible, which then counts in its in-memory insurance limiter) says so,
   * and the engine goes down as when an attempt fails.
   */
  reportFailure(reason: string): void {
    this.#markDown(reason);
  }

  /** Sends `message` to every replica's handlers of `channel` (this one's too), best effort. */
  async publish(channel: string, message: string): Promise<boolean> {
    return (await this.attempt((redis) => redis.publish(channel, message))) !== undefined;
  }

  /** Calls `handler` with every message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: Handler): () => void {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      this.#subscriber.subscribe(channel).catch(() => undefined);
    }
    handlers.add(handler);
    return () => {
      const current = this.#handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.#handlers.delete(channel);
      if (!this.#closed) this.#subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Waits up to `ms` for the first connection (start-up: the gateway serves either way). */
  async ready(ms: number): Promise<boolean> {
    if (this.#up) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, ms);
      const off = this.onState((up) => {
        if (!up) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#health);
    this.#health = undefined;
    this.#handlers.clear();
    this.redis.disconnect();
    this.#subscriber.disconnect();
  }

  #markUp(): void {
    if (this.#up || this.#closed) return;
    clearInterval(this.#health);
    this.#health = undefined;
    this.#up = true;
    this.#warned = false;
    const again = this.#everUp;
    this.#everUp = true;
    this.#opts.logger.info(
      { redis: this.#where },
      again ? 'Redis answers again: shared state is back in use' : 'Using Redis for shared state',
    );
    this.#notify(true);
  }

  #markDown(reason: string): void {
    if (this.#closed) return;
    if (this.#up || !this.#warned) {
      this.#up = false;
      this.#warned = true;
      this.#opts.logger.warn(
        { redis: this.#where, reason },
        'Redis is unavailable: caches and APQ are bypassed, rate limits and the invoke cap count in this ' +
          'replica only, subscriptions poll locally, until it answers again',
      );
      this.#notify(false);
    }
    this.#health ??= setInterval(() => void this.#check(), this.#opts.healthCheckMs ?? 1_000);
    this.#health.unref();
  }

  async #check(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.ping();
      this.#markUp();
    } catch {
      // Still down: the next tick tries again.
    }
  }

  #notify(up: boolean): void {
    this.#opts.onState?.(up);
    for (const listener of [...this.#listeners]) listener(up);
  }
}

/** Where Redis is, for logs: host, port and database, never a password. */
export function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis';
  }
}

/**
 * rate-limits: how many operations, and how many invokeAction calls, each client may make
 * (GATEWAY_RATE_LIMIT, GATEWAY_INVOKE_RATE_LIMIT), so that one abusive key cannot spend the whole
 * account's NCP quota. Counted by the pipeline before anything of the operation runs
 * (src/pipeline/admission), the same for HTTP and WebSocket.
 *
 * Who counts: an API key (its id), a JWT subject, or the remote address of an anonymous client,
 * each under a hash (./principal-key). Which rate applies:
 *   - an API key's own `rateLimit` / `invokeRateLimit` in the keys file (src/auth/apikeys);
 *   - a JWT client matched by GATEWAY_JWT_RATE_LIMITS / GATEWAY_JWT_INVOKE_RATE_LIMITS (a scope it
 *     has, or a claim with a value; in an array claim, one of its elements): when several match,
 *     the most generous wins (`off`, then the highest rate per second, then the larger burst);
 *   - otherwise the variable's rate. `off` (null) counts nothing.
 *
 * A rate is a fixed window per client: `points` operations from the first one, for `windowSeconds`;
 * over it, the refusal's retryAfterSeconds is what is left of the window, rounded up.
 *
 * Where it counts: with Redis (src/fleet/engine) in the fleet's Redis, atomically, by
 * rate-limiter-flexible's RateLimiterRedis (one Lua script: increment and expiry together), so N per
 * minute holds exactly across replicas; keys are `<prefix>rl:<limit>:<points>-<seconds>:<hash>`.
 * Without Redis, or while it is down, in this process's memory (RateLimiterMemory), so with Redis
 * down each replica allows the full rate on its own. The memory limiter is also RateLimiterRedis's
 * insuranceLimiter: a command that fails while the engine still counted Redis as up is answered from
 * memory at once (never an error for the client), and the engine is told, so that the next
 * operations skip Redis until it answers again.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal';
import { formatRate, type FleetConfig, type JwtRateOverride, type Rate } from '../config/fleet';
import { refusals, type GatewayError } from '../errors';
import type { FleetEngine } from './engine';
import type { PrincipalClass } from './principal-key';

/** The two limits: operations, and invokeAction fields. */
export type LimitName = 'operations' | 'invoke';

export type RateLimitsConfig = Pick<
  FleetConfig,
  'rateLimit' | 'invokeRateLimit' | 'jwtRateLimits' | 'jwtInvokeRateLimits'
>;

/** One operation to count. */
export interface RateCheck {
  principal: Principal;
  /** The principal's hashed key (./principal-key). */
  caller: string;
  /** invokeAction fields the operation runs (each alias counts). */
  invokes: number;
}

export interface RateLimitsOptions {
  config: RateLimitsConfig;
  engine?: FleetEngine | undefined;
  /** Told each refusal, by principal class and limit (the metric; never the identity). */
  onLimited?: (principalClass: PrincipalClass, limit: LimitName) => void;
}

/** Whether a JWT principal has the override's scope, or its claim with the value. */
export function matchesSelector(selector: JwtRateOverride['selector'], principal: Principal): boolean {
  if ('scope' in selector) return principal.scopes.has(selector.scope);
  const value = principal.claims?.[selector.claim];
  return Array.isArray(value) ? value.some((v) => claimIs(v, selector.value)) : claimIs(value, selector.value);
}

function claimIs(value: unknown, expected: string): boolean {
  return (
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && String(value) === expected
  );
}

/**
 * The most generous of several rates: `off` (null) over any rate, then the highest rate per second,
 * then (same rate) the larger burst. Undefined for none.
 */
export function mostGenerous(rates: ReadonlyArray<Rate | null>): Rate | null | undefined {
  let best: Rate | null | undefined;
  for (const rate of rates) {
    if (rate === null) return null;
    if (best === undefined || best === null) {
      best = rate;
      continue;
    }
    const perSecond = rate.points / rate.windowSeconds;
    const bestPerSecond = best.points / best.windowSeconds;
    if (perSecond > bestPerSecond || (perSecond === bestPerSecond && rate.points > best.points)) best = rate;
  }
  return best;
}

/** The rate of `limit` for this principal (null: off); see the header for the order. */
export function rateFor(limit: LimitName, principal: Principal, config: RateLimitsConfig): Rate | null {
  const own = principal.rateLimits?.[limit];
  if (own !== undefined) return own;
  if (principal.kind === 'jwt') {
    const overrides = limit === 'operations' ? config.jwtRateLimits : config.jwtInvokeRateLimits;
    const matching = overrides.filter((o) => matchesSelector(o.selector, principal)).map((o) => o.rate);
    const chosen = mostGenerous(matching);
    if (chosen !== undefined) return chosen;
  }
  return limit === 'operations' ? config.rateLimit : config.invokeRateLimit;
}

/** Whether any operation can be limited at all (nothing is counted otherwise). */
export function anyLimit(config: RateLimitsConfig): boolean {
  return (
    config.rateLimit !== null ||
    config.invokeRateLimit !== null ||
    config.jwtRateLimits.some((o) => o.rate !== null) ||
    config.jwtInvokeRateLimits.some((o) => o.rate !== null)
  );
}

/** What one count found. */
interface Count {
  allowed: boolean;
  msBeforeNext: number;
}

/**
 * The count in this process's memory. RateLimiterRedis calls {@link consume} as its insurance when a
 * Redis command fails (then `onInsure` tells the engine); the gateway itself counts here with
 * {@link consumeHere} while Redis is not in use.
 */
class MemoryLimiter extends RateLimiterMemory {
  readonly #onInsure: () => void;

  constructor(options: IRateLimiterOptions, onInsure: () => void) {
    super(options);
    this.#onInsure = onInsure;
  }

  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }) {
    this.#onInsure();
    return super.consume(key, points, options);
  }

  consumeHere(key: string, points: number) {
    return super.consume(key, points);
  }
}

interface Limiter {
  rate: Rate;
  memory: MemoryLimiter;
  redis: RateLimiterRedis | undefined;
}

/** A consume's outcome: RateLimiterRes either way (rejected with one when over the limit). */
async function counted(consume: Promise<RateLimiterRes>): Promise<Count> {
  try {
    const res = await consume;
    return { allowed: true, msBeforeNext: res.msBeforeNext };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, msBeforeNext: error.msBeforeNext };
    throw error;
  }
}

export class RateLimits {
  readonly #opts: RateLimitsOptions;
  readonly #engine: FleetEngine | undefined;
  /** One limiter per limit and rate (overrides add a few). */
  readonly #limiters = new Map<string, Limiter>();
  readonly active: boolean;

  constructor(options: RateLimitsOptions) {
    this.#opts = options;
    this.#engine = options.engine;
    this.active = anyLimit(options.config);
  }

  /**
   * Counts one operation against its principal's limits: first the operation, then its invokes
   * (each invokeAction field one). The refusal (RATE_LIMITED, HTTP 429 with Retry-After) of the
   * first limit it is over, or undefined. An operation refused by the operation limit is not
   * counted against the invoke limit.
   */
  async check(check: RateCheck): Promise<GatewayError | undefined> {
    if (!this.active && check.principal.rateLimits === undefined) return undefined;
    const config = this.#opts.config;
    const operations = rateFor('operations', check.principal, config);
    if (operations) {
      const count = await this.#consume('operations', operations, check.caller, 1);
      if (!count.allowed) return this.#refuse('operations', operations, count, check.principal);
    }
    if (check.invokes > 0) {
      const invoke = rateFor('invoke', check.principal, config);
      if (invoke) {
        const count = await this.#consume('invoke', invoke, check.caller, check.invokes);
        if (!count.allowed) return this.#refuse('invoke', invoke, count, check.principal);
      }
    }
    return undefined;
  }

  async #consume(limit: LimitName, rate: Rate, caller: string, points: number): Promise<Count> {
    const limiter = this.#limiter(limit, rate);
    const engine = this.#engine;
    if (engine?.up && limiter.redis) {
      const redis = limiter.redis;
      const shared = await engine.attempt(() => counted(redis.consume(caller, points)));
      if (shared) return shared;
    }
    return counted(limiter.memory.consumeHere(caller, points));
  }

  #limiter(limit: LimitName, rate: Rate): Limiter {
    const id = `${limit}:${rate.points}-${rate.windowSeconds}`;
    let limiter = this.#limiters.get(id);
    if (limiter) return limiter;
    const engine = this.#engine;
    const options = { points: rate.points, duration: rate.windowSeconds };
    const memory = new MemoryLimiter({ ...options, keyPrefix: `rl:${id}` }, () =>
      engine?.reportFailure('a rate limit could not be counted in Redis'),
    );
    const redis = engine
      ? new RateLimiterRedis({
          ...options,
          storeClient: engine.redis,
          keyPrefix: engine.key('rl', limit, `${rate.points}-${rate.windowSeconds}`),
          insuranceLimiter: memory,
        })
      : undefined;
    limiter = { rate, memory, redis };
    this.#limiters.set(id, limiter);
    return limiter;
  }

  #refuse(limit: LimitName, rate: Rate, count: Count, principal: Principal): GatewayError {
    this.#opts.onLimited?.(principal.kind, limit);
    const retryAfterSeconds = Math.max(1, Math.ceil(count.msBeforeNext / 1000));
    return limit === 'operations'
      ? refusals.tooManyOperationsForClient(formatRate(rate), retryAfterSeconds)
      : refusals.tooManyInvokesForClient(formatRate(rate), retryAfterSeconds);
  }
}

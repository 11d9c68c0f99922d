/**
 * resilience: how one upstream call survives a flaky upstream, and how a failing upstream is
 * kept from taking the gateway down with it. One {@link UpstreamGuard} per upstream service.
 *
 * Retries (our own loop: it must re-sign each attempt and respect the operation's deadline):
 *   - only idempotent reads, on connection errors and on 429, 502, 503 and 504 (and answers an
 *     upstream documents as transient);
 *   - a call that is not idempotent (invoke) is retried only when the request provably never left:
 *     the connection was refused or could not be opened in time. Once it may have reached the
 *     upstream, a retry could run the action twice;
 *   - capped exponential backoff with full jitter (a random wait between 0 and base * 2^(n-1),
 *     at most the cap), or the upstream's Retry-After when it asks for longer; a wait beyond the cap
 *     or past the operation's deadline means no retry: the last answer stands;
 *   - every attempt calls `attempt()` again, so it is signed anew (fresh timestamp, fresh token).
 *
 * Circuit breaker (cockatiel): after GATEWAY_BREAKER_FAILURES consecutive failures of an upstream
 * (connection errors, timeouts, 5xx of requests that went out; never 4xx, which say the request was
 * wrong, not the upstream, nor anything that failed before sending),
 * calls fail at once with UPSTREAM_UNAVAILABLE for GATEWAY_BREAKER_COOLDOWN_MS, then one trial call
 * decides whether it closes again. A call aborted by the gateway itself (deadline, client gone) is
 * not the upstream's failure and is not counted.
 *
 * Traced (src/telemetry/upstream), every attempt is a client span whose id its request carries
 * (`attempt(traceparent)`), with the retry that follows it and any breaker change as events.
 */
import type { Span } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { ResilienceConfig } from '../config';
import { isGatewayError, upstreamFailure, type UpstreamErrorInfo } from '../errors';
import { traceparentOf } from '../telemetry';
import type { TracedCall, UpstreamSpans } from '../telemetry/upstream';
import { systemClock, type Clock } from '../time';
import { isUpstreamFailure, parseRetryAfter, transportErrorName, type Exchange } from './http';

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
/** Failures below HTTP after which the request may be sent again. */
const CONNECTION_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
/** Failures that prove the request never reached the upstream. */
const NOT_SENT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface GuardedCall extends TracedCall {
  /** GET-like: safe to send again. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Epoch ms after which no attempt starts and no wait ends. */
  deadline?: number;
  /** Answers the upstream documents as transient, beyond 429/502/503/504. */
  isTransient?: (res: Exchange) => boolean;
  /**
   * Whether an answer is the upstream failing (counts toward the breaker). Default: any 5xx. An
   * invoke's 502 that carries the run's record is the action failing, not the upstream.
   */
  isFailure?: (res: Exchange) => boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface GuardOptions {
  events?: GuardEvents;
  /** The jitter's random source (tests); default Math.random. */
  random?: () => number;
  /** Where retries wait (tests); default the system clock. The breaker's cooldown uses Date.now. */
  clock?: Clock;
  /** Spans of the attempts; absent when tracing is off. */
  spans?: UpstreamSpans;
}

export interface GuardEvents {
  onRetry?(service: UpstreamErrorInfo['service'], reason: string): void;
  onBreakerState?(service: UpstreamErrorInfo['service'], state: BreakerState): void;
}

/** Marks a failure the gateway caused itself (its deadline, a client that left): not the upstream's. */
class CallerAborted extends Error {
  constructor(readonly original: unknown) {
    super('aborted by the gateway');
  }
}

function causeName(error: unknown): string | undefined {
  if (!isGatewayError(error)) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : transportErrorName(cause);
}

export class UpstreamGuard {
  readonly service: UpstreamErrorInfo['service'];
  readonly #config: ResilienceConfig;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #events: GuardEvents;
  readonly #spans: UpstreamSpans | undefined;
  /** Answers judged failures by their call's rule, for the breaker's result filter. */
  readonly #failed = new WeakSet<Exchange>();

  constructor(service: UpstreamErrorInfo['service'], config: ResilienceConfig, options: GuardOptions = {}) {
    const { events = {}, random = Math.random, clock = systemClock } = options;
    this.#spans = options.spans;
    this.#clock = clock;
    this.service = service;
    this.#config = config;
    this.#random = random;
    this.#events = events;
    this.#breaker = circuitBreaker(
      // Only the outcomes of requests that went out count: never a failure before sending (a body
      // that cannot be written, a bad argument) nor a caller that gave up (deadline, client gone).
      handleWhen((error) => isUpstreamFailure(error)).orWhenResult((res) => this.#failed.has(res as Exchange)),
      { halfOpenAfter: config.breakerCooldownMs, breaker: new ConsecutiveBreaker(config.breakerFailures) },
    );
    this.#breaker.onStateChange((state) => this.#events.onBreakerState?.(service, stateName(state)));
  }

  get state(): BreakerState {
    return stateName(this.#breaker.state);
  }

  /**
   * Runs `attempt` until it succeeds, may not be retried, or runs out of attempts. Traced, it is
   * given the `traceparent` of its attempt's span.
   */
  async run(attempt: (traceparent?: string) => Promise<Exchange>, call: GuardedCall): Promise<Exchange> {
    const spans = this.#spans;
    const parent = spans?.parentOf(call);
    for (let n = 1; ; n++) {
      let res: Exchange | undefined;
      let error: unknown;
      let span: Span | undefined;
      const stateBefore = this.#breaker.state;
      try {
        res = await this.#breaker.execute(async () => {
          if (spans) span = spans.startAttempt(parent!, this.service, call, n);
          try {
            const answer = await attempt(span && traceparentOf(span));
            if (call.isFailure ? call.isFailure(answer) : answer.status >= 500) this.#failed.add(answer);
            return answer;
          } catch (e) {
            throw call.signal?.aborted ? new CallerAborted(e) : e;
          }
        });
      } catch (e) {
        if (e instanceof BrokenCircuitError) {
          spans?.breakerRefused(parent!, this.service);
          throw upstreamFailure('breakerOpen', this.service, { cause: e });
        }
        error = e instanceof CallerAborted ? e.original : e;
      }

      const reason = this.#retryReason(res, error, call);
      const wait = reason === undefined ? undefined : this.#waitBefore(n + 1, res, call);
      if (span)
        this.#endAttempt(
          span,
          res,
          error,
          stateBefore,
          reason !== undefined && wait !== undefined ? { reason, delayMs: wait } : undefined,
        );
      if (reason === undefined || wait === undefined) {
        if (res) return res;
        throw error;
      }
      this.#events.onRetry?.(this.service, reason);
      if (!(await this.#clock.sleep(wait, call.signal))) throw upstreamFailure('timeout', this.service);
    }
  }

  #endAttempt(
    span: Span,
    res: Exchange | undefined,
    error: unknown,
    stateBefore: CircuitState,
    retry?: { reason: string; delayMs: number },
  ): void {
    const state = this.#breaker.state;
    this.#spans!.endAttempt(span, {
      ...(res
        ? { status: res.status }
        : { failure: causeName(error) ?? (isGatewayError(error) ? error.code : 'Error') }),
      ...(state !== stateBefore ? { breaker: stateName(state) } : {}),
      ...(retry ? { retry } : {}),
    });
  }

  /** Why this outcome may be retried, or undefined. */
  #retryReason(res: Exchange | undefined, error: unknown, call: GuardedCall): string | undefined {
    if (call.signal?.aborted) return undefined;
    if (res) {
      if (!call.idempotent) return undefined;
      if (RETRY_STATUSES.has(res.status) || call.isTransient?.(res)) return String(res.status);
      return undefined;
    }
    const name = causeName(error);
    if (!name) return undefined;
    if (call.idempotent ? CONNECTION_ERRORS.has(name) : NOT_SENT_ERRORS.has(name)) return name;
    return undefined;
  }

  /** Milliseconds to wait before attempt `next`, or undefined when no further attempt may be made. */
  #waitBefore(next: number, res: Exchange | undefined, call: GuardedCall): number | undefined {
    const { retryAttempts, retryBaseDelayMs, retryMaxDelayMs } = this.#config;
    if (next > retryAttempts) return undefined;
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** (next - 2));
    let wait = this.#random() * ceiling;
    const retryAfter = res ? parseRetryAfter(res.headers['retry-after']) : undefined;
    if (retryAfter !== undefined) {
      // Asked to come back later than we are willing to wait: don't come back early.
      if (retryAfter * 1000 > retryMaxDelayMs) return undefined;
      wait = Math.max(wait, retryAfter * 1000);
    }
    if (call.deadline !== undefined && this.#clock.now() + wait >= call.deadline) return undefined;
    return wait;
  }
}

function stateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'closed';
  }
}

/**
 * activation-watcher: waits for a run to finish, for `Subscription.activationCompleted`.
 *
 * One poller per activation (platform, package, action, id), however many subscribers: it reads the
 * activation record with backoff (from POLL_INITIAL_MS, growing by POLL_FACTOR up to the configured
 * interval cap) until the upstream has it, then every subscriber gets it. It stops when the last
 * subscriber leaves, and gives up after the configured maximum wait with a clear error.
 *
 * While the run is going, the upstream answers 404 (the record does not exist yet); a transient
 * failure (unreachable, timeout, breaker open) is waited out like "not yet"; any other error
 * (forbidden, bad credentials) ends the wait at once.
 *
 * Traced, a poller is a `poll activation` span, child of the span active when its first
 * subscriber asked (the subscription's operation), around the client spans of its reads.
 */
import type { Context } from '@opentelemetry/api';
import { ErrorCode, isGatewayError, refusals } from '../errors';
import { ATTR } from '../telemetry/spans';
import { endInternal, type UpstreamSpans } from '../telemetry/upstream';
import { systemClock, type Clock } from '../time';
import type { CloudFunctionsClient } from '../upstream/cloudfunctions/client';
import type { ActivationKey, ActivationRecord } from '../upstream/cloudfunctions/types';
import { SharedWork } from '../shared-work';

export const POLL_INITIAL_MS = 250;
export const POLL_FACTOR = 1.5;

export interface WatcherOptions {
  /** Longest time between two reads. */
  maxIntervalMs: number;
  /** Longest time a run is waited for. */
  maxWaitMs: number;
  /** Most runs polled at once (GATEWAY_SUBSCRIPTION_MAX_POLLERS); a subscriber to one more is refused. */
  maxPollers: number;
  /** Traced only: the pollers' spans. */
  spans?: UpstreamSpans;
}

const TRANSIENT = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.RATE_LIMITED]);

export class ActivationWatcher {
  readonly #client: CloudFunctionsClient;
  readonly #opts: WatcherOptions;
  readonly #polls = new SharedWork<ActivationRecord>();
  readonly #clock: Clock;

  constructor(client: CloudFunctionsClient, options: WatcherOptions, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#client = client;
    this.#opts = options;
  }

  /**
   * The finished run. `signal` is this subscriber's: when it aborts the subscriber stops waiting,
   * and the poller stops when no subscriber is left.
   */
  wait(key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const id = JSON.stringify([key.platform, key.package, key.action, key.id]);
    if (!this.#polls.has(id) && this.#polls.size >= this.#opts.maxPollers) {
      return Promise.reject(refusals.tooManyWatchedRuns(this.#opts.maxPollers));
    }
    const spans = this.#opts.spans;
    const poll = spans
      ? (stop: AbortSignal) => this.#tracedPoll(spans, key, stop)
      : (stop: AbortSignal) => this.#poll(key, stop);
    return this.#polls.join(id, poll, signal, refusals.subscriptionEnded).result;
  }

  /** Runs being polled now. */
  get pollers(): number {
    return this.#polls.size;
  }

  /** {@link #poll} in a span: how many reads it took, and how it ended. */
  async #tracedPoll(spans: UpstreamSpans, key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const ctx = spans.startInternal('poll activation', spans.parentOf({}), {
      [ATTR.UPSTREAM_SERVICE]: 'cloudfunctions',
    });
    const reads = { count: 0 };
    try {
      const record = await this.#poll(key, signal, ctx, reads);
      endInternal(ctx, { [ATTR.POLL_READS]: reads.count, [ATTR.OUTCOME]: 'finished' });
      return record;
    } catch (error) {
      const outcome = signal.aborted ? 'ended' : 'failed';
      endInternal(
        ctx,
        { [ATTR.POLL_READS]: reads.count, [ATTR.OUTCOME]: outcome },
        outcome === 'failed' ? failureCode(error) : undefined,
      );
      throw error;
    }
  }

  async #poll(
    key: ActivationKey,
    signal: AbortSignal,
    parent?: Context,
    reads = { count: 0 },
  ): Promise<ActivationRecord> {
    const clock = this.#clock;
    const giveUpAt = clock.now() + this.#opts.maxWaitMs;
    let interval = POLL_INITIAL_MS;
    for (;;) {
      if (signal.aborted) throw refusals.subscriptionEnded();
      try {
        reads.count += 1;
        const record = await this.#client.getActivation(key, {
          signal,
          deadline: giveUpAt,
          ...(parent ? { parent } : {}),
        });
        if (record) return record;
      } catch (error) {
        if (signal.aborted) throw error;
        if (!(isGatewayError(error) && TRANSIENT.has(error.code))) throw error;
      }
      const remaining = giveUpAt - clock.now();
      if (remaining <= 0) throw refusals.runNotFinished(Math.round(this.#opts.maxWaitMs / 1000));
      await clock.sleep(Math.min(interval, remaining), signal);
      interval = Math.min(this.#opts.maxIntervalMs, interval * POLL_FACTOR);
    }
  }
}

function failureCode(error: unknown): string {
  return isGatewayError(error) ? error.code : 'Error';
}

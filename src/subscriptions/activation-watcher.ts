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
 */
import { ErrorCode, isGatewayError, refusals } from '../errors';
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
    return this.#polls.join(id, (stop) => this.#poll(key, stop), signal, refusals.subscriptionEnded).result;
  }

  /** Runs being polled now. */
  get pollers(): number {
    return this.#polls.size;
  }

  async #poll(key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const clock = this.#clock;
    const giveUpAt = clock.now() + this.#opts.maxWaitMs;
    let interval = POLL_INITIAL_MS;
    for (;;) {
      if (signal.aborted) throw refusals.subscriptionEnded();
      try {
        const record = await this.#client.getActivation(key, { signal, deadline: giveUpAt });
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

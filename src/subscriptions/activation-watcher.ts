/**
 * activation-watcher: waits for a run to finish, for `Subscription.activationCompleted`.
 *
 * One poller per activation (platform, package, action, id), however many subscribers: it reads the
 * activation record with backoff (from POLL_INITIAL_MS, growing by POLL_FACTOR up to the configured
 * interval cap) until the upstream has it, then every subscriber gets it. It stops when the last
 * subscriber leaves, and gives up after the configured maximum wait with a clear error.
 *
 * With the fleet's Redis (GATEWAY_REDIS_URL, src/fleet/run-leases), one poller per run for the whole
 * fleet: the replica that takes the run's lease polls (and renews the lease while it does); it keeps
 * and publishes the outcome, and the other replicas' subscribers get it from there. A replica without
 * the lease listens, checks the kept outcome and tries the lease again every half lease, so when the
 * polling replica dies another one with subscribers takes over. Redis down, at the start or during the
 * wait: this replica polls the run itself (as without Redis) and no subscriber fails; new waits use
 * the fleet again once it is back. The maximum wait holds for each replica's subscribers from the
 * first of them; GATEWAY_SUBSCRIPTION_MAX_POLLERS bounds the runs a replica watches, so it can poll
 * all of them if it has to (takeover, Redis down); the pollers gauge counts only the runs it polls.
 *
 * While the run is going, the upstream answers 404 (the record does not exist yet); a transient
 * failure (unreachable, timeout, breaker open) is waited out like "not yet"; any other error
 * (forbidden, bad credentials) ends the wait at once, for every replica's subscribers.
 *
 * Traced, a poller is a `poll activation` span, child of the span active when its first
 * subscriber asked (the subscription's operation), around the client spans of its reads.
 */
import type { Context } from '@opentelemetry/api';
import { ErrorCode, isGatewayError, refusals } from '../errors';
import { errorOf, runErrorOf, type RunLeases, type RunOutcome } from '../fleet/run-leases';
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
  /** Most runs watched at once (GATEWAY_SUBSCRIPTION_MAX_POLLERS); a subscriber to one more is refused. */
  maxPollers: number;
  /** Traced only: the pollers' spans. */
  spans?: UpstreamSpans;
  /** With the fleet's Redis: one poller per run across replicas. */
  leases?: RunLeases;
}

/** What the watcher reads runs with. */
export type ActivationReader = Pick<CloudFunctionsClient, 'getActivation'>;

const TRANSIENT = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.RATE_LIMITED]);

/** The lease was taken by another replica while this one polled: listen again. */
const LOST = Symbol('lost');

export class ActivationWatcher {
  readonly #client: ActivationReader;
  readonly #opts: WatcherOptions;
  readonly #polls = new SharedWork<ActivationRecord>();
  readonly #clock: Clock;
  /** Runs this replica polls itself now. */
  #polling = 0;

  constructor(client: ActivationReader, options: WatcherOptions, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#client = client;
    this.#opts = options;
  }

  /**
   * The finished run. `signal` is this subscriber's: when it aborts the subscriber stops waiting,
   * and the poller stops when no subscriber is left.
   */
  wait(key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const run = JSON.stringify([key.platform, key.package, key.action, key.id]);
    if (!this.#polls.has(run) && this.#polls.size >= this.#opts.maxPollers) {
      return Promise.reject(refusals.tooManyWatchedRuns(this.#opts.maxPollers));
    }
    const start = (stop: AbortSignal) => {
      const giveUpAt = this.#clock.now() + this.#opts.maxWaitMs;
      const leases = this.#opts.leases;
      return leases?.up ? this.#watch(leases, run, key, stop, giveUpAt) : this.#polled(key, stop, giveUpAt);
    };
    return this.#polls.join(run, start, signal, refusals.subscriptionEnded).result;
  }

  /** Runs this replica polls now (with the fleet, not those another replica polls for it). */
  get pollers(): number {
    return this.#polling;
  }

  /**
   * One run across the fleet: the kept outcome if there is one, else the lease (then poll), else
   * listen and try again every half lease; poll locally as soon as Redis cannot be used.
   */
  async #watch(
    leases: RunLeases,
    run: string,
    key: ActivationKey,
    signal: AbortSignal,
    giveUpAt: number,
  ): Promise<ActivationRecord> {
    let heard: RunOutcome | undefined;
    let wake = new AbortController();
    const stopListening = leases.listen(run, (outcome) => {
      heard ??= outcome;
      wake.abort();
    });
    const stopWatchingState = leases.onState((up) => {
      if (!up) wake.abort();
    });
    try {
      for (;;) {
        wake = new AbortController();
        if (signal.aborted) throw refusals.subscriptionEnded();
        if (heard) return settle(heard);
        const kept = leases.up ? await leases.kept(run) : undefined;
        if (kept) return settle(kept);
        if (heard) return settle(heard);
        const mine = kept === undefined ? undefined : await leases.acquire(run);
        // Redis cannot be used: this replica's subscribers are served by its own poller.
        if (mine === undefined) return await this.#polled(key, signal, giveUpAt);
        if (mine) {
          const held = await this.#hold(leases, run, key, signal, giveUpAt);
          if (held !== LOST) return held;
          continue;
        }
        const remaining = giveUpAt - this.#clock.now();
        if (remaining <= 0) throw refusals.runNotFinished(Math.round(this.#opts.maxWaitMs / 1000));
        await this.#clock.sleep(Math.min(leases.leaseMs / 2, remaining), AbortSignal.any([signal, wake.signal]));
      }
    } finally {
      stopListening();
      stopWatchingState();
    }
  }

  /**
   * Polls while holding the lease (renewed every third of it), then keeps and publishes the outcome
   * for the other replicas and lets the lease go. {@link LOST} when another replica took the lease.
   */
  async #hold(
    leases: RunLeases,
    run: string,
    key: ActivationKey,
    signal: AbortSignal,
    giveUpAt: number,
  ): Promise<ActivationRecord | typeof LOST> {
    const lost = new AbortController();
    const polling = AbortSignal.any([signal, lost.signal]);
    const done = new AbortController();
    void this.#keepLease(leases, run, AbortSignal.any([polling, done.signal]), () => lost.abort());
    let outcome: RunOutcome | undefined;
    try {
      const record = await this.#polled(key, polling, giveUpAt);
      outcome = { record };
      return record;
    } catch (error) {
      if (lost.signal.aborted && !signal.aborted) return LOST;
      // This replica's deadline (or its subscribers leaving) is not the run's outcome: others go on.
      if (!polling.aborted && isGatewayError(error) && !TRANSIENT.has(error.code)) {
        outcome = { error: runErrorOf(error) };
      }
      throw error;
    } finally {
      done.abort();
      if (!lost.signal.aborted) {
        const told = outcome ? leases.publish(run, outcome) : Promise.resolve(true);
        void told.then(() => leases.release(run)).catch(() => undefined);
      }
    }
  }

  /** Renews the lease until `stop`; tells `onLost` when it is no longer this replica's. */
  async #keepLease(leases: RunLeases, run: string, stop: AbortSignal, onLost: () => void): Promise<void> {
    const every = Math.max(1, Math.floor(leases.leaseMs / 3));
    while (await this.#clock.sleep(every, stop)) {
      const renewed = await leases.renew(run);
      if (stop.aborted) return;
      if (renewed === false) return onLost();
      // undefined: Redis is down; this replica polls on, its subscribers are served either way.
    }
  }

  /** One poller of this replica's, counted in {@link pollers}. */
  async #polled(key: ActivationKey, signal: AbortSignal, giveUpAt: number): Promise<ActivationRecord> {
    this.#polling += 1;
    try {
      const spans = this.#opts.spans;
      return await (spans ? this.#tracedPoll(spans, key, signal, giveUpAt) : this.#poll(key, signal, giveUpAt));
    } finally {
      this.#polling -= 1;
    }
  }

  /** {@link #poll} in a span: how many reads it took, and how it ended. */
  async #tracedPoll(
    spans: UpstreamSpans,
    key: ActivationKey,
    signal: AbortSignal,
    giveUpAt: number,
  ): Promise<ActivationRecord> {
    const ctx = spans.startInternal('poll activation', spans.parentOf({}), {
      [ATTR.UPSTREAM_SERVICE]: 'cloudfunctions',
    });
    const reads = { count: 0 };
    try {
      const record = await this.#poll(key, signal, giveUpAt, ctx, reads);
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
    giveUpAt: number,
    parent?: Context,
    reads = { count: 0 },
  ): Promise<ActivationRecord> {
    const clock = this.#clock;
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

/** The record another replica's poller found, or its terminal error. */
function settle(outcome: RunOutcome): ActivationRecord {
  if ('record' in outcome) return outcome.record;
  throw errorOf(outcome.error);
}

function failureCode(error: unknown): string {
  return isGatewayError(error) ? error.code : 'Error';
}

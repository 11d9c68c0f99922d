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
import { ErrorCode, GatewayError, isGatewayError } from '../errors';
import type { CloudFunctionsClient } from '../upstream/cloudfunctions/client';
import type { ActivationKey, ActivationRecord } from '../upstream/cloudfunctions/types';

export const POLL_INITIAL_MS = 250;
export const POLL_FACTOR = 1.5;

export interface WatcherOptions {
  /** Longest time between two reads. */
  maxIntervalMs: number;
  /** Longest time a run is waited for. */
  maxWaitMs: number;
}

interface Poll {
  promise: Promise<ActivationRecord>;
  controller: AbortController;
  subscribers: number;
}

const TRANSIENT = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.RATE_LIMITED]);

export class ActivationWatcher {
  readonly #client: CloudFunctionsClient;
  readonly #opts: WatcherOptions;
  readonly #polls = new Map<string, Poll>();
  /** Upstream reads made by all pollers (for tests and metrics). */
  reads = 0;

  constructor(client: CloudFunctionsClient, options: WatcherOptions) {
    this.#client = client;
    this.#opts = options;
  }

  /** Pollers running now. */
  get active(): number {
    return this.#polls.size;
  }

  /**
   * The finished run. `signal` is this subscriber's: when it aborts the subscriber stops waiting,
   * and the poller stops when no subscriber is left.
   */
  wait(key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const id = JSON.stringify([key.platform, key.package, key.action, key.id]);
    let poll = this.#polls.get(id);
    if (!poll) {
      const controller = new AbortController();
      const created: Poll = {
        controller,
        subscribers: 0,
        promise: this.#poll(key, controller.signal).finally(() => {
          if (this.#polls.get(id) === created) this.#polls.delete(id);
        }),
      };
      created.promise.catch(() => undefined);
      this.#polls.set(id, created);
      poll = created;
    }
    const entry = poll;
    entry.subscribers += 1;
    return new Promise<ActivationRecord>((resolve, reject) => {
      const leave = () => {
        entry.subscribers -= 1;
        if (entry.subscribers === 0) entry.controller.abort();
      };
      const onAbort = () => {
        leave();
        reject(new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'The subscription ended before the run finished.'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (record) => {
          signal.removeEventListener('abort', onAbort);
          entry.subscribers -= 1;
          resolve(record);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          entry.subscribers -= 1;
          reject(error);
        },
      );
    });
  }

  async #poll(key: ActivationKey, signal: AbortSignal): Promise<ActivationRecord> {
    const giveUpAt = Date.now() + this.#opts.maxWaitMs;
    let interval = POLL_INITIAL_MS;
    for (;;) {
      if (signal.aborted) throw new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'The subscription ended before the run finished.');
      this.reads += 1;
      try {
        const record = await this.#client.getActivation(key, { signal, deadline: giveUpAt });
        if (record) return record;
      } catch (error) {
        if (signal.aborted) throw error;
        if (!(isGatewayError(error) && TRANSIENT.has(error.code))) throw error;
      }
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) {
        throw new GatewayError(
          ErrorCode.UPSTREAM_TIMEOUT,
          `The run did not finish within ${Math.round(this.#opts.maxWaitMs / 1000)} s of subscribing; read it later with Query.activation.`,
        );
      }
      await sleep(Math.min(interval, remaining), signal);
      interval = Math.min(this.#opts.maxIntervalMs, interval * POLL_FACTOR);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * runs: what the gateway knows about runs that have not finished, so that a wrong activation id
 * answers "not found" in seconds instead of waiting minutes:
 *
 *   - a run the gateway started itself (an `invokeAction` that answered `completed: false`) is known
 *     to be pending until it finishes, for as long as a subscription may wait for it;
 *   - any other id can be pending only for as long as its action may run: its time limit plus
 *     {@link NOT_FOUND_MARGIN_MS}. Past that with no record, there is no such run.
 *
 * Kept in this process, bounded in entries and in time (one replica knows the runs it started).
 */
import { LRUCache } from 'lru-cache';
import type { ActivationKey } from '../upstream/cloudfunctions/types';
import { systemClock, type Clock } from '../time';

/** Beyond an action's time limit, how long a run may still take to be recorded. */
export const NOT_FOUND_MARGIN_MS = 5_000;
/** Most pending runs remembered at once. */
const MAX_REMEMBERED = 10_000;

export function runKey(key: ActivationKey): string {
  return JSON.stringify([key.platform, key.package, key.action, key.id]);
}

export class RunRegistry {
  readonly #started: LRUCache<string, { startedAt: number }>;
  readonly #clock: Clock;

  constructor(options: { rememberMs: number; clock?: Clock }) {
    this.#clock = options.clock ?? systemClock;
    this.#started = new LRUCache({ max: MAX_REMEMBERED, ttl: options.rememberMs, ttlAutopurge: false });
  }

  /** The gateway started this run, and it has not finished yet. */
  noteStarted(key: ActivationKey): void {
    this.#started.set(runKey(key), { startedAt: this.#clock.now() });
  }

  /** When the gateway started this run, if it did (and it is recent enough to be remembered). */
  startedAt(key: ActivationKey): number | undefined {
    return this.#started.get(runKey(key))?.startedAt;
  }

  /** The run has finished: nothing to remember. */
  forget(key: ActivationKey): void {
    this.#started.delete(runKey(key));
  }
}

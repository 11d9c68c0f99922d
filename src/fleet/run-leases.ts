/**
 * run-leases: what lets the fleet poll each pending run once, whatever replica its subscribers are
 * on (src/subscriptions/activation-watcher decides when to use it; this is its Redis side).
 *
 * - A lease per run: `SET <prefix>lease:<run> <replicaId> NX PX <GATEWAY_POLLER_LEASE_MS>`. The holder
 *   polls and renews it while it polls, only while the value is still its own (compare-and-renew, a
 *   Lua script), and deletes it the same way when it stops. A replica that dies stops renewing: its
 *   lease expires and another replica with subscribers takes it.
 * - The outcome (the finished record, or the terminal error: its code, its client sentence and the
 *   upstream facts a client may see, never anything secret) is kept for {@link OUTCOME_KEEP_MS} and
 *   published on the run's channel in one script, so subscribers that arrive or take over just after
 *   still find it.
 *
 * A run is named by a hash (sha256, 32 hex) of the upstream it lives on (origin, base path, and the
 * access key the gateway signs with: two fleets on different accounts never share a run) and its
 * address; no key holds a credential. Every call goes through {@link FleetEngine.attempt}: undefined
 * means Redis is down (or failed) and the caller polls locally.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, GatewayError, type UpstreamErrorInfo } from '../errors';
import type { ActivationRecord } from '../upstream/cloudfunctions/types';
import type { FleetEngine } from './engine';

/** How long an outcome is kept after it is published. */
export const OUTCOME_KEEP_MS = 60_000;

/** What a poller found, as every replica's subscribers receive it. */
export type RunOutcome = { record: ActivationRecord } | { error: RunError };

/** A terminal error, as sent between replicas: what the client would read, nothing more. */
export interface RunError {
  code: ErrorCode;
  message: string;
  upstream?: UpstreamErrorInfo;
}

/**
 * The fleet's side of a watched run (a test gives one of its own). `run` is the run's address as the
 * watcher writes it; every call answers undefined when shared state cannot be used right now.
 */
export interface RunLeases {
  /** How long a lease lasts unless renewed. */
  readonly leaseMs: number;
  /** Whether shared state is in use now. */
  readonly up: boolean;
  /** Told each change of `up`; returns the function that stops it. */
  onState(listener: (up: boolean) => void): () => void;
  /** true: this replica holds the run's lease now (taken, or already its own); false: another does. */
  acquire(run: string): Promise<boolean | undefined>;
  /** Extends this replica's lease; false: it is not (any longer) this replica's. */
  renew(run: string): Promise<boolean | undefined>;
  /** Deletes the lease if it is still this replica's. */
  release(run: string): Promise<void>;
  /** The outcome kept for the run, null when there is none (yet). */
  kept(run: string): Promise<RunOutcome | null | undefined>;
  /** Keeps the outcome and tells every replica; false when it could not. */
  publish(run: string, outcome: RunOutcome): Promise<boolean>;
  /** Calls `handler` with each outcome published for the run until the returned function is called. */
  listen(run: string, handler: (outcome: RunOutcome) => void): () => void;
}

/** Extends the lease only while it is still ours: another replica may have taken it after it expired. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** Deletes the lease only while it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Keeps the outcome and publishes it at once: nobody can read "no outcome" after the message went. */
const PUBLISH = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('PUBLISH', ARGV[3], ARGV[1])`;

export interface RedisRunLeasesOptions {
  /** GATEWAY_POLLER_LEASE_MS. */
  leaseMs: number;
  /**
   * The upstream the runs live on (origin, base path, signing access key): hashed into every run's
   * name, never stored as such.
   */
  scope: string;
}

export class RedisRunLeases implements RunLeases {
  readonly leaseMs: number;
  readonly #engine: FleetEngine;
  readonly #scope: string;

  constructor(engine: FleetEngine, options: RedisRunLeasesOptions) {
    this.#engine = engine;
    this.leaseMs = options.leaseMs;
    this.#scope = options.scope;
  }

  get up(): boolean {
    return this.#engine.up;
  }

  onState(listener: (up: boolean) => void): () => void {
    return this.#engine.onState(listener);
  }

  async acquire(run: string): Promise<boolean | undefined> {
    const key = this.#keys(run).lease;
    const me = this.#engine.replicaId;
    const holder = await this.#engine.attempt(async (redis) => {
      const taken = await redis.set(key, me, 'PX', this.leaseMs, 'NX');
      return taken === 'OK' ? me : ((await redis.get(key)) ?? '');
    });
    return holder === undefined ? undefined : holder === me;
  }

  async renew(run: string): Promise<boolean | undefined> {
    const key = this.#keys(run).lease;
    const renewed = await this.#engine.attempt((redis) =>
      redis.eval(RENEW, 1, key, this.#engine.replicaId, this.leaseMs),
    );
    return renewed === undefined ? undefined : renewed === 1;
  }

  async release(run: string): Promise<void> {
    const key = this.#keys(run).lease;
    await this.#engine.attempt((redis) => redis.eval(RELEASE, 1, key, this.#engine.replicaId));
  }

  async kept(run: string): Promise<RunOutcome | null | undefined> {
    const key = this.#keys(run).outcome;
    const text = await this.#engine.attempt((redis) => redis.get(key));
    if (text === undefined) return undefined;
    return text === null ? null : (decodeOutcome(text) ?? null);
  }

  async publish(run: string, outcome: RunOutcome): Promise<boolean> {
    const { outcome: key, channel } = this.#keys(run);
    const text = JSON.stringify(outcome);
    const sent = await this.#engine.attempt((redis) => redis.eval(PUBLISH, 1, key, text, OUTCOME_KEEP_MS, channel));
    return sent !== undefined;
  }

  listen(run: string, handler: (outcome: RunOutcome) => void): () => void {
    return this.#engine.subscribe(this.#keys(run).channel, (text) => {
      const outcome = decodeOutcome(text);
      if (outcome) handler(outcome);
    });
  }

  #keys(run: string): { lease: string; outcome: string; channel: string } {
    const name = runName(this.#scope, run);
    return {
      lease: this.#engine.key('lease', name),
      outcome: this.#engine.key('run', name, 'outcome'),
      channel: this.#engine.key('run', name, 'done'),
    };
  }
}

/** The run's name in keys and channels: sha256 of its upstream and address, 32 hex digits. */
export function runName(scope: string, run: string): string {
  return createHash('sha256').update(scope).update('\n').update(run).digest('hex').slice(0, 32);
}

/** The error a subscriber receives for a terminal error another replica's poller met. */
export function errorOf(error: RunError): GatewayError {
  return new GatewayError(error.code, error.message, error.upstream ? { upstream: { ...error.upstream } } : {});
}

/** A terminal error as sent to the other replicas: the code, the client's sentence, the upstream facts. */
export function runErrorOf(error: GatewayError): RunError {
  return {
    code: error.code,
    message: error.message,
    ...(error.upstream ? { upstream: { ...error.upstream } } : {}),
  };
}

const CODES = new Set<string>(Object.values(ErrorCode));
const SERVICES = new Set<string>(['cloudfunctions', 'compute', 'identity']);

/** An outcome read from Redis, or undefined when the text is not one (never trusted as it comes). */
export function decodeOutcome(text: string): RunOutcome | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  if (isObject(value.record) && typeof value.record.activationId === 'string') {
    return { record: value.record as unknown as ActivationRecord };
  }
  const error = value.error;
  if (!isObject(error) || typeof error.code !== 'string' || !CODES.has(error.code)) return undefined;
  if (typeof error.message !== 'string') return undefined;
  const upstream = upstreamOf(error.upstream);
  if (upstream === null) return undefined;
  return { error: { code: error.code as ErrorCode, message: error.message, ...(upstream ? { upstream } : {}) } };
}

/** The upstream facts of a sent error: undefined when absent, null when malformed. */
function upstreamOf(value: unknown): UpstreamErrorInfo | undefined | null {
  if (value === undefined) return undefined;
  if (!isObject(value) || typeof value.service !== 'string' || !SERVICES.has(value.service)) return null;
  if (value.status !== undefined && typeof value.status !== 'number') return null;
  if (value.errorCode !== undefined && typeof value.errorCode !== 'string') return null;
  return {
    service: value.service as UpstreamErrorInfo['service'],
    ...(value.status !== undefined ? { status: value.status } : {}),
    ...(value.errorCode !== undefined ? { errorCode: value.errorCode } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

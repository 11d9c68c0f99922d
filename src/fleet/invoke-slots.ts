/**
 * invoke-slots: GATEWAY_INVOKE_CONCURRENCY, the runs the gateway has in flight on NCP at once (NCP
 * allows 100 per namespace; one busy client must not take them all). A slot is taken before an
 * invoke's upstream POST and released when it answers or fails (src/upstream/cloudfunctions/client).
 *
 * With Redis (src/fleet/engine) the cap is the fleet's: a sorted set of slot tokens scored by their
 * expiry, taken and released by Lua scripts, so counting and taking are one atomic step. A token
 * expires at its invoke's deadline (the POST is aborted by then), so the slots of a replica that
 * crashed come back by themselves. Without Redis, or while it is down, the cap is this process's
 * own, in memory: with Redis down each replica lets up to the cap run (a warn line says so), and
 * the fleet's total can reach the cap times the replicas until Redis answers again.
 *
 * Beyond the cap an invoke waits, up to GATEWAY_INVOKE_QUEUE_TIMEOUT_MS and never past its own
 * deadline, then fails with RATE_LIMITED and retryAfterSeconds. Waiting invokes are served fairly:
 * each replica keeps one queue per principal and serves them round-robin (the oldest invoke of the
 * next principal in turn), so a client with 200 invokes waiting does not starve one with 2. Across
 * replicas the queues compete through the script. A waiter is woken when a slot is released
 * anywhere (a Redis pub/sub message, or a release in this process) and, as a safety net for slots
 * that expire, by polling with a short backoff while invokes wait.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { refusals, type GatewayError } from '../errors';
import type { FleetEngine } from './engine';
import type { Caller, PrincipalClass } from './principal-key';

/** Who an invoke is for: the hashed principal (./principal-key) and its class, for metrics. */
export type InvokeCaller = Caller;

export interface SlotRequest {
  caller?: InvokeCaller | undefined;
  /** The invoke's deadline, epoch ms: the wait never goes past it, and the slot expires then. */
  deadline?: number | undefined;
  /** The operation's signal: an invoke whose operation ended stops waiting. */
  signal?: AbortSignal | undefined;
}

/** A slot held: release it exactly once, when the upstream has answered (or failed). */
export interface InvokeSlot {
  release(): void;
}

export interface InvokeSlotsOptions {
  /** GATEWAY_INVOKE_CONCURRENCY. */
  cap: number;
  /** GATEWAY_INVOKE_QUEUE_TIMEOUT_MS: the longest wait for a slot (0: never wait). */
  queueTimeoutMs: number;
  /** The shared Redis: the cap is the fleet's while it is up. */
  engine?: FleetEngine | undefined;
  logger?: Logger | undefined;
  /** Told each invoke refused for want of a slot (the metric). */
  onRefused?: (caller: PrincipalClass | 'unknown') => void;
  /** How long a slot lives when its invoke has no deadline (default 70 s: the longest invoke wait and margin). */
  defaultTtlMs?: number;
  /** Polling while invokes wait with Redis: the first interval, doubled up to the last (ms). */
  pollMs?: { first: number; last: number };
  /** Epoch ms (tests). */
  now?: () => number;
}

/** What the gauge reads: slots this process holds, invokes waiting in it. */
export interface SlotUsage {
  inUse: number;
  waiting: number;
}

/** retryAfterSeconds of an invoke refused for want of a slot: runs end in seconds. */
export const SLOT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_TTL_MS = 70_000;
const DEFAULT_POLL = { first: 20, last: 250 };
const UNKNOWN_CALLER: InvokeCaller = { key: 'unknown', class: 'anonymous' };

/**
 * Takes a slot when fewer than ARGV[1] live ones exist. Expired tokens are dropped first; Redis's
 * own clock stamps the expiry (replicas' clocks may differ). The key lives as long as its
 * last-expiring token. KEYS[1] the set; ARGV cap, ttl ms, token. Returns 1 (taken) or 0 (full).
 */
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
`;

/** Gives a slot back and, when it was still held, tells every replica. KEYS[1] the set; ARGV token, channel. */
const RELEASE_LUA = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 then
  redis.call('PUBLISH', ARGV[2], '1')
end
return removed
`;

interface SlotScripts {
  ncfgwSlotAcquire(key: string, cap: number, ttlMs: number, token: string): Promise<number>;
  ncfgwSlotRelease(key: string, token: string, channel: string): Promise<number>;
}

function scripts(redis: Redis): SlotScripts {
  const commands = redis as unknown as Partial<SlotScripts>;
  if (typeof commands.ncfgwSlotAcquire !== 'function') {
    redis.defineCommand('ncfgwSlotAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    redis.defineCommand('ncfgwSlotRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  }
  return redis as unknown as SlotScripts;
}

interface Waiter {
  caller: InvokeCaller;
  deadline: number | undefined;
  /** No time to wait (queue timeout 0, or the deadline is here): one try, then refused. */
  once: boolean;
  settled: boolean;
  resolve(slot: InvokeSlot): void;
  reject(error: GatewayError): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Items queued per key, served round-robin: {@link next} is the oldest item of the key whose turn it
 * is; {@link served} removes an item and sends its key to the back of the line.
 */
export class FairQueue<T> {
  readonly #byKey = new Map<string, T[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(key: string, item: T): void {
    const items = this.#byKey.get(key);
    if (items) items.push(item);
    else this.#byKey.set(key, [item]);
    this.#size += 1;
  }

  /** The item to serve next, without removing it. */
  next(): T | undefined {
    for (const items of this.#byKey.values()) return items[0];
    return undefined;
  }

  /** Removes a served item; its key goes to the back of the line (if it has more). */
  served(key: string, item: T): void {
    const items = this.#remove(key, item);
    if (items && items.length > 0) this.#byKey.set(key, items);
  }

  /** Removes an item that gave up; its key keeps its turn. */
  remove(key: string, item: T): void {
    const items = this.#byKey.get(key);
    const at = items?.indexOf(item) ?? -1;
    if (!items || at < 0) return;
    items.splice(at, 1);
    this.#size -= 1;
    if (items.length === 0) this.#byKey.delete(key);
  }

  /** Every item, in no particular order. */
  items(): T[] {
    return [...this.#byKey.values()].flat();
  }

  /** Every item, emptying the queue. */
  drain(): T[] {
    const all = [...this.#byKey.values()].flat();
    this.#byKey.clear();
    this.#size = 0;
    return all;
  }

  #remove(key: string, item: T): T[] | undefined {
    const items = this.#byKey.get(key);
    const at = items?.indexOf(item) ?? -1;
    if (!items || at < 0) return undefined;
    items.splice(at, 1);
    this.#size -= 1;
    this.#byKey.delete(key);
    return items;
  }
}

export class InvokeSlots {
  readonly #opts: InvokeSlotsOptions;
  readonly #engine: FleetEngine | undefined;
  readonly #queue = new FairQueue<Waiter>();
  readonly #now: () => number;
  readonly #poll: { first: number; last: number };
  readonly #setKey: string | undefined;
  readonly #channel: string | undefined;
  readonly #offs: Array<() => void> = [];
  /** Slots this process holds now (taken in Redis or in memory). */
  #inUse = 0;
  #sequence = 0;
  #pumping = false;
  #again = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollDelay: number;
  #closed = false;

  constructor(options: InvokeSlotsOptions) {
    this.#opts = options;
    this.#engine = options.engine;
    this.#now = options.now ?? Date.now;
    this.#poll = options.pollMs ?? DEFAULT_POLL;
    this.#pollDelay = this.#poll.first;
    const engine = this.#engine;
    if (engine) {
      this.#setKey = engine.key('invoke', 'slots');
      this.#channel = engine.key('invoke', 'released');
      this.#offs.push(engine.subscribe(this.#channel, () => this.#wake()));
      this.#offs.push(engine.onState((up) => this.#stateChanged(up)));
    }
  }

  /** GATEWAY_INVOKE_CONCURRENCY. */
  get cap(): number {
    return this.#opts.cap;
  }

  get usage(): SlotUsage {
    return { inUse: this.#inUse, waiting: this.#queue.size };
  }

  /**
   * A slot for one invoke, once the fleet (or this process) has fewer than the cap in flight;
   * rejects with RATE_LIMITED when none frees up within the queue timeout (or the deadline, or the
   * operation ends first).
   */
  acquire(request: SlotRequest = {}): Promise<InvokeSlot> {
    if (this.#closed) return Promise.reject(this.#refusal(request.caller ?? UNKNOWN_CALLER));
    return new Promise<InvokeSlot>((resolve, reject) => {
      const waiter: Waiter = {
        caller: request.caller ?? UNKNOWN_CALLER,
        deadline: request.deadline,
        once: false,
        settled: false,
        resolve,
        reject,
        timer: undefined,
        signal: request.signal,
        onAbort: undefined,
      };
      const now = this.#now();
      const giveUpAt = Math.min(now + this.#opts.queueTimeoutMs, request.deadline ?? Number.POSITIVE_INFINITY);
      if (request.signal?.aborted) return this.#giveUp(waiter, false);
      this.#queue.push(waiter.caller.key, waiter);
      if (giveUpAt <= now) {
        waiter.once = true;
      } else {
        waiter.timer = setTimeout(() => this.#giveUp(waiter), giveUpAt - now);
        waiter.timer.unref();
      }
      if (request.signal) {
        waiter.onAbort = () => this.#giveUp(waiter);
        request.signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      void this.#pump();
    });
  }

  /** Refuses whatever still waits and stops listening to the engine. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    for (const off of this.#offs.splice(0)) off();
    for (const waiter of this.#queue.drain()) {
      if (this.#settle(waiter)) waiter.reject(this.#refusal(waiter.caller));
    }
  }

  /** Serves waiters in turn while slots are free; one pump at a time, run again if woken meanwhile. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    try {
      do {
        this.#again = false;
        for (let waiter = this.#queue.next(); waiter; waiter = this.#queue.next()) {
          // Without Redis the count is this process's: no round trip, nothing to wait for.
          const slot = this.#engine?.up ? await this.#takeShared(waiter, this.#engine) : this.#takeHere();
          if (!slot) {
            if (!waiter.once) {
              // Full: those with no time to wait are refused now, the others wait for a release.
              for (const other of this.#queue.items()) if (other.once) this.#giveUp(other);
              break;
            }
            this.#giveUp(waiter);
            continue;
          }
          this.#pollDelay = this.#poll.first;
          if (waiter.settled) {
            // It gave up while the slot was being taken: the slot goes back.
            slot.release();
            continue;
          }
          this.#queue.served(waiter.caller.key, waiter);
          this.#settle(waiter);
          waiter.resolve(slot);
        }
      } while (this.#again && !this.#closed);
    } finally {
      this.#pumping = false;
    }
    this.#schedulePoll();
  }

  /** With Redis, invokes that wait look again after a backoff (slots of a crashed replica expire silently). */
  #schedulePoll(): void {
    if (this.#closed || this.#queue.size === 0 || !this.#engine?.up || this.#pollTimer) return;
    const delay = this.#pollDelay;
    this.#pollDelay = Math.min(this.#poll.last, delay * 2);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      void this.#pump();
    }, delay);
    this.#pollTimer.unref();
  }

  /** A slot of the fleet's for `waiter` now, or undefined when the fleet has the cap in flight. */
  async #takeShared(waiter: Waiter, engine: FleetEngine): Promise<InvokeSlot | undefined> {
    const ttlMs = Math.max(1, Math.ceil((waiter.deadline ?? this.#now() + this.#ttl()) - this.#now()));
    const token = `${engine.replicaId}:${++this.#sequence}`;
    const taken = await engine.attempt((redis) =>
      scripts(redis).ncfgwSlotAcquire(this.#setKey!, this.#opts.cap, ttlMs, token),
    );
    if (taken === 1) return this.#held(token);
    if (taken === 0) return undefined;
    // Redis failed just now (the engine is down): this process's own cap.
    return this.#takeHere();
  }

  /** A slot of this process's count, or undefined when it holds the cap. */
  #takeHere(): InvokeSlot | undefined {
    return this.#inUse < this.#opts.cap ? this.#held(undefined) : undefined;
  }

  #ttl(): number {
    return this.#opts.defaultTtlMs ?? DEFAULT_TTL_MS;
  }

  /** A slot held by this process: `token` in Redis, or a memory one. */
  #held(token: string | undefined): InvokeSlot {
    this.#inUse += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inUse -= 1;
        const engine = this.#engine;
        if (token !== undefined && engine) {
          // Best effort: a token that cannot be removed now expires at its deadline.
          void engine.attempt((redis) => scripts(redis).ncfgwSlotRelease(this.#setKey!, token, this.#channel!));
        }
        this.#wake();
      },
    };
  }

  #wake(): void {
    if (this.#queue.size > 0 && !this.#closed) void this.#pump();
  }

  #stateChanged(up: boolean): void {
    const { logger, cap } = this.#opts;
    if (up) {
      logger?.info({ invokeConcurrency: cap }, 'Invoke cap: shared by the fleet through Redis');
    } else {
      logger?.warn(
        { invokeConcurrency: cap },
        `Invoke cap: Redis is unavailable, so this replica alone lets up to ${cap} runs be in flight ` +
          '(the fleet as a whole up to that many per replica) until Redis answers again',
      );
    }
    this.#wake();
  }

  /** Gives up waiting: the deadline or queue timeout passed, or the operation ended. */
  #giveUp(waiter: Waiter, queued = true): void {
    if (!this.#settle(waiter)) return;
    if (queued) this.#queue.remove(waiter.caller.key, waiter);
    waiter.reject(this.#refusal(waiter.caller));
  }

  /** Marks a waiter done (false when it already was): its timer and abort listener are released. */
  #settle(waiter: Waiter): boolean {
    if (waiter.settled) return false;
    waiter.settled = true;
    clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  #refusal(caller: InvokeCaller): GatewayError {
    this.#opts.onRefused?.(caller === UNKNOWN_CALLER ? 'unknown' : caller.class);
    return refusals.invokeSlotsBusy(this.#opts.cap, SLOT_RETRY_AFTER_SECONDS);
  }
}

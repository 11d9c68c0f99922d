/**
 * operation-dedupe: identical queries in flight at the same time on this replica execute once and
 * share the answer (GATEWAY_OPERATION_DEDUPE, on by default), in front of the response cache
 * (./response-cache, GATEWAY_RESPONSE_CACHE_TTL_MS). One module for both transports: Apollo's plugin
 * (src/apollo/shared-answers-plugin) and the WebSocket operation (src/websocket/operation) call
 * {@link SharedAnswers.begin} once the operation is resolved and checked, before it executes.
 *
 * Identical: the same document (sha256 of its text, so a persisted query and its text are one), the
 * same variables (canonical JSON: key order does not matter), the same operation name, the same
 * principal scope set (sorted; not the identity: two API keys with the same scopes share, since
 * scopes are all that a principal changes in an answer, and whether it is anonymous, which changes
 * its Cache-Control), and the same upstream credential (one per process today). De-duplication also
 * keys on the transport, since an HTTP answer carries a status a WebSocket one has not.
 *
 * - Queries only: never mutations or subscriptions (the transports do not ask for those).
 * - The first operation leads: it looks in the response cache, else executes with its own context;
 *   identical ones that arrive meanwhile follow: they wait for its answer and are answered with its
 *   data and errors (already masked and coded), each with ITS OWN requestId, log line and metrics
 *   (gateway_operations_deduplicated_total, `answered: "shared"` on the line).
 * - A follower stops waiting when its own signal aborts (its client left, or its deadline passed);
 *   while any follower waits, the leader goes on even if its own client leaves (its context's hold;
 *   its deadline still holds).
 * - A leader that ends without an answer to share (Apollo failed outside execution, an incremental
 *   answer) releases its followers: they start again, and one of them leads; a second failure and
 *   each executes alone.
 * - A write (an invoke) makes in-flight operations that already read what it invalidates unshareable
 *   (those waiting keep theirs; later ones start anew), so an operation that starts after a write
 *   never gets an answer read before it.
 *
 * The per-request loaders and the upstream shared reads already de-duplicate upstream calls; this
 * saves the execution itself (resolvers, loaders, serialization) for hot identical queries.
 */
import type { FormattedExecutionResult } from 'graphql';
import type { Principal } from '../auth';
import type { GatewayContext } from '../context';
import { sha256Hex } from './documents';
import type { Transport } from './observe';
import type { ResponseCache } from './response-cache';

/** An answer as a client receives it, shareable: errors presented (masked, coded), without requestId. */
export interface SharedAnswer {
  result: FormattedExecutionResult;
  /** HTTP: the leader's status, when it set one. */
  status?: number;
  /** HTTP: the leader's cache policy, so that Cache-Control is computed as for the leader. */
  cachePolicy?: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' };
}

/**
 * A shared answer as one operation sends it: its own copy, every error with ITS requestId (the
 * answer itself is left as it is, for the others).
 */
export function answerFor(answer: SharedAnswer, requestId: string): FormattedExecutionResult {
  const { result } = answer;
  if (!result.errors || result.errors.length === 0) return { ...result };
  return { ...result, errors: result.errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } })) };
}

/** What makes two operations identical (see the header). */
export interface OperationIdentity {
  /** sha256 (hex) of the document's text. */
  documentHash: string;
  /** The operation's name (as resolved), or none. */
  operationName: string | null | undefined;
  variables: unknown;
  principal: Pick<Principal, 'kind' | 'scopes'>;
  /** Identifies the credential the gateway calls the upstreams with (a hash, never the credential). */
  credential: string;
}

/** The credential part of a key: a hash of who the gateway is to each upstream (never a secret, never raw). */
export function credentialId(...identities: string[]): string {
  return sha256Hex(identities.join('\n')).slice(0, 32);
}

/** JSON with every object's keys sorted, so that equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}

/** The key of an operation (sha256, hex): equal for identical operations (see the header). */
export function operationKey(id: OperationIdentity): string {
  return sha256Hex(
    canonicalJson([
      id.credential,
      id.documentHash,
      id.operationName ?? null,
      id.variables ?? {},
      id.principal.kind === 'anonymous' ? 'anonymous' : 'authenticated',
      [...id.principal.scopes].sort(),
    ]),
  );
}

// --- Operations in flight --------------------------------------------------------------------------

type Outcome = { answer: SharedAnswer } | { failed: true };

/** What a follower gets: the answer, `left` (its signal aborted first), or `failed` (the leader had none). */
export type FollowerOutcome = SharedAnswer | 'left' | 'failed';

export type Joined =
  | {
      role: 'leader';
      /** The answer, for those who wait (idempotent; later calls and fail() are ignored). */
      publish(answer: SharedAnswer): void;
      /** No answer to share: those who wait start again. */
      fail(): void;
    }
  | { role: 'follower'; outcome: Promise<FollowerOutcome> };

interface Flight {
  outcome: Promise<Outcome>;
  settle(outcome: Outcome): void;
  settled: boolean;
  followers: number;
  /** The leader's context: its hold while followers wait, its reads for invalidation. */
  leader: Pick<GatewayContext, 'hold' | 'reads'>;
  release: (() => void) | undefined;
}

/** The leader's context as the flights need it; a follower's signal. */
type LeaderContext = Pick<GatewayContext, 'hold' | 'reads'>;

export class OperationDedupe {
  readonly #flights = new Map<string, Flight>();

  /** Operations leading now (identical ones would follow). */
  get size(): number {
    return this.#flights.size;
  }

  /** Leads the operation `key`, or follows the one in flight; a follower stops waiting when `signal` aborts. */
  join(key: string, context: LeaderContext & Pick<GatewayContext, 'signal'>): Joined {
    const flight = this.#flights.get(key);
    if (flight) return { role: 'follower', outcome: this.#follow(flight, context.signal) };
    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    const created: Flight = {
      outcome,
      settled: false,
      followers: 0,
      leader: context,
      release: undefined,
      settle: (result) => {
        if (created.settled) return;
        created.settled = true;
        if (this.#flights.get(key) === created) this.#flights.delete(key);
        created.release?.();
        created.release = undefined;
        settle(result);
      },
    };
    this.#flights.set(key, created);
    return {
      role: 'leader',
      publish: (answer) => created.settle({ answer }),
      fail: () => created.settle({ failed: true }),
    };
  }

  /**
   * Operations in flight that already read something under one of `prefixes` take no new followers
   * (a write made what they read stale); those already waiting keep their answer.
   */
  invalidate(prefixes: readonly string[]): void {
    for (const [key, flight] of [...this.#flights]) {
      const stale = [...flight.leader.reads.tags].some((tag) => prefixes.some((prefix) => tag.startsWith(prefix)));
      if (stale) this.#flights.delete(key);
    }
  }

  #follow(flight: Flight, signal: AbortSignal): Promise<FollowerOutcome> {
    if (signal.aborted) return Promise.resolve('left');
    flight.followers += 1;
    // The leader goes on while anyone waits, even if its own client leaves.
    if (flight.followers === 1) flight.release = flight.leader.hold();
    return new Promise<FollowerOutcome>((resolve) => {
      const leave = () => {
        flight.followers -= 1;
        if (flight.followers === 0 && !flight.settled) {
          flight.release?.();
          flight.release = undefined;
        }
      };
      const onAbort = () => {
        leave();
        resolve('left');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void flight.outcome.then((outcome) => {
        if (signal.aborted) return;
        signal.removeEventListener('abort', onAbort);
        flight.followers -= 1;
        resolve('answer' in outcome ? outcome.answer : 'failed');
      });
    });
  }
}

// --- Both, for the transports ----------------------------------------------------------------------

/** What {@link SharedAnswers.begin} decided for one operation. */
export type Begun =
  /** Answered without executing: by an identical operation in flight, or from the response cache. */
  | { kind: 'answered'; answer: SharedAnswer; from: AnsweredFrom }
  /** Its signal aborted while it waited for an identical operation (its client left, or its deadline). */
  | { kind: 'left' }
  /** It executes; `done` is then told its answer (undefined: none to share), exactly once. */
  | { kind: 'execute'; done(answer: SharedAnswer | undefined): void };

export type AnsweredFrom = 'shared' | 'cache';

export interface ShareRequest {
  transport: Transport;
  context: GatewayContext;
  documentHash: string;
  operationName: string | null | undefined;
  variables: unknown;
}

export interface SharedAnswersOptions {
  /** GATEWAY_OPERATION_DEDUPE. */
  dedupe: boolean;
  /** The response cache, when GATEWAY_RESPONSE_CACHE_TTL_MS > 0. */
  cache: ResponseCache | undefined;
  /** Identifies the upstream credential (a hash). */
  credential: string;
  /** An operation started waiting for an identical one in flight. */
  onFollow?: (transport: Transport) => void;
}

const EXECUTE_ALONE: Begun = { kind: 'execute', done: () => undefined };

export class SharedAnswers {
  readonly #opts: SharedAnswersOptions;
  readonly #dedupe = new OperationDedupe();
  readonly #answered = new WeakMap<object, AnsweredFrom>();

  constructor(options: SharedAnswersOptions) {
    this.#opts = options;
  }

  /** Whether queries may be answered without executing at all (either switch on). */
  get active(): boolean {
    return this.#opts.dedupe || this.#opts.cache !== undefined;
  }

  /** Operations leading now (tests, metrics). */
  get inFlight(): number {
    return this.#dedupe.size;
  }

  /** How the operation of this context was answered without executing, if it was. */
  answeredFrom(context: object): AnsweredFrom | undefined {
    return this.#answered.get(context);
  }

  /** Decides how a query gets its answer (see {@link Begun}); call it once, just before execution. */
  async begin(request: ShareRequest): Promise<Begun> {
    if (!this.active) return EXECUTE_ALONE;
    const { context } = request;
    const key = operationKey({ ...request, principal: context.principal, credential: this.#opts.credential });
    if (!this.#opts.dedupe) return this.#lead(key, context, undefined);
    for (let attempt = 0; ; attempt++) {
      const joined = this.#dedupe.join(`${request.transport} ${key}`, context);
      if (joined.role === 'leader') return this.#lead(key, context, joined);
      if (attempt === 0) this.#opts.onFollow?.(request.transport);
      const outcome = await joined.outcome;
      if (outcome === 'left') return { kind: 'left' };
      if (outcome !== 'failed') return this.#answer(context, outcome, 'shared');
      // The leader had no answer: start again (one of those waiting leads); a second time, alone.
      if (attempt === 1) return EXECUTE_ALONE;
    }
  }

  /** A write invalidated `prefixes` of read tags: no new follower for what read them; the cache drops them. */
  async invalidate(prefixes: string[]): Promise<void> {
    this.#dedupe.invalidate(prefixes);
    await this.#opts.cache?.invalidate(prefixes);
  }

  /** Another replica invalidated `prefixes` (the cache's pub/sub). */
  invalidated(prefixes: string[]): void {
    this.#dedupe.invalidate(prefixes);
  }

  close(): void {
    this.#opts.cache?.close();
  }

  async #lead(key: string, context: GatewayContext, leader: Extract<Joined, { role: 'leader' }> | undefined) {
    const cache = this.#opts.cache;
    let epoch: number | undefined;
    if (cache) {
      const found = await cache.get(key);
      if (found.answer) {
        leader?.publish(found.answer);
        return this.#answer(context, found.answer, 'cache');
      }
      epoch = found.epoch;
    }
    let told = false;
    const begun: Begun = {
      kind: 'execute',
      done: (answer) => {
        if (told) return;
        told = true;
        if (!answer) return leader?.fail();
        leader?.publish(answer);
        if (cache && epoch !== undefined && keepable(answer, context)) {
          void cache.put(key, answer, context.reads.tags, epoch);
        }
      },
    };
    return begun;
  }

  #answer(context: GatewayContext, answer: SharedAnswer, from: AnsweredFrom): Begun {
    this.#answered.set(context, from);
    return { kind: 'answered', answer, from };
  }
}

/** An answer the response cache keeps: data, no error, and every read it made answered 2xx. */
function keepable(answer: SharedAnswer, context: GatewayContext): boolean {
  const { result, status } = answer;
  return (
    context.reads.kept &&
    (status === undefined || status === 200) &&
    (result.errors === undefined || result.errors.length === 0) &&
    result.data !== undefined &&
    result.data !== null
  );
}

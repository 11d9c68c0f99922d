/**
 * context: what every resolver receives, built once per GraphQL request.
 *
 * Per request: an id, a child logger, a deadline (an AbortSignal that also fires when the client
 * goes away) handed to every upstream call, a concurrency cap, fresh DataLoaders, and the log of the
 * upstream reads it made (what its answer depends on, for the response cache). Process-wide
 * things (the upstream clients with their keep-alive pools) are passed in. The context never holds
 * a credential: the signer keeps the secret to itself.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Principal } from './auth';
import { callerOf, type Caller } from './fleet/principal-key';
import { createFunctionsLoaders, type FunctionsLoaders } from './loaders/cloudfunctions';
import { createComputeLoaders, type ComputeLoaders } from './loaders/compute';
import { createSchedule, type LoaderEnv } from './loaders/batch';
import { startTrace, type RequestTrace } from './observability/tracing';
import type { CloudFunctionsClient } from './upstream/cloudfunctions/client';
import type { NovaClient } from './upstream/compute/client';
import type { ActivationWatcher } from './subscriptions/activation-watcher';
import type { RunRegistry } from './subscriptions/runs';
import type { Platform } from './upstream/cloudfunctions/types';
import type { ReadLog } from './upstream/http';

export interface GatewayContext {
  requestId: string;
  /** Who is calling and with which scopes (see src/auth). */
  principal: Principal;
  /** Who the operation counts against (hashed, src/fleet/principal-key): rate limits, the invoke cap's turns. */
  caller: Caller;
  logger: Logger;
  /** Aborts at the operation's deadline or when the client disconnects. */
  signal: AbortSignal;
  /** The operation's deadline, epoch ms. */
  deadline: number;
  /** W3C trace of the operation; counts its upstream calls. */
  trace: RequestTrace;
  defaultPlatform: Platform;
  loaders: {
    functions: FunctionsLoaders;
    compute: ComputeLoaders;
  };
  /** For calls that are not reads (mutations); reads go through loaders. */
  functions: CloudFunctionsClient;
  /** The compute microversion in use (fields and filters depend on it). */
  computeMicroversion: string;
  /** Waits for runs to finish (subscriptions); shared by every request. */
  watcher: ActivationWatcher;
  /** The runs this gateway started that have not finished; shared by every request. */
  runs: RunRegistry;
  /** GATEWAY_MAX_INPUT_DEPTH, for JSON arguments (an action's `params`). */
  maxInputDepth: number;
  /** The upstream reads made for this operation so far (src/pipeline/response-cache). */
  reads: OperationReads;
  /**
   * Keeps the operation going when its client leaves (its deadline still holds) until the returned
   * function is called: an operation whose answer identical ones wait for (src/pipeline/operation-dedupe).
   */
  hold(): () => void;
}

export interface ContextDependencies {
  functions: CloudFunctionsClient;
  compute: NovaClient;
  watcher: ActivationWatcher;
  runs: RunRegistry;
  defaultPlatform: Platform;
  requestTimeoutMs: number;
  upstreamConcurrency: number;
  maxInputDepth: number;
  onLoaderBatch?: (loader: string, size: number) => void;
}

export interface RequestScope {
  requestId: string;
  principal: Principal;
  logger: Logger;
  /**
   * Called with a function to run when the request is over, however it ended (the response was
   * sent, or the client left): the operation's signal then aborts and its deadline timer is cleared.
   */
  onEnd?: (end: () => void) => void;
  /** The client's `traceparent` header, if any. */
  traceparent?: string | string[];
  /** The client's address: an anonymous client's limits are its address's. */
  remoteAddress?: string;
  /** Overrides the operation's time budget (subscriptions wait longer than queries). */
  timeoutMs?: number;
}

export function createContext(deps: ContextDependencies, scope: RequestScope): GatewayContext {
  const budget = scope.timeoutMs ?? deps.requestTimeoutMs;
  const deadlineAt = Date.now() + budget;
  const { signal, hold } = operationSignal(budget, scope.onEnd);
  const reads = new OperationReads();
  const env: LoaderEnv = {
    schedule: createSchedule(deps.upstreamConcurrency),
    ...(deps.onLoaderBatch ? { onBatch: deps.onLoaderBatch } : {}),
  };
  const trace = startTrace(scope.traceparent);
  const call = { signal, deadline: deadlineAt, trace, reads };
  return {
    requestId: scope.requestId,
    principal: scope.principal,
    caller: callerOf(scope.principal, scope.remoteAddress),
    logger: scope.logger,
    signal,
    deadline: deadlineAt,
    trace,
    defaultPlatform: deps.defaultPlatform,
    loaders: {
      functions: createFunctionsLoaders(deps.functions, env, call),
      compute: createComputeLoaders(deps.compute, env, call),
    },
    functions: deps.functions,
    computeMicroversion: deps.compute.microversion,
    watcher: deps.watcher,
    runs: deps.runs,
    maxInputDepth: deps.maxInputDepth,
    reads,
    hold,
  };
}

/** The upstream reads of one operation, as its upstream calls tell them (see ReadLog). */
export class OperationReads implements ReadLog {
  /** `<service> <exact path and query>` of each read. */
  readonly tags = new Set<string>();
  /** False once a read answered other than 2xx or failed: the answer is not one to keep. */
  kept = true;

  read(tag: string): void {
    this.tags.add(tag);
  }

  unkept(): void {
    this.kept = false;
  }
}

/**
 * Why an operation's signal aborted. Shared, ready-made reasons: `abort()` without one builds a
 * DOMException with a stack trace, a real cost when every request ends with an abort.
 */
export const OPERATION_ENDED = Object.freeze(new Error('The operation ended.'));
const DEADLINE_PASSED = Object.freeze(
  Object.assign(new Error('The operation deadline passed.'), { name: 'TimeoutError' }),
);

/**
 * Aborts at the deadline, or when the request ends (once no hold is left); one timer, cleared as soon
 * as either happens.
 */
function operationSignal(
  budgetMs: number,
  onEnd: RequestScope['onEnd'],
): { signal: AbortSignal; hold: () => () => void } {
  const controller = new AbortController();
  // Every upstream call of the operation listens to it (undici removes its listener only when the
  // body is read): more than the default 10 at once is normal, not a leak, and warning about it
  // writes a stack trace per operation.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(DEADLINE_PASSED), budgetMs);
  timer.unref();
  let holds = 0;
  let ended = false;
  const stop = () => {
    ended = true;
    if (holds > 0) return;
    clearTimeout(timer);
    controller.abort(OPERATION_ENDED);
  };
  const hold = () => {
    holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holds -= 1;
      if (holds === 0 && ended) stop();
    };
  };
  onEnd?.(stop);
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return { signal: controller.signal, hold };
}

/**
 * operation: one operation on a WebSocket (a graphql-ws `subscribe` message), through the same
 * pipeline as over HTTP (src/pipeline): admit, prepare, check (with the client's rate limits),
 * context, execute, present, finish.
 *
 * Its context (deadline timer, abort signal, loaders) belongs to the operation, not to the socket:
 * it is released the moment the operation ends (answered, completed by the client, failed, or cut
 * by the socket closing), so a long-lived socket holds only the operations in flight.
 *
 * Traced, an operation has a server span (./tracing) from its message to its end, the parent of the
 * operation span the pipeline makes.
 *
 * A query may be answered without executing ({@link WsOperation.execute}): by an identical one in
 * flight, or from the response cache (src/pipeline/operation-dedupe), with its own requestId.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { trace, type Context } from '@opentelemetry/api';
import type {
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
} from 'graphql';
import type { PromiseOrValue } from 'graphql/jsutils/PromiseOrValue';
import type { Logger } from 'pino';
import type { Principal } from '../auth';
import type { GatewayContext } from '../context';
import { GatewayError, refusals } from '../errors';
import type { OperationPipeline, OperationRequest, Stage } from '../pipeline';
import { sha256Hex } from '../pipeline/documents';
import { answerFor } from '../pipeline/operation-dedupe';
import { traceparentOf } from '../telemetry';
import { startWsServerSpan } from './tracing';

export interface OperationEnv {
  pipeline: OperationPipeline;
  logger: Logger;
  /** Budget of a query or mutation (as over HTTP). */
  requestTimeoutMs: number;
  /** Budget of a subscription (it waits for a run). */
  subscriptionTimeoutMs: number;
}

export class WsOperation {
  readonly requestId = randomUUID();
  readonly startedAt = performance.now();
  /** `query`, `mutation`, `subscription`, once known. */
  type: string | undefined;
  #name: string | undefined;
  /** The stage errors sent before execution come from. */
  #stage: Stage = 'execution';
  #executing = false;
  #context: GatewayContext | undefined;
  #release: (() => void) | undefined;
  readonly #errors: GraphQLFormattedError[] = [];
  #hasData = false;
  #ended = false;
  /** Traced: the server span's context, and the document's hash. */
  #span: Context | undefined;
  #documentHash: string | undefined;
  /** A query that may share its answer (src/pipeline/operation-dedupe): what makes it identical to others. */
  #share: { documentHash: string; operationName: string | undefined; variables: unknown } | undefined;
  /** Answered without executing: its errors are presented already. */
  #answered = false;

  constructor(
    readonly id: string,
    readonly principal: Principal,
    private readonly env: OperationEnv,
    /** Called once, when the operation has ended. */
    private readonly onEnd: (operation: WsOperation) => void,
    /** The upgrade request's headers: the trace an operation continues when its message names none. */
    private readonly upgradeHeaders?: IncomingHttpHeaders,
    /** The socket's remote address: an anonymous client's rate limits are its address's. */
    private readonly remoteAddress?: string,
  ) {}

  /** Whether it got as far as execution. */
  get executed(): boolean {
    return this.#executing;
  }

  /** Running, and not a subscription: what a closing socket waits for. */
  get holdsSocket(): boolean {
    return !this.#ended && this.type !== 'subscription';
  }

  get isLiveSubscription(): boolean {
    return !this.#ended && this.#executing && this.type === 'subscription';
  }

  /**
   * Stages 1 to 4 for this message. Returns what graphql-ws executes, or the errors to answer
   * (GraphQLErrors, as graphql-ws requires; they are presented in {@link answerErrors}).
   */
  async start(payload: OperationRequest, refusal: GatewayError | undefined): Promise<ExecutionArgs | GraphQLError[]> {
    const { pipeline } = this.env;
    const tracer = pipeline.telemetry.tracer;
    if (tracer) this.#span = startWsServerSpan(tracer, this.id, payload.extensions, this.upgradeHeaders);
    this.#name = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    if (refusal) return this.#refuse([refusal]);
    let query: string;
    try {
      query = pipeline.admit(payload) ?? (typeof payload.query === 'string' ? payload.query : '');
    } catch (error) {
      return this.#refuse([error as GatewayError]);
    }
    const prepared = pipeline.prepare(query);
    if ('errors' in prepared) return this.#refuse([...prepared.errors], prepared.stage);
    const operation = pipeline.resolveOperation(prepared.document, payload.operationName);
    if (operation instanceof GatewayError) return this.#refuse([operation]);
    this.type = operation.operation;
    this.#name = operation.name?.value ?? this.#name;
    const variables = isObject(payload.variables) ? payload.variables : undefined;
    const documentKey = sha256Hex(query);
    if (tracer) this.#documentHash = documentKey;
    const check = pipeline.checkOperation({
      transport: 'ws',
      document: prepared.document,
      operation,
      variables,
      documentKey,
    });
    if (check) return this.#refuse([check]);
    const contextValue = this.#contextFor(
      this.type === 'subscription' ? this.env.subscriptionTimeoutMs : this.env.requestTimeoutMs,
    );
    const limited = await pipeline.limit({ context: contextValue, document: prepared.document, operation, variables });
    if (limited) return this.#refuse([limited]);

    this.#executing = true;
    if (this.type === 'query' && pipeline.sharing.active) {
      this.#share = { documentHash: documentKey, operationName: operation.name?.value, variables };
    }
    return {
      schema: pipeline.schema,
      document: prepared.document,
      contextValue,
      ...(variables ? { variableValues: variables } : {}),
      ...(operation.name ? { operationName: operation.name.value } : {}),
    };
  }

  /**
   * Stage 5: runs `run` (graphql-js), unless an identical query in flight or the response cache
   * answers it; as a leader, its answer (errors presented) goes to those who wait.
   */
  async execute(
    args: ExecutionArgs,
    run: (args: ExecutionArgs) => PromiseOrValue<ExecutionResult>,
  ): Promise<ExecutionResult> {
    const share = this.#share;
    if (!share) return run(args);
    const { pipeline } = this.env;
    const context = args.contextValue as GatewayContext;
    const begun = await pipeline.sharing.begin({ transport: 'ws', context, ...share });
    if (begun.kind === 'answered') {
      this.#answered = true;
      // Presented already, with this requestId: answerResult (graphql-ws's onNext) sends it as it is.
      return answerFor(begun.answer, this.requestId) as ExecutionResult;
    }
    if (begun.kind === 'left') return { errors: [refusals.sharedAnswerTimedOut()] };
    let result: ExecutionResult;
    try {
      result = await run(args);
    } catch (error) {
      begun.done(undefined);
      throw error;
    }
    const errors = result.errors && pipeline.present(result.errors, this.requestId);
    begun.done({ result: { ...(result as FormattedExecutionResult), ...(errors ? { errors } : {}) } });
    return result;
  }

  /** A result to send (graphql-ws `next`): errors presented and logged. */
  answerResult(result: ExecutionResult | FormattedExecutionResult): FormattedExecutionResult {
    if (result.data !== undefined && result.data !== null) this.#hasData = true;
    if (this.#answered) {
      const shared = result as FormattedExecutionResult;
      this.#errors.push(...(shared.errors ?? []));
      return shared;
    }
    const errors = result.errors as readonly GraphQLError[] | undefined;
    if (!errors || errors.length === 0) return result as FormattedExecutionResult;
    const context = this.#contextFor(this.env.requestTimeoutMs);
    this.env.pipeline.reportErrors(errors, context);
    const presented = this.env.pipeline.present(errors, this.requestId);
    this.#errors.push(...presented);
    return { ...(result as FormattedExecutionResult), errors: presented };
  }

  /** Errors to send (graphql-ws `error`): presented; a refusal before execution ends the operation. */
  answerErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    const context = this.#contextFor(this.env.requestTimeoutMs);
    if (this.#executing) this.env.pipeline.reportErrors(errors, context);
    const presented = this.env.pipeline.present(errors, this.requestId, this.#stage);
    this.#errors.push(...presented);
    if (!this.#executing) this.end();
    return presented;
  }

  /** Ends the operation (idempotent): releases its context, writes its log line and metrics. */
  end(cancelled = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#release?.();
    this.env.pipeline.finish({
      transport: 'ws',
      context: this.#contextFor(this.env.requestTimeoutMs),
      startedAt: this.startedAt,
      name: this.#name,
      type: this.type,
      errors: this.#errors,
      hasData: this.#hasData,
      cancelled,
      ...(this.#documentHash !== undefined ? { documentHash: this.#documentHash } : {}),
    });
    if (this.#span) trace.getSpan(this.#span)?.end();
    this.onEnd(this);
  }

  #refuse(errors: GraphQLError[], stage: Stage = 'execution'): GraphQLError[] {
    this.#stage = stage;
    return errors;
  }

  /** The operation's context, made on first need with the budget of its type. */
  #contextFor(timeoutMs: number): GatewayContext {
    if (!this.#context) {
      this.#context = this.env.pipeline.createContext({
        requestId: this.requestId,
        principal: this.principal,
        logger: this.env.logger.child({ requestId: this.requestId }),
        timeoutMs,
        ...(this.remoteAddress !== undefined ? { remoteAddress: this.remoteAddress } : {}),
        ...this.#traceScope(),
        onEnd: (release) => {
          this.#release = release;
        },
      });
      // A context made only to log a refusal or a cut operation has nothing to wait for.
      if (this.#ended) this.#release?.();
    }
    return this.#context;
  }

  /** Traced: the trace the operation's context continues, its span's parent and start. */
  #traceScope(): { traceparent?: string; parent?: Context; startedAt?: number } {
    const span = this.#span && trace.getSpan(this.#span);
    if (!span) return {};
    return { traceparent: traceparentOf(span), parent: this.#span!, startedAt: this.startedAt };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

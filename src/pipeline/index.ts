/**
 * pipeline: what happens to one GraphQL operation between its arrival and its answer, the same for
 * every transport. HTTP (Apollo Server, through the adapter in ./apollo) and WebSocket (graphql-ws,
 * src/websocket) both call these stages; neither has a policy of its own.
 *
 *   1. admit      input depth bound (variables, extensions), then the document: persisted or
 *                 trusted documents (./documents)
 *   2. prepare    parse with the token limit, validate with the limits of ./limits (graphql-js
 *                 rules, introspection as configured); Apollo runs these very options and rules
 *   3. check      the operation resolved; what this transport may run (no subscription over
 *                 HTTP); its cost; then the client's rate limits (./admission, src/fleet/rate-limits),
 *                 counted once per operation before anything of it runs (HTTP 429 over the limit)
 *   4. context    principal, request id, deadline, logger, fresh loaders (src/context)
 *   5. execute    graphql-js, by Apollo or graphql-ws; a query may be answered without executing,
 *                 by an identical one in flight or from the response cache (./operation-dedupe)
 *   6. present    masking (src/errors), suggestions hidden when the schema is private, requestId
 *   7. finish     the operation's log line and metrics (./observe)
 *
 * Authentication is the transport's (once per HTTP request, once per WebSocket connection); scopes
 * are enforced inside execution, per field (src/auth/scopes).
 *
 * Traced (src/telemetry), stage 4 opens the operation's span (a child of the transport's server
 * span), the upstream calls of the operation hang below it, and stage 7 names and ends it; the
 * operation's log lines carry its trace_id and span_id.
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { context as otelContext, trace, type Context } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { GatewayConfig } from '../config';
import type { FleetEngine } from '../fleet/engine';
import { createContext, type ContextDependencies, type GatewayContext, type RequestScope } from '../context';
import { createErrorFormatter, ErrorCode, refusals, type ErrorFormatter, type GatewayError } from '../errors';
import type { RateLimits } from '../fleet/rate-limits';
import type { GatewayMetrics } from '../observability/metrics';
import { TELEMETRY_OFF, type Telemetry } from '../telemetry';
import { bindOperation, endOperationSpan, operationContext, startOperationSpan } from '../telemetry/spans';
import { invokeFields } from './admission';
import { DocumentPolicy, sha256Hex, type Manifest, type OperationRequest } from './documents';
import { exceedsDepth, tooDeep } from './input';
import { CostMeter, validationRules } from './limits';
import { SharedAnswers } from './operation-dedupe';
import { createResponseCache } from './response-cache';
import { outcomeOf, recordOperation, reportErrors, type FinishedOperation, type Transport } from './observe';

export type { OperationRequest } from './documents';
export type { FinishedOperation, Transport } from './observe';

export interface PipelineOptions {
  schema: GraphQLSchema;
  config: Pick<GatewayConfig, 'limits' | 'http'> & { fleet: Pick<GatewayConfig['fleet'], FleetSwitches> };
  manifest: Manifest | undefined;
  metrics: GatewayMetrics;
  contextDeps: ContextDependencies;
  telemetry?: Telemetry;
  /** The shared Redis, when configured: the response cache is the fleet's. */
  fleet?: FleetEngine | undefined;
  /** Identifies the credential the gateway calls the upstreams with (a hash): part of a shared answer's key. */
  credential?: string;
  /** Per-client rate limits (stage 3c); none: nothing is counted. */
  rateLimits?: RateLimits;
}

type FleetSwitches = 'operationDedupe' | 'responseCacheTtlMs';

/** What a transport knows of an operation when it asks for its context (stage 4). */
export interface PipelineScope extends RequestScope {
  /** Traced: the transport's server span, the operation span's parent. */
  parent?: Context;
  /** performance.now() when the operation arrived, when that was before its context. */
  startedAt?: number;
}

/** The stage an error comes from, when the error itself does not carry a code. */
export type Stage = 'parse' | 'validation' | 'execution';

const STAGE_CODES: Record<Exclude<Stage, 'execution'>, ErrorCode> = {
  parse: ErrorCode.GRAPHQL_PARSE_FAILED,
  validation: ErrorCode.GRAPHQL_VALIDATION_FAILED,
};

/** Documents kept parsed and validated (WebSocket; Apollo keeps its own). Long ones are not kept. */
const PREPARED_ENTRIES = 1_000;
const PREPARED_MAX_QUERY_LENGTH = 20_000;

export class OperationPipeline {
  readonly schema: GraphQLSchema;
  /** graphql-js parse options (the token limit). */
  readonly parseOptions: { maxTokens: number };
  /** Validation rules beyond graphql-js's specified rules (Apollo adds those itself). */
  readonly validationRules: ValidationRule[];
  readonly formatError: ErrorFormatter;
  readonly metrics: GatewayMetrics;
  /** The gateway's tracing; the transports make their server spans with it. */
  readonly telemetry: Telemetry;
  /** Stage 5, queries: answers shared by identical operations in flight, and the response cache. */
  readonly sharing: SharedAnswers;
  readonly #stopInvalidations: () => void;
  readonly #allRules: ValidationRule[];
  readonly #documents: DocumentPolicy;
  readonly #cost: CostMeter;
  readonly #maxInputDepth: number;
  readonly #contextDeps: ContextDependencies;
  readonly #rateLimits: RateLimits | undefined;
  readonly #prepared = new LRUCache<string, DocumentNode | readonly GraphQLError[]>({ max: PREPARED_ENTRIES });

  constructor(options: PipelineOptions) {
    const { limits, http } = options.config;
    this.schema = options.schema;
    this.metrics = options.metrics;
    this.telemetry = options.telemetry ?? TELEMETRY_OFF;
    this.parseOptions = { maxTokens: limits.maxTokens };
    this.validationRules = validationRules(limits, http.introspection);
    this.#allRules = [...specifiedRules, ...this.validationRules];
    // "Did you mean …?" would describe a schema that is not public.
    this.formatError = createErrorFormatter({ hideSuggestions: !http.introspection });
    this.#documents = new DocumentPolicy(options.manifest, http.persistedDocumentsOnly);
    this.#cost = new CostMeter(limits.maxCost);
    this.#maxInputDepth = limits.maxInputDepth;
    this.#contextDeps = options.contextDeps;
    const { operationDedupe, responseCacheTtlMs } = options.config.fleet;
    const metrics = options.metrics;
    const cache =
      responseCacheTtlMs > 0
        ? createResponseCache({
            ttlMs: responseCacheTtlMs,
            engine: options.fleet,
            onLookup: (outcome) => metrics.responseCacheLookups.inc({ outcome }),
            onInvalidated: (prefixes) => this.sharing.invalidated(prefixes),
          })
        : undefined;
    this.sharing = new SharedAnswers({
      dedupe: operationDedupe,
      cache,
      credential: options.credential ?? '',
      onFollow: (transport) => metrics.operationsDeduplicated.inc({ transport }),
    });
    // A write tells what it made stale before it answers (src/upstream/cloudfunctions/client).
    this.#stopInvalidations = this.sharing.active
      ? options.contextDeps.functions.onInvalidate((prefixes) => this.sharing.invalidate(prefixes))
      : () => undefined;
    this.#rateLimits = options.rateLimits;
  }

  /** Whether stage 1 resolves documents at all (a manifest, or trusted-only mode). */
  get resolvesDocuments(): boolean {
    return this.#documents.active;
  }

  /**
   * Stage 1: bounds the input, then picks the document. Returns the manifest document the request
   * names, or undefined when it runs its own `query`. Throws a 400 GatewayError.
   */
  admit(request: OperationRequest): string | undefined {
    const max = this.#maxInputDepth;
    if (exceedsDepth(request.variables, max)) throw tooDeep('The variables', max);
    if (exceedsDepth(request.extensions, max)) throw tooDeep('The extensions', max);
    return this.#documents.resolve(request);
  }

  /** Stage 2: the parsed, validated document, or its errors (coded by {@link present} with their stage). */
  prepare(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[]; stage: Stage } {
    const known = this.#prepared.get(query);
    if (known !== undefined)
      return Array.isArray(known) ? { errors: known, stage: 'validation' } : { document: known as DocumentNode };
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (error) {
      return {
        errors: [error instanceof GraphQLError ? error : new GraphQLError('The document is not valid GraphQL.')],
        stage: 'parse',
      };
    }
    const errors = validate(this.schema, document, this.#allRules);
    if (query.length <= PREPARED_MAX_QUERY_LENGTH) this.#prepared.set(query, errors.length > 0 ? errors : document);
    return errors.length > 0 ? { errors, stage: 'validation' } : { document };
  }

  /** Stage 3a (WebSocket; Apollo resolves it the same way): the operation the request runs. */
  resolveOperation(document: DocumentNode, operationName: unknown): OperationDefinitionNode | GatewayError {
    const name = typeof operationName === 'string' && operationName !== '' ? operationName : undefined;
    const operation = getOperationAST(document, name);
    if (operation) return operation;
    return name !== undefined ? refusals.unknownOperation(name) : refusals.ambiguousOperation();
  }

  /** Stage 3b, every transport: whether this transport may run the operation, and its cost. */
  checkOperation(check: {
    transport: Transport;
    document: DocumentNode;
    operation: OperationDefinitionNode | undefined;
    variables: Record<string, unknown> | undefined;
    /** The document's hash, when the transport knows it already. */
    documentKey?: string;
    query?: string;
  }): GatewayError | undefined {
    if (check.operation?.operation === 'subscription' && check.transport === 'http') {
      return refusals.subscriptionOverHttp();
    }
    return this.#cost.check({
      schema: this.schema,
      document: check.document,
      operationName: check.operation?.name?.value,
      variables: check.variables,
      documentKey: check.documentKey ?? sha256Hex(check.query ?? ''),
    });
  }

  /**
   * Stage 3c, every transport, once per operation that passed 3b: counts it, and its invokeAction
   * fields, against its caller's rate limits. The refusal (RATE_LIMITED, 429 with Retry-After), or
   * undefined.
   */
  async limit(check: {
    context: Pick<GatewayContext, 'principal' | 'caller'>;
    document: DocumentNode;
    operation: OperationDefinitionNode | undefined;
    variables: Record<string, unknown> | undefined;
  }): Promise<GatewayError | undefined> {
    if (!this.#rateLimits) return undefined;
    return this.#rateLimits.check({
      principal: check.context.principal,
      caller: check.context.caller.key,
      invokes: invokeFields(check.document, check.operation, check.variables),
    });
  }

  /** Stage 4: the context of one operation (traced: its span opens, see the header). */
  createContext(scope: PipelineScope): GatewayContext {
    const context = createContext(this.#contextDeps, scope);
    const tracer = this.telemetry.tracer;
    if (tracer)
      bindOperation(context.trace, startOperationSpan(tracer, scope.parent ?? otelContext.active(), scope.startedAt));
    return context;
  }

  /**
   * Stage 6: errors as a client receives them: masked, suggestions hidden as configured, the
   * stage's code on errors that have none, and the request id on every one.
   */
  present(errors: readonly GraphQLError[], requestId: string, stage: Stage = 'execution'): GraphQLFormattedError[] {
    return errors.map((error) => {
      const coded = withStageCode(error, stage);
      const formatted = this.formatError(coded.toJSON(), coded);
      // `http` is how a GatewayError tells Apollo its HTTP status: not for clients.
      const { http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions: { ...extensions, requestId } };
    });
  }

  /** Logs what clients do not see of these errors (./observe), in the operation's span. */
  reportErrors(errors: readonly GraphQLError[], context: GatewayContext): void {
    const traced = operationContext(context.trace);
    if (traced) otelContext.with(traced, reportErrors, undefined, errors, context);
    else reportErrors(errors, context);
  }

  /**
   * Stage 7: the log line and metrics of an operation that has ended; traced, its span is named
   * and ended (one is made now for an operation refused before it had a context).
   */
  finish(finished: FinishedOperation): void {
    const answered = this.sharing.answeredFrom(finished.context);
    const operation = answered ? { ...finished, answered } : finished;
    const tracer = this.telemetry.tracer;
    if (!tracer) return recordOperation(this.metrics, operation);
    const traced =
      operationContext(operation.context.trace) ??
      startOperationSpan(tracer, operation.parent ?? otelContext.active(), operation.startedAt);
    otelContext.with(traced, recordOperation, undefined, this.metrics, operation);
    endOperationSpan(trace.getSpan(traced)!, {
      transport: operation.transport,
      name: operation.name,
      type: operation.type,
      documentHash: operation.documentHash,
      outcome: outcomeOf(operation),
      upstreamCalls: operation.context.trace.upstreamCalls,
      errors: operation.errors,
    });
  }

  /** Stops listening for writes and to the fleet (the server's close). */
  close(): void {
    this.#stopInvalidations();
    this.sharing.close();
  }
}

/**
 * The code an error gets from its stage, as Apollo gives it over HTTP: every parse or validation
 * error carries that stage's code; a variable that does not coerce is BAD_USER_INPUT.
 */
function withStageCode(error: GraphQLError, stage: Stage): GraphQLError {
  if (stage !== 'execution') {
    return new GraphQLError(error.message, {
      nodes: error.nodes ?? null,
      source: error.source ?? null,
      positions: error.positions ?? null,
      extensions: { code: STAGE_CODES[stage] },
    });
  }
  if (error.extensions?.code === undefined && isBadVariableError(error)) {
    return new GraphQLError(error.message, {
      nodes: error.nodes ?? null,
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    });
  }
  return error;
}

/** graphql-js's errors for variables that do not coerce (the test Apollo uses). */
function isBadVariableError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const prefix = `Variable "$${node.variable.name.value}" `;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some((rest) =>
    error.message.startsWith(prefix + rest),
  );
}

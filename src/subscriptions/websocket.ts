/**
 * websocket: GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol), on the
 * same /graphql URL as queries (a WebSocket upgrade of GET /graphql).
 *
 * The same rules as over HTTP: the client authenticates once per connection (its `Authorization`
 * or `X-API-Key`, sent in `connectionParams` since browsers cannot set headers on a WebSocket, or
 * on the upgrade request); every operation is parsed with the token limit and validated with the
 * depth, alias and directive limits; scopes apply per field; errors are masked by the same rule.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebsocketHandler } from '@fastify/websocket';
import { parse, specifiedRules, validate, GraphQLError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { makeHandler } from 'graphql-ws/use/@fastify/websocket';
import type { Logger } from 'pino';
import type { Authenticator, Principal } from '../auth';
import { createContext, type ContextDependencies } from '../context';
import { ErrorCode, formatError, isGatewayError } from '../errors';
import { isTrusted, type Manifest } from '../persisted-documents';

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  contextDeps: ContextDependencies;
  validationRules: ValidationRule[];
  maxTokens: number;
  /** Budget of one subscription (it waits for runs): the longest wait plus a margin. */
  timeoutMs: number;
  /** Trusted-documents mode: only these documents may run. */
  trusted?: Manifest | undefined;
  logger: Logger;
}

interface ConnectionState {
  principal?: Principal;
}

/** Connection parameters as headers: only string values, names lower-cased. */
function headersFrom(params: Record<string, unknown> | undefined, upgrade: IncomingHttpHeaders): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...upgrade };
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * The masking rule of src/errors.ts, for errors sent over the socket. Errors before execution get
 * the code Apollo gives them over HTTP (`requestCode`: GRAPHQL_PARSE_FAILED or _VALIDATION_FAILED).
 */
function mask(errors: readonly GraphQLError[], requestCode?: string): GraphQLError[] {
  return errors.map((e) => {
    // Like Apollo over HTTP, every parse or validation error carries that stage's code.
    const coded = requestCode ? new GraphQLError(e.message, { nodes: e.nodes ?? null, extensions: { code: requestCode } }) : e;
    const formatted = formatError(coded.toJSON(), coded);
    return new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} });
  });
}

export function subscriptionHandler(options: SubscriptionServerOptions): WebsocketHandler {
  const states = new WeakMap<object, ConnectionState>();
  const stateOf = (extra: object): ConnectionState => {
    let state = states.get(extra);
    if (!state) {
      state = {};
      states.set(extra, state);
    }
    return state;
  };

  return makeHandler({
    schema: options.schema,
    async onConnect(ctx) {
      const state = stateOf(ctx.extra);
      try {
        state.principal = await options.authenticator.authenticate(headersFrom(ctx.connectionParams, ctx.extra.request.headers));
      } catch (error) {
        options.logger.info({ reason: isGatewayError(error) ? error.code : 'error' }, 'subscription connection refused');
        return false; // graphql-ws closes with 4403 Forbidden
      }
      return true;
    },
    async onSubscribe(ctx, _id, payload) {
      const state = stateOf(ctx.extra);
      if ('trusted' in options && !isTrusted(options.trusted, payload.query)) {
        return [new GraphQLError('Only trusted operations are accepted.', { extensions: { code: ErrorCode.PERSISTED_QUERY_REQUIRED } })];
      }
      let document;
      try {
        document = parse(payload.query, { maxTokens: options.maxTokens });
      } catch (error) {
        return mask([error instanceof GraphQLError ? error : new GraphQLError('The document is not valid GraphQL.')], 'GRAPHQL_PARSE_FAILED');
      }
      const errors = validate(options.schema, document, [...specifiedRules, ...options.validationRules]);
      if (errors.length > 0) return mask(errors, 'GRAPHQL_VALIDATION_FAILED');
      const requestId = randomUUID();
      const contextValue = createContext(options.contextDeps, {
        requestId,
        logger: options.logger.child({ requestId, principal: state.principal!.id }),
        principal: state.principal!,
        timeoutMs: options.timeoutMs,
        onEnd: (end) => ctx.extra.socket.once('close', end),
      });
      return {
        schema: options.schema,
        document,
        contextValue,
        ...(payload.variables ? { variableValues: payload.variables } : {}),
        ...(payload.operationName ? { operationName: payload.operationName } : {}),
      };
    },
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors || result.errors.length === 0) return result;
      return { ...result, errors: mask(result.errors) };
    },
    onError(_ctx, _id, _payload, errors) {
      return mask(errors);
    },
  });
}

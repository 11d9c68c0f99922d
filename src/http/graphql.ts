/**
 * http/graphql: the /graphql routes. GET and POST run GraphQL over HTTP through Apollo Server; a
 * WebSocket upgrade of GET goes to graphql-ws (src/websocket). Before Apollo sees a request, its
 * preHandler authenticates the client (401 or 503 in the error envelope, logged at warn with the
 * reason and never the credential) and runs the pipeline's first stage (input bound, persisted and
 * trusted documents), handing Apollo the document a `documentId` names. Traced, both run in the
 * request's server span (./tracing), the operation's parent.
 */
import type { ApolloServer } from '@apollo/server';
import type { Context } from '@opentelemetry/api';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthFailure, type Authenticator, type Principal } from '../auth';
import type { GatewayContext } from '../context';
import { ErrorCode, errorEnvelope, GatewayError, isGatewayError } from '../errors';
import type { GatewayMetrics } from '../observability/metrics';
import { startTrace } from '../observability/tracing';
import type { OperationPipeline, OperationRequest } from '../pipeline';
import type { GraphQLWebSocketServer } from '../websocket/server';
import { inRequestSpan, requestSpanContext, requestTraceparent } from './tracing';

export const GRAPHQL_PATH = '/graphql';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the preHandler has authenticated the request. */
    principal: Principal | null;
  }
}

export interface GraphQLRouteOptions {
  apollo: ApolloServer<GatewayContext>;
  pipeline: OperationPipeline;
  authenticator: Authenticator;
  websocket: GraphQLWebSocketServer;
  metrics: GatewayMetrics;
}

/** The operation request of a GET (its query string) or a POST (its JSON body). */
function operationRequestOf(request: FastifyRequest, url: URL | undefined): OperationRequest {
  if (url) {
    const params = url.searchParams;
    const json = (name: string) => {
      const raw = params.get(name);
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw; // Apollo answers what is wrong with it
      }
    };
    return {
      query: params.get('query') ?? undefined,
      documentId: params.get('documentId') ?? undefined,
      extensions: json('extensions'),
      variables: json('variables'),
    };
  }
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as OperationRequest) : {};
}

function sendFailure(reply: FastifyReply, error: GatewayError) {
  const http = error.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
  for (const [name, value] of http?.headers ?? []) reply.header(name, value);
  return reply
    .code(http?.status ?? 400)
    .type('application/json; charset=utf-8')
    .send(
      errorEnvelope(
        error.code,
        error.message,
        reply.request.id,
        error.extensions.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: error.extensions.retryAfterSeconds }
          : {},
      ),
    );
}

/** The trace an operation continues: the request's server span when traced, else the client's `traceparent`. */
function traceScope(request: FastifyRequest): { traceparent?: string | string[]; parent?: Context } {
  const parent = requestSpanContext(request);
  const traceparent = requestTraceparent(request);
  return { ...(traceparent ? { traceparent } : {}), ...(parent ? { parent } : {}) };
}

export function registerGraphQLRoutes(app: FastifyInstance, options: GraphQLRouteOptions): void {
  const { apollo, pipeline, authenticator, websocket, metrics } = options;
  app.decorateRequest('principal', null);

  const authenticate = async (request: FastifyRequest): Promise<Principal> => {
    try {
      return await authenticator.authenticate(request.headers);
    } catch (error) {
      if (error instanceof AuthFailure) {
        const unavailable = error.code === ErrorCode.AUTH_UNAVAILABLE;
        metrics.authFailures.inc({ outcome: unavailable ? 'unavailable' : 'unauthenticated', transport: 'http' });
        request.log.warn(
          { transport: 'http', code: error.code, reason: error.reason },
          'request refused: credential not accepted',
        );
      }
      throw error;
    }
  };

  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (request.ws) return websocket.checkUpgrade(request, reply);
    if (request.method === 'OPTIONS') return undefined;
    const isGet = request.method === 'GET';
    if (isGet && !request.raw.url?.includes('?')) return undefined; // the playground page: no operation
    const startedAt = performance.now();
    let operation: OperationRequest = {};
    try {
      request.principal = await authenticate(request);
      const url = isGet ? new URL(request.raw.url ?? '/', 'http://gateway') : undefined;
      operation = operationRequestOf(request, url);
      const document = pipeline.admit(operation);
      if (document === undefined) return undefined;
      // Hand Apollo the document itself.
      if (url) {
        url.searchParams.delete('documentId');
        url.searchParams.set('query', document);
        request.raw.url = `${url.pathname}?${url.searchParams.toString()}`;
      } else {
        const body = request.body as Record<string, unknown>;
        delete body.documentId;
        body.query = document;
      }
      return undefined;
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      if (request.principal) {
        // Refused by the pipeline's first stage: still an operation, with its log line.
        pipeline.finish({
          transport: 'http',
          context: {
            logger: request.log as GatewayContext['logger'],
            principal: request.principal,
            trace: startTrace(requestTraceparent(request)),
          },
          startedAt,
          parent: requestSpanContext(request),
          name: typeof operation.operationName === 'string' ? operation.operationName : undefined,
          type: undefined,
          errors: [{ message: error.message, extensions: { code: error.code } }],
          hasData: false,
        });
      }
      return sendFailure(reply, error);
    }
  };

  const handler = fastifyApolloHandler(apollo, {
    context: async (request, reply) =>
      pipeline.createContext({
        requestId: request.id,
        // Fastify's request logger already carries the request id; the principal goes on the lines
        // that need it (see src/pipeline/observe) rather than into a child logger per request.
        logger: request.log as GatewayContext['logger'],
        // A request that skipped the preHandler's check (the page URL without `text/html`) is
        // authenticated here; a failure then leaves through Apollo, in the same envelope.
        principal: request.principal ?? (await authenticate(request)),
        // 'close' follows the end of every response, sent or cut off.
        onEnd: (end) => reply.raw.once('close', end),
        // An anonymous client's rate limits are its address's.
        remoteAddress: request.ip,
        ...traceScope(request),
      }),
  });
  const traced = pipeline.telemetry.tracer !== undefined;
  const routeHandler = traced ? inRequestSpan(handler) : handler;
  const preHandler = traced ? inRequestSpan(admit) : admit;
  app.route({ url: GRAPHQL_PATH, method: 'GET', handler: routeHandler, wsHandler: websocket.handler, preHandler });
  app.route({ url: GRAPHQL_PATH, method: ['POST', 'OPTIONS'], handler: routeHandler, preHandler });
}

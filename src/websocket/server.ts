/**
 * websocket: GraphQL over WebSocket (graphql-ws, protocol `graphql-transport-ws`) on the /graphql
 * URL, for subscriptions and for queries and mutations alike. The protocol is graphql-ws's own
 * (`makeServer`); the socket plumbing is ours, so that every bound is the gateway's:
 *
 *   - the upgrade: Origin checked (src/http/guards) before the socket opens, 403 otherwise;
 *   - connections: GATEWAY_WS_MAX_CONNECTIONS in the process and
 *     GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT per principal (per remote address when anonymous or
 *     not yet authenticated); over either, the socket closes with 1013 (try again later);
 *   - authentication once per connection (`connectionParams`, or the upgrade's headers), the same
 *     authenticator as HTTP; a credential that expires retires the socket (4403);
 *   - operations: GATEWAY_WS_MAX_OPERATIONS_PER_CONNECTION in flight at once (RATE_LIMITED beyond),
 *     each through the one pipeline (./operation), with HTTP's deadline for queries and mutations;
 *   - slow readers, keep-alive, maximum lifetime, shutdown: ./connection;
 *   - socket errors (an oversized frame, a broken client) are logged as JSON lines, at warn, with
 *     their code and never a stack trace; ws itself closes such sockets (1009 for a frame too big);
 *   - traced (src/telemetry): a server span per operation, execution in its span (./tracing).
 */
import type { IncomingHttpHeaders } from 'node:http';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { execute } from 'graphql';
import { handleProtocols, makeServer, type Context } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { AuthFailure, type Authenticator, type Principal } from '../auth';
import type { GatewayConfig } from '../config';
import { ErrorCode, refusals } from '../errors';
import { sendError } from '../http/errors';
import { isAllowedOrigin } from '../http/guards';
import type { GatewayMetrics } from '../observability/metrics';
import type { OperationPipeline, OperationRequest } from '../pipeline';
import { CLOSE, Connection, type CloseReason } from './connection';
import { WsOperation, type OperationEnv } from './operation';
import { tracedExecution } from './tracing';

/** A subscription's budget beyond its longest wait for a run. */
const SUBSCRIPTION_MARGIN_MS = 30_000;

export interface WebSocketServerOptions {
  pipeline: OperationPipeline;
  authenticator: Authenticator;
  config: Pick<GatewayConfig, 'websocket' | 'requestTimeoutMs' | 'subscriptions' | 'http'>;
  logger: Logger;
  metrics: GatewayMetrics;
}

type Extra = { connection: Connection; request: FastifyRequest };

/** Connection parameters as headers: only string values, names lower-cased. */
function headersFrom(params: Record<string, unknown> | undefined, upgrade: IncomingHttpHeaders): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...upgrade };
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return headers;
}

export class GraphQLWebSocketServer {
  readonly #opts: WebSocketServerOptions;
  readonly #connections = new Set<Connection>();
  readonly #perClient = new Map<string, number>();
  readonly #bySocket = new WeakMap<WebSocket, Connection>();
  /** Operations about to execute, by their context (graphql-ws's `execute` is given only the args). */
  readonly #executing = new WeakMap<object, WsOperation>();
  readonly #protocol: ReturnType<typeof makeServer<Record<string, unknown>, Extra>>;
  readonly #env: OperationEnv;
  #liveSubscriptions = 0;
  #allClosed: (() => void) | undefined;
  readonly #stopWatchingKeys: (() => void) | undefined;

  constructor(options: WebSocketServerOptions) {
    this.#opts = options;
    const { config } = options;
    this.#env = {
      pipeline: options.pipeline,
      logger: options.logger,
      requestTimeoutMs: config.requestTimeoutMs,
      subscriptionTimeoutMs: config.subscriptions.maxWaitMs + SUBSCRIPTION_MARGIN_MS,
    };
    this.#protocol = this.#makeProtocol();
    this.#stopWatchingKeys = options.authenticator.onKeysWithdrawn?.((ids) => this.#retireWithdrawn(ids));
    options.metrics.sample('connections', () => this.#connections.size);
    options.metrics.sample('subscriptions', () => this.#liveSubscriptions);
  }

  get connections(): number {
    return this.#connections.size;
  }

  /**
   * Installs @fastify/websocket on the app, with this server's protocol negotiation, socket error
   * handling and closing. Messages are bounded to `maxPayload` bytes (ws closes with 1009 beyond).
   */
  async register(app: FastifyInstance, maxPayload: number): Promise<void> {
    await app.register(websocket, {
      options: { maxPayload, handleProtocols },
      errorHandler: (error, socket) => this.onSocketError(error, socket),
      // close() has retired (and closed) the sockets by then; any left are told why.
      preClose(done) {
        for (const client of this.websocketServer.clients) client.close(CLOSE.SHUTDOWN.code, CLOSE.SHUTDOWN.reason);
        this.websocketServer.close(() => done());
      },
    });
  }

  /**
   * For the upgrade request, before the socket opens (a Fastify preHandler): refuses, with 403 in
   * the error envelope, an Origin that may not open a socket.
   */
  checkUpgrade = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (isAllowedOrigin(request.headers.origin, request.headers.host, this.#opts.config.http.corsOrigins))
      return undefined;
    this.#opts.metrics.wsRefused.inc({ reason: 'origin' });
    request.log.warn({ origin: request.headers.origin }, 'WebSocket upgrade refused: origin not allowed');
    return sendError(
      reply,
      403,
      ErrorCode.FORBIDDEN,
      'This origin may not open a WebSocket to the gateway (see GATEWAY_CORS_ORIGINS).',
    );
  };

  /** The @fastify/websocket handler of an opened socket. */
  handler = (socket: WebSocket, request: FastifyRequest): void => {
    const { websocket } = this.#opts.config;
    const connection = new Connection(
      socket,
      request.ip,
      { maxOperations: websocket.maxOperationsPerConnection, maxBufferedBytes: websocket.maxBufferedBytes },
      (slow) => {
        this.#opts.metrics.wsRefused.inc({ reason: 'slow_reader' });
        this.#opts.logger.warn(
          { connectionId: slow.id, principal: slow.principal?.id },
          'WebSocket closed: the client is not reading',
        );
      },
    );
    socket.once('close', (code) => this.#closed(connection, code));
    this.#bySocket.set(socket, connection);
    this.#connections.add(connection);
    this.#count(connection.clientKey, +1);
    if (this.#connections.size > websocket.maxConnections) return this.#refuse(connection, CLOSE.BUSY, 'connections');
    if (this.#countOf(connection.clientKey) > websocket.maxConnectionsPerClient)
      return this.#refuse(connection, CLOSE.CLIENT_BUSY, 'client_connections');
    connection.after(websocket.maxLifetimeMs, () =>
      connection.retire(CLOSE.LIFETIME, undefined, this.#opts.config.requestTimeoutMs),
    );

    const closed = this.#protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) => connection.send(data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data: Buffer) => {
            cb(String(data)).catch((error: unknown) => {
              this.#opts.logger.error({ connectionId: connection.id, err: error }, 'WebSocket message failed');
              socket.close(4500, 'Internal server error');
            });
          }),
      },
      { connection, request },
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  };

  /** An error on an upgraded socket, before or after the handler (for @fastify/websocket). */
  onSocketError = (error: Error & { code?: string }, socket: WebSocket): void => {
    const connection = this.#bySocket.get(socket);
    this.#opts.logger.warn(
      { ...(connection ? { connectionId: connection.id } : {}), code: error.code ?? error.name },
      'WebSocket error',
    );
    socket.terminate();
  };

  /**
   * Shutdown: every socket stops taking operations, lets its queries and mutations finish, then
   * closes with 1001. Resolves when every socket has closed.
   */
  async close(graceMs: number): Promise<void> {
    this.#stopWatchingKeys?.();
    if (this.#connections.size === 0) return;
    const done = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
    });
    for (const connection of this.#connections) connection.retire(CLOSE.SHUTDOWN, refusals.shuttingDown(), graceMs);
    await done;
  }

  /**
   * API keys removed from the keys file (a reload): their open sockets stop taking operations, let
   * those in flight finish, and close with 4403, as for an expired credential.
   */
  #retireWithdrawn(ids: ReadonlySet<string>): void {
    for (const connection of this.#connections) {
      const { principal } = connection;
      if (principal?.kind !== 'apikey' || !ids.has(principal.id)) continue;
      this.#opts.logger.info(
        { connectionId: connection.id, principal: principal.id },
        'WebSocket retired: its API key was revoked',
      );
      connection.retire(CLOSE.REVOKED, refusals.credentialRevoked(), this.#opts.config.requestTimeoutMs);
    }
  }

  /** Cuts every socket at once (the shutdown grace is over). */
  terminateAll(): void {
    for (const connection of this.#connections) connection.socket.terminate();
  }

  #makeProtocol() {
    const traced = this.#opts.pipeline.telemetry.tracer ? tracedExecution() : undefined;
    const run = traced?.execute ?? execute;
    return makeServer<Record<string, unknown>, Extra>({
      schema: this.#opts.pipeline.schema,
      ...traced,
      // A query may share an identical one's answer (./operation, src/pipeline/operation-dedupe).
      execute: (args) => this.#executing.get(args.contextValue as object)?.execute(args, run) ?? run(args),
      onConnect: (ctx) => this.#authenticate(ctx),
      onSubscribe: async (ctx, id, payload) => {
        const { connection } = ctx.extra;
        const operation = new WsOperation(
          id,
          connection.principal!,
          this.#env,
          (ended) => this.#operationEnded(connection, ended),
          ctx.extra.request.headers,
          connection.remoteAddress,
        );
        const refusal = this.#refusalFor(connection);
        connection.operations.set(id, operation);
        const started = await operation.start(payload as OperationRequest, refusal);
        if (operation.isLiveSubscription) this.#liveSubscriptions += 1;
        if (!(id in ctx.subscriptions)) {
          // Completed by the client, or its socket closed, while it was admitted (the rate limits
          // wait for Redis): nothing runs, and graphql-ws sends nothing more for it.
          operation.end(true);
          return [refusals.cancelledBeforeRun()];
        }
        if (!Array.isArray(started)) this.#executing.set(started.contextValue as object, operation);
        return started;
      },
      onNext: (ctx, id, _payload, _args, result) =>
        ctx.extra.connection.operations.get(id)?.answerResult(result) ?? result,
      onError: (ctx, id, _payload, errors) =>
        ctx.extra.connection.operations.get(id)?.answerErrors(errors) ?? errors.map((e) => e.toJSON()),
      onComplete: (ctx, id) => ctx.extra.connection.operations.get(id)?.end(),
    });
  }

  /** Why a new operation on this socket is refused now, if it is. */
  #refusalFor(connection: Connection) {
    if (connection.refusal) return connection.refusal;
    const expiresAt = connection.principal?.expiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt) return refusals.credentialExpired();
    if (connection.operations.size >= connection.bounds.maxOperations) {
      this.#opts.metrics.wsRefused.inc({ reason: 'operations' });
      return refusals.tooManyOperations(connection.bounds.maxOperations);
    }
    return undefined;
  }

  async #authenticate(ctx: Context<Record<string, unknown>, Extra>): Promise<boolean> {
    const { connection, request } = ctx.extra;
    let principal: Principal;
    try {
      principal = await this.#opts.authenticator.authenticate(headersFrom(ctx.connectionParams, request.headers));
    } catch (error) {
      const failure = error instanceof AuthFailure ? error : undefined;
      const unavailable = failure?.code === ErrorCode.AUTH_UNAVAILABLE;
      this.#opts.metrics.authFailures.inc({
        outcome: unavailable ? 'unavailable' : 'unauthenticated',
        transport: 'ws',
      });
      this.#opts.logger.warn(
        {
          connectionId: connection.id,
          transport: 'ws',
          code: failure?.code ?? 'error',
          reason: failure?.reason ?? 'error',
        },
        'WebSocket connection refused: credential not accepted',
      );
      if (unavailable) connection.close(CLOSE.AUTH_UNAVAILABLE);
      return false; // graphql-ws closes with 4403 Forbidden (unless closed above)
    }
    connection.principal = principal;
    if (principal.kind !== 'anonymous') {
      this.#count(connection.clientKey, -1);
      connection.clientKey = `${principal.kind} ${principal.id}`;
      this.#count(connection.clientKey, +1);
      if (this.#countOf(connection.clientKey) > this.#opts.config.websocket.maxConnectionsPerClient) {
        this.#opts.metrics.wsRefused.inc({ reason: 'client_connections' });
        connection.close(CLOSE.CLIENT_BUSY);
        return false;
      }
    }
    if (principal.expiresAt !== undefined) {
      const left = Math.max(0, principal.expiresAt - Date.now());
      // Past the lifetime the socket retires anyway (and a timer cannot wait beyond ~24 days).
      if (left < this.#opts.config.websocket.maxLifetimeMs) {
        connection.after(left, () =>
          connection.retire(CLOSE.EXPIRED, refusals.credentialExpired(), this.#opts.config.requestTimeoutMs),
        );
      }
    }
    return true;
  }

  #refuse(connection: Connection, close: CloseReason, reason: string): void {
    this.#opts.metrics.wsRefused.inc({ reason });
    this.#opts.logger.warn(
      { connectionId: connection.id, remoteAddress: connection.remoteAddress, reason },
      'WebSocket connection refused',
    );
    connection.close(close);
  }

  #operationEnded(connection: Connection, operation: WsOperation): void {
    if (connection.operations.get(operation.id) === operation) connection.operations.delete(operation.id);
    if (operation.type === 'subscription' && operation.executed) this.#liveSubscriptions -= 1;
    connection.operationEnded();
  }

  #closed(connection: Connection, code: number): void {
    if (!this.#connections.delete(connection)) return;
    this.#count(connection.clientKey, -1);
    connection.closedNow();
    this.#opts.metrics.wsClosed.inc({ code: String(code) });
    this.#opts.logger.info(
      {
        connectionId: connection.id,
        principal: connection.principal?.id ?? null,
        code,
        durationMs: Date.now() - connection.openedAt,
      },
      'WebSocket closed',
    );
    if (this.#connections.size === 0) this.#allClosed?.();
  }

  #count(key: string, delta: number): void {
    const next = (this.#perClient.get(key) ?? 0) + delta;
    if (next <= 0) this.#perClient.delete(key);
    else this.#perClient.set(key, next);
  }

  #countOf(key: string): number {
    return this.#perClient.get(key) ?? 0;
  }
}

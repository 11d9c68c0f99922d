/**
 * connection: one open WebSocket and its bounds.
 *
 *   - keep-alive: a ping every {@link KEEPALIVE_MS}; a socket that does not answer is terminated;
 *   - slow readers: a send while more than GATEWAY_WS_MAX_BUFFERED_BYTES are still unsent closes
 *     the socket (the client is not reading; buffering for it would grow without bound);
 *   - retirement: at its maximum lifetime, when its credential expires or is revoked, or when the gateway shuts
 *     down, a socket stops taking new operations (where that is asked), lets its queries and
 *     mutations in flight finish, then closes with a code that tells the client what to do.
 *     Subscriptions are not completed: the client re-subscribes after reconnecting.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth';
import type { GatewayError } from '../errors';
import type { WsOperation } from './operation';

export const KEEPALIVE_MS = 12_000;

/** Close codes the gateway sends, and what a client should do (graphql-ws retries the non-fatal ones). */
export const CLOSE = {
  /** Normal closure: the connection's lifetime is over; reconnect if you still need it. */
  LIFETIME: { code: 1000, reason: 'Connection lifetime reached; reconnect' },
  /** Going away: this gateway is shutting down; reconnect (to another replica). */
  SHUTDOWN: { code: 1001, reason: 'The gateway is shutting down' },
  /** Policy violation: the client stopped reading its answers. */
  SLOW_READER: { code: 1008, reason: 'Too many unsent bytes: the client is not reading' },
  /** Try again later: too many connections, in the process or for this client. */
  BUSY: { code: 1013, reason: 'The gateway has too many connections; try again later' },
  CLIENT_BUSY: { code: 1013, reason: 'Too many connections for this client; try again later' },
  AUTH_UNAVAILABLE: { code: 1013, reason: 'The identity provider is unavailable; try again later' },
  /** Forbidden (graphql-ws's code): the credential expired; reconnect with a fresh one. */
  EXPIRED: { code: 4403, reason: 'The credential has expired' },
  /** Forbidden: the API key was revoked (removed from the keys file); reconnect with another. */
  REVOKED: { code: 4403, reason: 'The credential has been revoked' },
} as const;

export type CloseReason = (typeof CLOSE)[keyof typeof CLOSE];

export interface ConnectionBounds {
  maxOperations: number;
  maxBufferedBytes: number;
}

interface Retirement {
  close: CloseReason;
  /** Why new operations are refused meanwhile; absent: they are still taken. */
  refusal: GatewayError | undefined;
}

export class Connection {
  readonly id = randomUUID();
  readonly openedAt = Date.now();
  /** Until authentication: the remote address; then the principal (unless anonymous). */
  clientKey: string;
  principal: Principal | undefined;
  readonly operations = new Map<string, WsOperation>();
  #retirement: Retirement | undefined;
  #closed = false;
  #alive = true;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly remoteAddress: string,
    readonly bounds: ConnectionBounds,
    private readonly onSlowReader: (connection: Connection) => void,
  ) {
    this.clientKey = `address ${remoteAddress}`;
    socket.on('pong', () => {
      this.#alive = true;
    });
    this.#every(KEEPALIVE_MS, () => {
      if (!this.#alive) return socket.terminate();
      this.#alive = false;
      socket.ping();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why new operations are refused, when they are. */
  get refusal(): GatewayError | undefined {
    return this.#retirement?.refusal;
  }

  /** Runs `task` after `ms`, unless the socket closed first. */
  after(ms: number, task: () => void): void {
    const timer = setTimeout(task, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /**
   * Sends one message. Never rejects: a socket that is gone, or whose client is not reading
   * (too many unsent bytes), drops it (the latter is closed).
   */
  send(data: string): Promise<void> {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return Promise.resolve();
    // What is still unsent from before: one answer larger than the bound may go to a client that reads.
    if (socket.bufferedAmount > this.bounds.maxBufferedBytes) {
      this.onSlowReader(this);
      // Its close frame could not be delivered either: the socket is cut.
      socket.terminate();
      return Promise.resolve();
    }
    return new Promise((resolve) => socket.send(data, () => resolve()));
  }

  close(reason: CloseReason): void {
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
      this.socket.close(reason.code, reason.reason);
    }
  }

  /**
   * Starts retiring (see the header); the first retirement wins. `hardAfterMs` bounds how long
   * the operations in flight may hold the socket open.
   */
  retire(close: CloseReason, refusal: GatewayError | undefined, hardAfterMs: number): void {
    if (this.#retirement || this.#closed) return;
    this.#retirement = { close, refusal };
    this.after(hardAfterMs, () => this.close(close));
    this.operationEnded();
  }

  /**
   * An operation ended: a retiring socket closes once none holds it, on a later turn, so that the
   * operation's last messages (graphql-ws sends `complete` after it hears of the end) go first.
   */
  operationEnded(): void {
    if (!this.#retirement) return;
    for (const operation of this.operations.values()) if (operation.holdsSocket) return;
    const { close } = this.#retirement;
    setImmediate(() => {
      for (const operation of this.operations.values()) if (operation.holdsSocket) return;
      this.close(close);
    });
  }

  /** The socket closed: timers stop and every operation still in flight is cut. */
  closedNow(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const operation of [...this.operations.values()]) operation.end(true);
  }
}

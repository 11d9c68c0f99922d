/**
 * Fault-injecting HTTP proxy on loopback, for the harness's `proxy` option: it sits between the
 * gateway and the Cloud Functions emulator, forwards every request unchanged (method, raw path and
 * query, headers, body) and relays the answer, unless a fault is scheduled for that request.
 *
 *   const slot = captureFaultProxy();
 *   const h = await startHarness({ proxy: slot.factory });
 *   slot.proxy.next(status(503));          // the next request gets a 503, later ones are forwarded
 *   slot.proxy.always(stallHeaders());     // every request stalls until cleared or closed
 *   slot.proxy.requests / slot.proxy.forwarded  // what the gateway sent, what reached the emulator
 *
 * Everything it opens (sockets in both directions, timers) is released by close(), so nothing keeps
 * jest from exiting.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  /** Forward unchanged (the default when nothing is scheduled). */
  | { kind: 'forward' }
  /** Accept the request and never answer (until the client gives up or the proxy closes). */
  | { kind: 'stallHeaders' }
  /** Send the status, the headers and the start of a JSON body, then stall. */
  | { kind: 'stallBody'; status: number; partialBody: string }
  /** Destroy the socket with a TCP reset, without answering. */
  | { kind: 'reset' }
  /** Answer directly, without forwarding. */
  | { kind: 'status'; status: number; body: string; headers: Record<string, string> }
  /** Wait, then apply `then` (forward by default). Skipped if the client left meanwhile. */
  | { kind: 'delay'; ms: number; then: Fault }
  /** Forward (the upstream does the work), read its whole answer, and never relay it. */
  | { kind: 'stallAfterForward' };

export const forward = (): Fault => ({ kind: 'forward' });
export const stallHeaders = (): Fault => ({ kind: 'stallHeaders' });
export const stallBody = (status = 200, partialBody = '{"content":[{"name":"pack'): Fault => ({
  kind: 'stallBody',
  status,
  partialBody,
});
export const reset = (): Fault => ({ kind: 'reset' });
export const delay = (ms: number, then: Fault = forward()): Fault => ({ kind: 'delay', ms, then });
export const stallAfterForward = (): Fault => ({ kind: 'stallAfterForward' });

/** A direct answer; an object body is sent as JSON. */
export function status(code: number, body: unknown = '', headers: Record<string, string> = {}): Fault {
  const isText = typeof body === 'string';
  const text = isText ? body : JSON.stringify(body);
  const type: Record<string, string> = isText ? {} : { 'content-type': 'application/json; charset=utf-8' };
  return { kind: 'status', status: code, body: text, headers: { ...type, ...headers } };
}

/** An NCP error envelope, `{"error":{"errorCode","message","details"}}`. */
export function ncpErrorBody(errorCode: string, message: string, details?: string): unknown {
  return { error: { errorCode, message, ...(details !== undefined ? { details } : {}) } };
}

export interface ProxiedRequest {
  method: string;
  /** Raw request-target as received: path and query, still percent-encoded. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Epoch ms at arrival. */
  at: number;
  /** The fault applied (`forward` when none). */
  fault: Fault['kind'];
}

/** Picks which requests a scheduled fault applies to (default: all). */
export type RequestMatcher = (req: { method: string; path: string }) => boolean;

export interface FaultProxy {
  /** Origin to give the gateway, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Every request that arrived, in order. */
  readonly requests: ProxiedRequest[];
  /** How many requests were sent on to the upstream. */
  readonly forwarded: number;
  /** Applies `fault` to the next `times` matching requests (default 1); queued after earlier ones. */
  next(fault: Fault, times?: number, match?: RequestMatcher): void;
  /** Applies `fault` to every matching request that no `next` entry claims. */
  always(fault: Fault, match?: RequestMatcher): void;
  /** Drops every scheduled fault: requests are forwarded again. */
  clear(): void;
  /** Forgets recorded requests and the forwarded count. */
  resetRecords(): void;
  /** Destroys every socket, clears every timer, closes the listener. */
  close(): Promise<void>;
}

interface Scheduled {
  fault: Fault;
  remaining: number;
  match: RequestMatcher;
}

const everything: RequestMatcher = () => true;

/** The proxy's state and its steps; {@link startFaultProxy} makes one and listens. */
class FaultProxyServer implements FaultProxy {
  url = '';
  readonly requests: ProxiedRequest[] = [];
  #forwarded = 0;
  #closed = false;
  readonly #target: URL;
  readonly #queue: Scheduled[] = [];
  #standing: { fault: Fault; match: RequestMatcher } | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #outgoing = new Set<http.ClientRequest>();
  // No keep-alive towards the upstream: nothing idles after a test.
  readonly #agent = new http.Agent({ keepAlive: false });
  readonly #server = http.createServer((req, res) => this.#receive(req, res));

  constructor(origin: string) {
    this.#target = new URL(origin);
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    // A reset or a client that leaves mid-request is expected here, not an error.
    this.#server.on('clientError', (_err, socket) => socket.destroy());
  }

  get forwarded(): number {
    return this.#forwarded;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  next(fault: Fault, times = 1, match: RequestMatcher = everything): void {
    this.#queue.push({ fault, remaining: times, match });
  }

  always(fault: Fault, match: RequestMatcher = everything): void {
    this.#standing = { fault, match };
  }

  clear(): void {
    this.#queue.length = 0;
    this.#standing = undefined;
  }

  resetRecords(): void {
    this.requests.length = 0;
    this.#forwarded = 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const up of this.#outgoing) up.destroy();
    this.#outgoing.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #receive(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = this.#pick(method, path);
      this.requests.push({ method, path, headers: req.headers, body: body.toString('utf8'), at, fault: fault.kind });
      this.#apply(fault, req, res, body);
    });
  }

  #pick(method: string, path: string): Fault {
    const i = this.#queue.findIndex((s) => s.match({ method, path }));
    if (i >= 0) {
      const entry = this.#queue[i]!;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.#queue.splice(i, 1);
      return entry.fault;
    }
    if (this.#standing && this.#standing.match({ method, path })) return this.#standing.fault;
    return forward();
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #apply(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (this.#closed) return;
    switch (fault.kind) {
      case 'forward':
        return this.#sendUpstream(
          req,
          body,
          (up, answer) => relay(res, up, answer),
          () => res.destroy(),
        );
      case 'stallHeaders':
        return;
      case 'stallBody':
        res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8' });
        res.write(fault.partialBody);
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'status':
        res.writeHead(fault.status, { ...fault.headers, 'content-length': String(Buffer.byteLength(fault.body)) });
        res.end(fault.body);
        return;
      case 'delay':
        return this.#later(fault.ms, () => {
          if (!res.destroyed && !req.socket.destroyed) this.#apply(fault.then, req, res, body);
        });
      case 'stallAfterForward':
        return this.#sendUpstream(
          req,
          body,
          () => undefined,
          () => undefined,
        );
    }
  }

  /** Sends the request on; calls back with the upstream's answer, its body fully read. */
  #sendUpstream(
    req: http.IncomingMessage,
    body: Buffer,
    onAnswer: (res: http.IncomingMessage, answer: Buffer) => void,
    onError: () => void,
  ): void {
    this.#forwarded += 1;
    const target = this.#target;
    const up = http.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, connection: 'close' },
      agent: this.#agent,
    });
    this.#outgoing.add(up);
    const failed = () => {
      this.#outgoing.delete(up);
      onError();
    };
    up.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        this.#outgoing.delete(up);
        onAnswer(res, Buffer.concat(chunks));
      });
      res.on('error', failed);
    });
    up.on('error', failed);
    up.end(body);
  }
}

/** Passes the upstream's answer on, framed anew (the proxy reads whole bodies). */
function relay(res: http.ServerResponse, up: http.IncomingMessage, answer: Buffer): void {
  if (res.destroyed) return;
  const headers = { ...up.headers };
  delete headers['transfer-encoding'];
  delete headers.connection;
  delete headers['keep-alive'];
  res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(answer.length) });
  res.end(answer);
}

export async function startFaultProxy(origin: string): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(origin);
  await proxy.listen();
  return proxy;
}

/**
 * For the harness's `proxy` option, keeping hold of the proxy it starts:
 *
 *   const slot = captureFaultProxy();
 *   const h = await startHarness({ proxy: slot.factory });
 *   slot.proxy.next(reset());
 */
export function captureFaultProxy(): { factory: (origin: string) => Promise<FaultProxy>; readonly proxy: FaultProxy } {
  let current: FaultProxy | undefined;
  return {
    factory: async (origin) => {
      current = await startFaultProxy(origin);
      return current;
    },
    get proxy() {
      if (!current)
        throw new Error('the fault proxy has not been started (pass slot.factory as the harness proxy option)');
      return current;
    },
  };
}

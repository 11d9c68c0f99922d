// The HTTP plumbing both emulators need and neither has reason to do differently: taking a request apart,
// reading its body under a size limit, counting requests in flight, the artificial latency, writing an
// answer (with a 500 in its place when it cannot go out as built), answering what Node's parser refuses,
// listening on a host and port, closing with every connection, idle or active, and the log lines of it all.
//
// What to answer is always the caller's: each emulator keeps its own error bodies (NCP envelopes, Keystone
// and Nova faults), passed in here as values or functions. Nothing here may escape a request either: a
// failure becomes the caller's answer, or a dropped connection when no answer can be written any more.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describeError, type Logger } from './log';

/** The parts of a request line the emulators route and record by, the path still percent-encoded. */
export interface RequestTarget {
  /** Upper case; GET when Node gives none. */
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  /** Raw path, without the query. */
  path: string;
  /** Raw query string without the leading '?', '' when absent. */
  query: string;
}

export function requestTarget(req: http.IncomingMessage): RequestTarget {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawUrl,
    path: q < 0 ? rawUrl : rawUrl.slice(0, q),
    query: q < 0 ? '' : rawUrl.slice(q + 1),
  };
}

/** The whole body, or `tooLarge` (and no bytes) past `limit`; rejects when the connection fails first. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    // Keep draining past the limit (and drop the bytes) so the 413 can go out on a healthy connection.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
  });
}

/** A timer that does not keep the process alive. */
export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * The recorded requests and the live concurrency counters, for tests that check what a client sent and how
 * many upstream calls it runs at once.
 */
export class Traffic<R> {
  readonly requests: R[] = [];
  /** Requests being handled right now (arrived, not yet answered). */
  inFlight = 0;
  /** Highest inFlight seen since start or the last reset(). */
  peakInFlight = 0;

  /** Records `record` and counts the request in flight until `work` settles. */
  async track<T>(record: R, work: () => Promise<T>): Promise<T> {
    this.requests.push(record);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Clears `requests` in place (a reference taken earlier keeps seeing the live list) and the peak. */
  reset(): void {
    this.requests.length = 0;
    this.peakInFlight = this.inFlight;
  }
}

/** Writes one answer; `contentType` and `content-length` go with a body only. Throws if Node refuses it. */
export function send(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: string | undefined,
  contentType: string,
): void {
  const all: Record<string, string | number> = { ...headers };
  if (body !== undefined) {
    all['content-type'] = contentType;
    all['content-length'] = Buffer.byteLength(body);
  }
  res.writeHead(status, all);
  res.end(body);
}

export interface Exchange<R extends { status: number }> {
  /** Prefix of the log lines, e.g. 'compute-emulator'. */
  name: string;
  log: Logger;
  /** `METHOD url` as the log lines name the request. */
  what: string;
  /** Date.now() at arrival, when the caller did some work before the exchange; default now. */
  started?: number;
  /** Fixed delay before the answer; 0 for none. */
  latencyMs: number;
  /** The emulator's answer to the request; may throw what `known` turns into an answer. */
  answer(): Promise<R>;
  /** The answer for an error the emulator throws on purpose (its own error bodies); undefined for others. */
  known(err: unknown): R | undefined;
  /** The emulator's own 500, for anything else thrown (which is logged): a bug, not the client's fault. */
  internal(): R;
  /** Writes one answer; throws if it cannot go out as built. */
  write(res: http.ServerResponse, reply: R): void;
  /** Told each answer decided on (the first, then the 500 if it replaced it), for the request record. */
  settle(reply: R): void;
}

/**
 * One request from answer to log line: asks for the answer (an error thrown becomes the emulator's answer
 * for it), waits the latency, writes it, or the emulator's 500 when it cannot go out as built (an invalid
 * header, a body JSON cannot hold) and nothing was sent yet, and logs what was sent. A client already gone
 * gets nothing and no log line; rejects only when no answer could be written at all.
 */
export async function exchange<R extends { status: number }>(res: http.ServerResponse, x: Exchange<R>): Promise<void> {
  const started = x.started ?? Date.now();
  const fail = (err: unknown): R => {
    const reply = x.known(err);
    if (reply !== undefined) return reply;
    x.log(`${x.name}: internal error on ${x.what}: ${describeError(err)}`);
    return x.internal();
  };
  let reply: R;
  try {
    reply = await x.answer();
  } catch (err) {
    reply = fail(err);
  }
  if (x.latencyMs > 0) await delay(x.latencyMs);
  x.settle(reply);
  if (res.destroyed) return;
  try {
    x.write(res, reply);
  } catch (err) {
    if (res.headersSent) throw err;
    reply = fail(err);
    x.settle(reply);
    x.write(res, reply);
  }
  x.log(`${x.name}: ${x.what} -> ${reply.status} (${Date.now() - started} ms)`);
}

/**
 * A request listener around `handle` for a server that may live inside another process: whatever `handle`
 * rejects with (a broken client connection, an answer that could not be written) is logged and the
 * connection dropped, since there is no one left to answer, or no way to.
 */
export function guardedListener(
  name: string,
  log: Logger,
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
): http.RequestListener {
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`${name}: request aborted: ${describeError(err)}`);
      if (!res.destroyed) res.destroy();
    });
  };
}

/** The statuses Node's parser gives a request it refuses; see answerClientError. */
export type ClientErrorStatus = 400 | 408 | 431;

/** An emulator's own body for a request Node's parser refused, in its own envelope. */
export type ClientErrorAnswer = (status: ClientErrorStatus) => { contentType: string; body: string };

function clientErrorStatus(err: NodeJS.ErrnoException): ClientErrorStatus {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * A request Node's parser refuses before any handler sees it: a request line plus headers over
 * http.maxHeaderSize (a very long path) is 431, a request that never finished arriving 408, bytes that are
 * not HTTP 400. Node would answer the bare status; this gives the same status with the body `answer` builds,
 * so clients can read it like any other error of that emulator. A connection already gone is just dropped.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, answer: ClientErrorAnswer): void {
  try {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(err);
    const { contentType, body } = answer(status);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        `Content-Type: ${contentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  } catch {
    socket.destroy();
  }
}

export interface ServeOptions {
  /** Prefix of the server's log lines, e.g. 'compute-emulator'. */
  name: string;
  host: string;
  /** 0 for any free port. */
  port: number;
  log: Logger;
  /** The body for requests Node's parser refuses; without it Node answers them with its own bare status. */
  clientError?: ClientErrorAnswer;
}

export interface Served {
  /** Listening, with no request listener yet: the emulator adds its own. */
  readonly server: http.Server;
  readonly port: number;
  /** Origin, e.g. http://127.0.0.1:4321 (an IPv6 host in brackets). */
  readonly url: string;
  /** Stops listening and closes every connection, idle or in the middle of a request. */
  close(): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** An HTTP server listening on `host`:`port`; rejects when it cannot listen (the port is taken, say). */
export async function serve(opts: ServeOptions): Promise<Served> {
  const server = http.createServer();
  const { clientError, log, name } = opts;
  if (clientError) {
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      answerClientError(err, socket, clientError),
    );
  }
  await listen(server, opts.port, opts.host);
  // A server error after listen (accept failing with EMFILE, say) with no listener would be an uncaught
  // exception in the host process; it is logged and the server goes on.
  server.on('error', (err) => log(`${name}: server error: ${describeError(err)}`));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  log(`${name}: listening on ${url}`);
  return { server, port, url, close: () => closeServer(server) };
}

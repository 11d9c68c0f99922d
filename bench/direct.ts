/**
 * direct: the floor the gateway is compared with. The same data as each GraphQL shape, fetched
 * straight from the upstream with undici, signed the way the gateway signs (NCP signature v2:
 * HMAC-SHA256 of `METHOD path?query\ntimestamp\naccessKey`, a fresh timestamp per request), through
 * one keep-alive Pool with the gateway's default connection count, reading each body as text and
 * parsing it as JSON as the gateway does:
 *
 *   (a) GET /packages
 *   (b) GET /packages, then the 20 GET /packages/{pkg}/actions at once
 *   (c) POST /packages/{pkg}/actions/{action} with a JSON body
 *
 * `concurrency` loops run back to back for the window; an operation's latency is from its first
 * request to its last answer parsed. It runs in its own process (a child of bench/run.ts), so its
 * memory and CPU are measured like the gateway's.
 *
 * The same process can instead be the "minimal hop" (see runHop): the direct fetch behind a bare
 * node:http server, loaded by autocannon like the gateway.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import {
  ACCESS_KEY,
  BASE_PATH,
  INVOKE_ACTION,
  INVOKE_PACKAGE,
  INVOKE_PARAMS,
  PACKAGE_COUNT,
  PLATFORM,
  SECRET_KEY,
  latencyHistogram,
  recordMs,
  summarise,
  type DirectReply,
  type DirectRequest,
  type DirectRun,
  type LoadResult,
  type ShapeId,
} from './common';

/** The gateway's signer, as specified (src/upstream/cloudfunctions/signer.ts does the same work). */
function sign(method: string, pathWithQuery: string): Record<string, string> {
  const timestamp = String(Math.trunc(Date.now()));
  const signature = createHmac('sha256', Buffer.from(SECRET_KEY, 'utf8'))
    .update(`${method} ${pathWithQuery}\n${timestamp}\n${ACCESS_KEY}`, 'utf8')
    .digest('base64');
  return {
    accept: 'application/json',
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': ACCESS_KEY,
    'x-ncp-apigw-signature-v2': signature,
  };
}

class UpstreamFailure extends Error {}

export class DirectClient {
  readonly #pool: Pool;
  readonly #query = `?platform=${PLATFORM}`;

  constructor(origin: string, connections: number) {
    // The gateway's Pool options (src/upstream/http.ts createPool) at their defaults.
    this.#pool = new Pool(origin, {
      connections,
      connectTimeout: 3_000,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      maxResponseSize: 8 * 1024 * 1024,
    });
  }

  async #call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const full = `${BASE_PATH}${path}${this.#query}`;
    const headers = sign(method, full);
    let body: string | undefined;
    if (json !== undefined) {
      body = JSON.stringify(json);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    const res = await this.#pool.request({ path: full, method, headers, body });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300)
      throw new UpstreamFailure(`${method} ${path}: ${res.statusCode}`);
    const parsed = JSON.parse(text) as { content?: unknown };
    if (parsed.content === undefined) throw new UpstreamFailure(`${method} ${path}: no content`);
    return parsed.content;
  }

  /**
   * One operation of a shape: its upstream calls, checked. Resolves to what a GraphQL answer would
   * carry (used by the minimal hop; the direct loop ignores it).
   */
  async operation(shape: ShapeId): Promise<unknown> {
    switch (shape) {
      case 'a': {
        const list = (await this.#call('GET', '/packages')) as Array<{ name: string }>;
        if (list.length !== PACKAGE_COUNT) throw new UpstreamFailure('package count');
        return { packages: list.map((p) => ({ name: p.name })) };
      }
      case 'b': {
        const list = (await this.#call('GET', '/packages')) as Array<{ name: string }>;
        const actions = await Promise.all(
          list.map(
            (p) =>
              this.#call('GET', `/packages/${encodeURIComponent(p.name)}/actions`) as Promise<{
                actions: Array<{ name: string }>;
              }>,
          ),
        );
        if (actions.length !== PACKAGE_COUNT || !actions.every((a) => Array.isArray(a.actions)))
          throw new UpstreamFailure('actions');
        return {
          packages: list.map((p, i) => ({ name: p.name, actions: actions[i]!.actions.map((a) => ({ name: a.name })) })),
        };
      }
      case 'c': {
        const record = (await this.#call(
          'POST',
          `/packages/${encodeURIComponent(INVOKE_PACKAGE)}/actions/${encodeURIComponent(INVOKE_ACTION)}`,
          INVOKE_PARAMS,
        )) as { activationId?: string; response?: { success?: boolean; status?: string; result?: unknown } };
        if (typeof record.activationId !== 'string' || record.response?.success !== true)
          throw new UpstreamFailure('record');
        return {
          invokeAction: {
            activationId: record.activationId,
            completed: true,
            activation: { status: 'SUCCESS', success: true, result: record.response.result },
          },
        };
      }
    }
  }

  /** `concurrency` loops of back-to-back operations for `durationMs`. */
  async load(shape: ShapeId, concurrency: number, durationMs: number): Promise<LoadResult> {
    const histogram = latencyHistogram();
    let ops = 0;
    let errors = 0;
    const started = performance.now();
    const until = started + durationMs;
    const loop = async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          await this.operation(shape);
          recordMs(histogram, performance.now() - t0);
          ops += 1;
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return summarise(histogram, ops, errors, performance.now() - started);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/**
 * The minimal hop: a bare node:http server that answers POST /graphql by doing the direct fetch for
 * the shape named in `?shape=` (it does not read GraphQL) and writing `{"data": …}`. It is what any
 * Node.js process between the client and the upstream costs at the least: one more HTTP exchange,
 * body read, JSON out; no GraphQL, no framework. It answers the same body as the gateway would, so
 * the load generator treats both alike.
 */
function runHop(origin: string, connections: number, send: (message: DirectReply) => void): void {
  const client = new DirectClient(origin, connections);
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const shape = (new URL(req.url ?? '/', 'http://hop').searchParams.get('shape') ?? 'a') as ShapeId;
    req.on('data', () => undefined);
    req.on('end', () => {
      client.operation(shape).then(
        (data) => {
          const body = JSON.stringify({ data });
          res.writeHead(200, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        },
        (error: unknown) => {
          const body = JSON.stringify({
            errors: [{ message: error instanceof Error ? error.message : String(error) }],
          });
          res.writeHead(502, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        },
      );
    });
  });
  server.listen(0, '127.0.0.1', () => send({ type: 'listening', port: (server.address() as AddressInfo).port }));
  const stop = () => server.close(() => void client.close().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.on('disconnect', () => process.exit(0));
}

function runAsChild(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('bench/direct runs as a child of bench/run.ts (npm run bench)\n');
    process.exit(2);
  }
  const reply = (message: DirectReply) => send(message);
  let client: DirectClient | undefined;
  let pending: DirectRun | undefined;

  process.on('message', (message: DirectRequest) => {
    void (async () => {
      try {
        if (message.type === 'hop') {
          runHop(message.origin, message.connections, reply);
        } else if (message.type === 'init') {
          client = new DirectClient(message.origin, message.connections);
          // One operation of each shape: the data is what the shapes expect (throws otherwise).
          for (const shape of ['a', 'b', 'c'] as const) await client.operation(shape);
          reply({ type: 'ready' });
        } else if (message.type === 'run') {
          if (!client) throw new Error('run before init');
          pending = message;
          if (message.warmupMs > 0) await client.load(message.shape, message.concurrency, message.warmupMs);
          reply({ type: 'warm' });
        } else if (message.type === 'go') {
          if (!client || !pending) throw new Error('go before run');
          const run = pending;
          pending = undefined;
          reply({ type: 'result', result: await client.load(run.shape, run.concurrency, run.durationMs) });
        }
      } catch (error) {
        reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) runAsChild();

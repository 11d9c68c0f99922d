/**
 * fixed-upstream: a minimal stand-in for the NCP Cloud Functions REST API that answers after a fixed
 * delay, for the benchmark. It serves only what the three shapes need, in the `{"content": …}`
 * envelope the gateway reads:
 *
 *   GET  /ncf/api/v2/packages                           20 packages
 *   GET  /ncf/api/v2/packages/{pkg}/actions             3 actions each
 *   POST /ncf/api/v2/packages/{pkg}/actions/{action}    a finished activation record
 *
 * Anything else is a 404 in NCP's error shape. It does not verify signatures (the gateway and the
 * direct client both sign every call anyway) and precomputes its bodies, so that it costs as little
 * CPU as possible on the machine it shares with the gateway. It counts requests per route, so upstream
 * calls per operation are measured, not assumed.
 *
 * Run as a child of bench/run.ts (fork, IPC): it sends {type:'ready', port} and obeys
 * {type:'delay'|'reset'|'stats'}. Run alone: `node bench/.build/fixed-upstream.js [--port 8080] [--delay 20]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ACTION_NAMES,
  BASE_PATH,
  PACKAGE_NAMES,
  type UpstreamReply,
  type UpstreamRequest,
  type UpstreamStats,
} from './common';

const JSON_HEADERS = { 'content-type': 'application/json;charset=UTF-8' } as const;

const packagesBody = Buffer.from(
  JSON.stringify({ content: PACKAGE_NAMES.map((name) => ({ name, description: `Benchmark package ${name}` })) }),
);
const actionsBodies = new Map<string, Buffer>(
  PACKAGE_NAMES.map((pkg) => [
    pkg,
    Buffer.from(
      JSON.stringify({
        content: {
          actions: ACTION_NAMES.map((name) => ({
            name,
            description: `Benchmark action ${pkg}/${name}`,
            type: 'basic',
          })),
        },
      }),
    ),
  ]),
);
const notFoundBody = Buffer.from(JSON.stringify({ error: { errorCode: '80404', message: 'Not found' } }));

/** A finished, successful activation record (v2.1 shape); only the id changes from call to call. */
function activationBody(pkg: string, action: string, seq: number): Buffer {
  const now = Date.now();
  const id = `bench${seq.toString(16).padStart(27, '0')}`;
  return Buffer.from(
    JSON.stringify({
      content: {
        activationId: id,
        name: action,
        namespace: 'bench-namespace',
        subject: 'bench-subject',
        version: '0.0.1',
        publish: false,
        start: now - 3,
        end: now,
        duration: 3,
        logs: [],
        response: {
          status: 'success',
          statusCode: 0,
          success: true,
          result: { payload: 'abc', package: pkg, n: 1 },
          size: 40,
        },
        annotations: [{ key: 'kind', value: 'nodejs:16' }],
      },
    }),
  );
}

export interface FixedUpstream {
  port: number;
  setDelay(ms: number): void;
  stats(): UpstreamStats;
  reset(): void;
  close(): Promise<void>;
}

export async function startFixedUpstream(options: { port?: number; delayMs?: number } = {}): Promise<FixedUpstream> {
  let delayMs = options.delayMs ?? 0;
  let seq = 0;
  const counts: UpstreamStats = { packages: 0, actions: 0, invoke: 0, other: 0, total: 0 };
  const packagesPath = `${BASE_PATH}/packages`;
  const prefix = `${packagesPath}/`;

  const answer = (res: ServerResponse, status: number, body: Buffer) => {
    const send = () => {
      res.writeHead(status, { ...JSON_HEADERS, 'content-length': body.length });
      res.end(body);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    counts.total += 1;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'GET' && path === packagesPath) {
      counts.packages += 1;
      return answer(res, 200, packagesBody);
    }
    if (path.startsWith(prefix)) {
      const parts = path.slice(prefix.length).split('/');
      if (req.method === 'GET' && parts.length === 2 && parts[1] === 'actions') {
        const body = actionsBodies.get(decodeURIComponent(parts[0] ?? ''));
        if (body) {
          counts.actions += 1;
          return answer(res, 200, body);
        }
      }
      if (req.method === 'POST' && parts.length === 3 && parts[1] === 'actions') {
        const pkg = decodeURIComponent(parts[0] ?? '');
        const action = decodeURIComponent(parts[2] ?? '');
        if (actionsBodies.has(pkg) && ACTION_NAMES.includes(action)) {
          counts.invoke += 1;
          seq += 1;
          return answer(res, 200, activationBody(pkg, action, seq));
        }
      }
    }
    counts.other += 1;
    return answer(res, 404, notFoundBody);
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    // The whole request is read before answering (an invoke carries a JSON body).
    if (req.method === 'GET' || req.method === 'HEAD') {
      req.resume();
      route(req, res);
      return;
    }
    req.on('data', () => undefined);
    req.on('end', () => route(req, res));
  });
  server.maxRequestsPerSocket = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    setDelay(ms) {
      delayMs = ms;
    },
    stats: () => ({ ...counts }),
    reset() {
      counts.packages = 0;
      counts.actions = 0;
      counts.invoke = 0;
      counts.other = 0;
      counts.total = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function runAsProcess(): Promise<void> {
  const upstream = await startFixedUpstream({
    port: Number(argValue('--port') ?? 0),
    delayMs: Number(argValue('--delay') ?? 0),
  });
  const send = process.send?.bind(process);
  if (!send) {
    process.stdout.write(`fixed upstream: http://127.0.0.1:${upstream.port}${BASE_PATH} (Ctrl-C stops it)\n`);
    const stop = () => void upstream.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  const reply = (message: UpstreamReply) => send(message);
  process.on('message', (raw: UpstreamRequest) => {
    switch (raw.type) {
      case 'delay':
        upstream.setDelay(raw.ms);
        return reply({ type: 'done', id: raw.id });
      case 'reset':
        upstream.reset();
        return reply({ type: 'done', id: raw.id });
      case 'stats':
        return reply({ type: 'done', id: raw.id, stats: upstream.stats() });
    }
  });
  // The parent going away (even killed) closes the IPC channel: never outlive it.
  process.on('disconnect', () => void upstream.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
  reply({ type: 'ready', port: upstream.port });
}

if (require.main === module) {
  runAsProcess().catch((error: unknown) => {
    process.stderr.write(`fixed upstream failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

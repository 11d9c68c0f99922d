/**
 * gate-proxy: an HTTP proxy on loopback, for the harness's `proxy` option, that holds every upstream
 * request until the test opens the gate. A test that needs operations to be in flight at the same
 * time then waits for what it can observe (requests held, operations waiting) instead of hoping a
 * latency is long enough:
 *
 *   const gate = gateProxy();
 *   const h = await startHarness({ proxy: gate.factory });
 *   const answers = Promise.all([...]);
 *   await until(() => gate.held === 1);
 *   gate.open();                    // held requests go on; later ones pass at once
 *   gate.shut();                    // later ones are held again
 *
 * `arrived` counts requests by method; `abandoned` counts held requests whose client (the gateway)
 * gave up before the gate opened. close() destroys every socket.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface GateProxy {
  /** For startHarness({ proxy }). */
  factory: (origin: string) => Promise<{ url: string; close(): Promise<void> }>;
  /** Requests held now. */
  readonly held: number;
  /** Requests that arrived since the last reset, by method. */
  arrived(method?: string): number;
  /** Held requests whose client left before the gate opened. */
  readonly abandoned: number;
  open(): void;
  shut(): void;
  reset(): void;
}

export function gateProxy(): GateProxy {
  let target: URL | undefined;
  let isOpen = false;
  let abandoned = 0;
  const arrivals: string[] = [];
  const waiting = new Set<() => void>();
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: false });

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    const up = http.request(
      {
        host: target!.hostname,
        port: target!.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    up.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push(req.method ?? 'GET');
      const body = Buffer.concat(chunks);
      if (isOpen) return forward(req, res, body);
      const release = () => {
        waiting.delete(release);
        res.off('close', gaveUp);
        forward(req, res, body);
      };
      const gaveUp = () => {
        if (!waiting.delete(release)) return;
        abandoned += 1;
      };
      waiting.add(release);
      res.on('close', gaveUp);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  return {
    async factory(origin) {
      target = new URL(origin);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        async close() {
          for (const socket of sockets) socket.destroy();
          agent.destroy();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
    get held() {
      return waiting.size;
    },
    arrived: (method) => (method ? arrivals.filter((m) => m === method).length : arrivals.length),
    get abandoned() {
      return abandoned;
    },
    open() {
      isOpen = true;
      for (const release of [...waiting]) release();
    },
    shut() {
      isOpen = false;
    },
    reset() {
      arrivals.length = 0;
      abandoned = 0;
    },
  };
}

/** Resolves once `condition()` holds (checked every 5 ms); rejects after `ms` with `what`. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'condition', ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

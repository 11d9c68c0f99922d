/**
 * gateway: one gateway process (node dist/main.js, or a candidate build) started fresh for a cell
 * and variant, checked, read for its metrics and stopped; and the autocannon load sent to it (or
 * to the minimal hop), ended cleanly after a fixed number of operations. Its own module because
 * the cells, the memory run and the profiles all start gateways and load them the same way.
 */
import autocannon from 'autocannon';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Histogram } from 'hdr-histogram-js';
import { request } from 'undici';
import {
  BASE_PATH,
  SHAPES,
  checkGatewayAnswer,
  latencyHistogram,
  recordMs,
  summarise,
  type LoadResult,
  type ShapeId,
} from '../common';
import { childEnv, freePort, sleep, stopChild, track } from './children';
import { hopPorts } from './direct-floor';
import { GATEWAY_BASE_ENV, type Variant } from './matrix';
import { BUILD_DIR, LOG_DIR, ROOT, START_NODE_FLAGS } from './paths';

export class Gateway {
  readonly port: number;
  readonly #child: ChildProcess;
  #stderr = '';

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  static async start(variant: Variant, upstreamPort: number, name: string, nodeArgs: string[] = []): Promise<Gateway> {
    nodeArgs = [...START_NODE_FLAGS, ...nodeArgs];
    const port = await freePort();
    mkdirSync(LOG_DIR, { recursive: true });
    const logFd = openSync(path.join(LOG_DIR, `${name}.log`), 'w');
    const env = childEnv({
      ...GATEWAY_BASE_ENV,
      PORT: String(port),
      NCP_API_URL: `http://127.0.0.1:${upstreamPort}${BASE_PATH}`,
      ...variant.env,
    });
    const child = track(
      spawn(
        process.execPath,
        [
          '--require',
          path.join(BUILD_DIR, 'parent-watch.js'),
          ...nodeArgs,
          variant.entry ?? path.join(ROOT, 'dist', 'main.js'),
        ],
        { cwd: ROOT, env, stdio: ['ignore', logFd, 'pipe'] },
      ),
    );
    closeSync(logFd);
    const gateway = new Gateway(child, port);
    await gateway.#ready();
    return gateway;
  }

  /** Waits (at most 30 s) until /readyz answers 200; throws with the gateway's stderr if it exits first. */
  async #ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.#child.exitCode !== null)
        throw new Error(`the gateway exited at start (${this.#child.exitCode}): ${this.#stderr}`);
      try {
        const res = await request(`http://127.0.0.1:${this.port}/readyz`);
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the gateway did not become ready in 30 s: ${this.#stderr}`);
      await sleep(100);
    }
  }

  /** One operation, checked: the shape's data is complete and has no error. */
  async check(shape: ShapeId): Promise<void> {
    const res = await request(`http://127.0.0.1:${this.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: SHAPES[shape].graphqlBody,
    });
    const body: unknown = await res.body.json();
    const problem = res.statusCode === 200 ? checkGatewayAnswer(shape, body) : `HTTP ${res.statusCode}`;
    if (problem) throw new Error(`the gateway's answer to shape (${shape}) is wrong: ${problem}`);
  }

  /** Counters from /metrics (name with labels -> value), for the lines matching `prefix`. */
  async metrics(prefix: string): Promise<Map<string, number>> {
    const res = await request(`http://127.0.0.1:${this.port}/metrics`);
    const text = await res.body.text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith(prefix)) continue;
      const space = line.lastIndexOf(' ');
      out.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return out;
  }

  async sharedReads(): Promise<{ miss: number; shared: number; hit: number }> {
    const m = await this.metrics('gateway_upstream_shared_reads_total');
    const get = (outcome: string) =>
      m.get(`gateway_upstream_shared_reads_total{service="cloudfunctions",outcome="${outcome}"}`) ?? 0;
    return { miss: get('miss'), shared: get('shared'), hit: get('hit') };
  }

  stop(): Promise<void> {
    return stopChild(this.#child);
  }
}

/**
 * autocannon against the gateway's /graphql, latencies recorded in µs. Either for `seconds`, or for
 * exactly `amount` operations: then every connection sends its share and waits for the last answer,
 * so no operation is cut off at the end and upstream calls per operation are exact. `capSeconds`
 * stops an `amount` run that takes far longer than expected. `histogram` lets several instances started
 * at once record into one (the fleet phase's load spread over replicas, bench/runner/fleet.ts).
 */
export function cannon(
  port: number,
  shape: ShapeId,
  connections: number,
  bound: { seconds: number } | { amount: number; capSeconds: number },
  histogram: Histogram = latencyHistogram(),
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let ok = 0;
    const started = performance.now();
    // The window ends at the last answer: autocannon itself only notices the end at its next sample tick.
    let lastAnswer = started;
    let cap: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${hopPorts.has(port) ? `/graphql?shape=${shape}` : '/graphql'}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: SHAPES[shape].graphqlBody,
        connections,
        pipelining: 1,
        ...('amount' in bound ? { amount: bound.amount } : { duration: bound.seconds }),
        timeout: 30,
        sampleInt: 50,
        // A 200 can still carry GraphQL errors: those count as errors, not operations.
        verifyBody: (body) => body.startsWith('{"data"') && !body.includes('"errors"'),
      },
      (error, result) => {
        if (cap) clearTimeout(cap);
        if (error) return reject(error);
        const errors = result.non2xx + result.errors + result.timeouts + result.mismatches;
        resolve(summarise(histogram, ok - result.mismatches, errors, lastAnswer - started));
      },
    );
    if ('amount' in bound) cap = setTimeout(() => instance.stop(), bound.capSeconds * 1000);
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      lastAnswer = performance.now();
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        recordMs(histogram, responseTimeMs);
      }
    });
  });
}

/**
 * Load for about `seconds`, ended cleanly: the number of operations is the rate seen so far
 * (`rateHint`, or a short probe's) times `seconds`, a whole number per connection.
 */
export async function timedRun(
  port: number,
  shape: ShapeId,
  connections: number,
  seconds: number,
  rateHint?: number,
): Promise<LoadResult & { rate: number }> {
  let rate = rateHint;
  if (!rate || !(rate > 0)) {
    const probe = await cannon(port, shape, connections, { amount: connections * 2, capSeconds: 30 });
    rate = (probe.ops * 1000) / probe.elapsedMs;
  }
  const perConnection = Math.max(2, Math.ceil((rate * seconds) / connections));
  const result = await cannon(port, shape, connections, {
    amount: perConnection * connections,
    capSeconds: seconds * 3 + 10,
  });
  return { ...result, rate: (result.ops * 1000) / result.elapsedMs };
}

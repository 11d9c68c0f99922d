/**
 * direct-floor: the bench's handles on bench/direct.ts, in its two modes: the direct floor (undici
 * against the upstream, driven over IPC, measuring itself) and the minimal Node hop (node:http + the
 * direct fetch, loaded by autocannon like the gateway). Its own module because both are the
 * reference sides of a cell, started and stopped like the gateway but spoken to differently.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { DirectReply, DirectRequest, LoadResult, ShapeId } from '../common';
import { stopChild, track } from './children';
import { BUILD_DIR } from './paths';
import { settings } from './settings';

export class Direct {
  readonly #child: ChildProcess;
  readonly #queue: DirectReply[] = [];
  #waiter: ((reply: DirectReply) => void) | undefined;

  constructor() {
    this.#child = track(
      fork(path.join(BUILD_DIR, 'direct.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    this.#child.on('message', (message: DirectReply) => {
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter(message);
      } else this.#queue.push(message);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  #send(message: DirectRequest): void {
    this.#child.send(message);
  }

  async #expect(type: DirectReply['type']): Promise<DirectReply> {
    const message =
      this.#queue.shift() ??
      (await new Promise<DirectReply>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the direct client exited (${code})`));
        this.#child.once('exit', onExit);
        this.#waiter = (reply) => {
          this.#child.off('exit', onExit);
          resolve(reply);
        };
      }));
    if (message.type === 'failed') throw new Error(`direct client: ${message.message}`);
    if (message.type !== type) throw new Error(`direct client: expected ${type}, got ${message.type}`);
    return message;
  }

  async init(upstreamPort: number): Promise<void> {
    this.#send({ type: 'init', origin: `http://127.0.0.1:${upstreamPort}`, connections: settings.upstreamConnections });
    await this.#expect('ready');
  }

  /** Warm-up, then `beforeMeasure`, then the measured window. */
  async run(
    shape: ShapeId,
    concurrency: number,
    warmupS: number,
    beforeMeasure: () => Promise<void>,
  ): Promise<LoadResult> {
    this.#send({ type: 'run', shape, concurrency, warmupMs: warmupS * 1000, durationMs: settings.durationS * 1000 });
    await this.#expect('warm');
    await beforeMeasure();
    this.#send({ type: 'go' });
    const reply = await this.#expect('result');
    if (reply.type !== 'result') throw new Error('unreachable');
    return reply.result;
  }

  stop(): Promise<void> {
    return stopChild(this.#child, 5_000);
  }
}

/** Ports of minimal hops: they read the shape from the query string, not from GraphQL. */
export const hopPorts = new Set<number>();

/** The minimal hop (bench/direct.ts runHop): node:http + the direct fetch, loaded like the gateway. */
export class Hop {
  readonly #child: ChildProcess;
  port = 0;

  constructor() {
    this.#child = track(
      fork(path.join(BUILD_DIR, 'direct.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  async start(upstreamPort: number): Promise<void> {
    const listening = new Promise<number>((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`the minimal hop exited (${code})`)));
      this.#child.on('message', (message: DirectReply) => {
        if (message.type === 'listening') resolve(message.port);
      });
    });
    const request: DirectRequest = {
      type: 'hop',
      origin: `http://127.0.0.1:${upstreamPort}`,
      connections: settings.upstreamConnections,
    };
    this.#child.send(request);
    this.port = await listening;
    hopPorts.add(this.port);
  }

  stop(): Promise<void> {
    hopPorts.delete(this.port);
    return stopChild(this.#child, 5_000);
  }
}

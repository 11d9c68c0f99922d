/**
 * upstream: the bench's handle on bench/fixed-upstream.ts, a child process spoken to over IPC (set
 * the delay, reset and read the request counts). Its own module because every measured run and
 * every profile talks to the same upstream through it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { UpstreamReply, UpstreamRequest, UpstreamStats } from '../common';
import { stopChild, track } from './children';
import { BUILD_DIR } from './paths';

export class Upstream {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: Extract<UpstreamReply, { type: 'done' }>) => void>();
  #next = 0;
  port = 0;

  constructor() {
    this.#child = track(
      fork(path.join(BUILD_DIR, 'fixed-upstream.js'), [], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  async start(): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`the fixed upstream exited (${code})`)));
      this.#child.on('message', (message: UpstreamReply) => {
        if (message.type === 'ready') resolve(message.port);
        else this.#waiting.get(message.id)?.(message);
      });
    });
  }

  #ask(message: Omit<UpstreamRequest, 'id'>): Promise<Extract<UpstreamReply, { type: 'done' }>> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#waiting.set(id, (reply) => {
        this.#waiting.delete(id);
        resolve(reply);
      });
      this.#child.send({ ...message, id } as UpstreamRequest);
    });
  }

  async setDelay(ms: number): Promise<void> {
    await this.#ask({ type: 'delay', ms } as Omit<UpstreamRequest, 'id'>);
  }
  async reset(): Promise<void> {
    await this.#ask({ type: 'reset' } as Omit<UpstreamRequest, 'id'>);
  }
  async stats(): Promise<UpstreamStats> {
    const reply = await this.#ask({ type: 'stats' } as Omit<UpstreamRequest, 'id'>);
    if (!reply.stats) throw new Error('no stats from the upstream');
    return reply.stats;
  }
  stop(): Promise<void> {
    return stopChild(this.#child, 5_000);
  }
}

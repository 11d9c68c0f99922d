// A small pool of worker threads that runs nodejs actions off the emulator's (and the gateway's) event
// loop, first come first served. The pool also owns the per-run time limit: when it fires, the worker is
// terminated (the only way to stop a synchronous loop) and replaced lazily by a fresh one.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ActivationStatus, JsonObject } from './types';
import { WORKER_SOURCE } from './worker-source';

export interface RunRequest {
  code: string;
  main: string;
  params: JsonObject;
  /** The action's limits.timeout (ms). */
  timeoutMs: number;
}

export interface RunOutcome {
  status: ActivationStatus;
  result: JsonObject;
  logs: string[];
  /** Emulator-clock epoch ms when the run was handed to a worker. */
  start: number;
  end: number;
  /** Time spent queued for a free worker (ms). */
  waitTime: number;
  /** Time to compile the code and find the entry point (ms); absent when that never completed. */
  initTime?: number;
  /** True when the pool killed the run at its time limit. */
  timedOut?: boolean;
}

interface Job {
  id: number;
  request: RunRequest;
  enqueuedAt: number;
  resolve: (outcome: RunOutcome) => void;
  logs: string[];
  start: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

interface PoolWorker {
  worker: Worker;
  job?: Job;
  /** Set before we terminate it ourselves, so its exit is not mistaken for a crash. */
  retired: boolean;
}

interface DoneMessage {
  type: 'done';
  id: number;
  status: ActivationStatus;
  result: JsonObject;
  initTime?: number;
}
interface LogMessage {
  type: 'log';
  id: number;
  line: string;
}

export class WorkerPool {
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error('workers must be a positive integer');
  }

  run(request: RunRequest): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      const job: Job = {
        id: this.nextId++,
        request,
        enqueuedAt: performance.now(),
        resolve,
        logs: [],
        start: 0,
        startedAt: 0,
      };
      if (this.closed) {
        this.settle(job, 'whisk internal error', { error: 'The emulator is shutting down.' });
        return;
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker and fails whatever was queued or running. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const job of pending) this.settle(job, 'whisk internal error', { error: 'The emulator is shutting down.' });
    const stopping: Promise<number>[] = [];
    for (const w of this.workers) {
      w.retired = true;
      if (w.job) this.finishJob(w, 'whisk internal error', { error: 'The emulator is shutting down.' });
      stopping.push(w.worker.terminate());
    }
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all(stopping);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let w = this.idle.pop();
      if (!w) {
        if (this.workers.size >= this.size) return;
        w = this.spawn();
      }
      const job = this.queue.shift()!;
      this.assign(w, job);
    }
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, stdout: false, stderr: false });
    // The HTTP server keeps the process alive while the emulator is open; workers must never do it on their own.
    worker.unref();
    const w: PoolWorker = { worker, retired: false };
    worker.on('message', (msg: DoneMessage | LogMessage) => this.onMessage(w, msg));
    worker.on('error', () => this.onCrash(w));
    worker.on('exit', () => this.onCrash(w));
    this.workers.add(w);
    return w;
  }

  private assign(w: PoolWorker, job: Job): void {
    w.job = job;
    job.start = this.now();
    job.startedAt = performance.now();
    job.timer = setTimeout(() => this.onTimeLimit(w, job), job.request.timeoutMs);
    job.timer.unref();
    w.worker.postMessage({
      type: 'run',
      id: job.id,
      code: job.request.code,
      main: job.request.main,
      paramsJson: JSON.stringify(job.request.params),
      // Lets log lines carry the emulator's clock (which tests may pin) rather than the wall clock.
      clockOffset: job.start - Date.now(),
    });
  }

  private onMessage(w: PoolWorker, msg: DoneMessage | LogMessage): void {
    const job = w.job;
    if (!job || msg.id !== job.id) return;
    if (msg.type === 'log') {
      job.logs.push(msg.line);
      return;
    }
    this.finishJob(w, msg.status, msg.result, msg.initTime);
    if (!this.closed) {
      this.idle.push(w);
      this.pump();
    }
  }

  private onTimeLimit(w: PoolWorker, job: Job): void {
    if (w.job !== job) return;
    this.finishJob(
      w,
      'action developer error',
      { error: `The action exceeded its time limits of ${job.request.timeoutMs} milliseconds.` },
      undefined,
      true,
    );
    this.retire(w);
  }

  private onCrash(w: PoolWorker): void {
    if (w.retired) return;
    if (w.job) {
      this.finishJob(w, 'action developer error', {
        error: 'The action did not produce a valid response and exited unexpectedly.',
      });
    }
    this.retire(w);
  }

  private retire(w: PoolWorker): void {
    w.retired = true;
    this.workers.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    void w.worker.terminate();
    this.pump();
  }

  private finishJob(w: PoolWorker, status: ActivationStatus, result: JsonObject, initTime?: number, timedOut = false): void {
    const job = w.job;
    if (!job) return;
    w.job = undefined;
    if (job.timer) clearTimeout(job.timer);
    this.settle(job, status, result, initTime, timedOut);
  }

  private settle(job: Job, status: ActivationStatus, result: JsonObject, initTime?: number, timedOut = false): void {
    const startedAt = job.startedAt || performance.now();
    const start = job.start || this.now();
    // Floor, not round: start is already Date.now()'s floor of the real instant, so rounding up could put
    // this end after the start of the next run on the same worker.
    let elapsed = Math.floor(performance.now() - startedAt);
    // Timers may fire a fraction of a millisecond "early" against performance.now(); a run killed at its
    // limit has, by definition, run for the whole limit.
    if (timedOut) elapsed = Math.max(elapsed, job.request.timeoutMs);
    const outcome: RunOutcome = {
      status,
      result,
      logs: job.logs,
      start,
      end: start + elapsed,
      waitTime: Math.round(startedAt - job.enqueuedAt),
    };
    if (initTime !== undefined) outcome.initTime = initTime;
    if (timedOut) outcome.timedOut = true;
    job.resolve(outcome);
  }
}

// A small pool of worker threads that runs nodejs actions off the emulator's (and the gateway's) event
// loop, first come first served. The pool also owns the per-run time limit: when it fires, the worker is
// terminated (the only way to stop a synchronous loop) and replaced lazily by a fresh one.
//
// Everything here runs in the hosting process (the gateway's, under `npm start`), much of it from worker
// events and timers, where a throw would be an uncaught exception. So every run settles with an outcome,
// nothing the pool does from an event or a timer may throw, and only strings cross to the worker: the
// parameters are encoded once, up front, where a failure can still become that run's outcome.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ActivationStatus, JsonObject } from './types';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './validate';
import { WORKER_SOURCE } from './worker-source';

const SHUTTING_DOWN = 'The emulator is shutting down.';
/** The record of a run the emulator itself could not carry out (OpenWhisk's 'whisk internal error'). */
const INTERNAL_FAILURE = 'The emulator failed to run the action.';

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
  /** Bytes of the result's JSON, as the worker encoded it (so the record need not encode it again). */
  size?: number;
}

interface Job {
  id: number;
  request: RunRequest;
  paramsJson: string;
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
  resultJson: string;
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

  /** Always resolves, never rejects: every failure is the run's outcome. */
  run(request: RunRequest): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      const job: Job = {
        id: this.nextId++,
        request,
        paramsJson: '',
        enqueuedAt: performance.now(),
        resolve,
        logs: [],
        start: 0,
        startedAt: 0,
      };
      if (this.closed) {
        this.settle(job, 'whisk internal error', { error: SHUTTING_DOWN });
        return;
      }
      const paramsJson = encodeParams(request.params);
      if (paramsJson === undefined) {
        // The HTTP API refuses such params with a 400 (validate.ts) before anything runs; only values put
        // into the store directly get here. Handing them to a worker is the platform's job, hence
        // 'whisk internal error', as OpenWhisk records a run its invoker could not start.
        this.settle(job, 'whisk internal error', { error: INTERNAL_FAILURE });
        return;
      }
      job.paramsJson = paramsJson;
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker and fails whatever was queued or running. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.queue.splice(0);
    for (const job of pending) this.settle(job, 'whisk internal error', { error: SHUTTING_DOWN });
    const stopping: Promise<unknown>[] = [];
    for (const w of this.workers) {
      w.retired = true;
      if (w.job) this.finishJob(w, 'whisk internal error', { error: SHUTTING_DOWN });
      stopping.push(terminate(w.worker));
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
        try {
          w = this.spawn();
        } catch {
          // No thread to be had (resource limits): the queued runs fail now rather than wait for one.
          for (const job of this.queue.splice(0)) this.settle(job, 'whisk internal error', { error: INTERNAL_FAILURE });
          return;
        }
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
    worker.on('message', (msg: DoneMessage | LogMessage) => this.guarded(w, () => this.onMessage(w, msg)));
    // Only strings are sent, so this should never fire; if it does, the run's answer is lost with it.
    worker.on('messageerror', () => this.guarded(w, () => this.onBrokenMessage(w)));
    worker.on('error', () => this.guarded(w, () => this.onCrash(w)));
    worker.on('exit', () => this.guarded(w, () => this.onCrash(w)));
    this.workers.add(w);
    return w;
  }

  /**
   * Runs a worker event or timer handler. Should one throw, the worker's run fails as a whisk internal error
   * and the worker is replaced: nothing reaches the host process as an uncaught exception.
   */
  private guarded(w: PoolWorker, fn: () => void): void {
    try {
      fn();
    } catch {
      try {
        if (w.job) this.finishJob(w, 'whisk internal error', { error: INTERNAL_FAILURE });
        if (!w.retired) this.retire(w);
      } catch {
        // Nothing more can be done for this worker; the other runs are unaffected.
      }
    }
  }

  private assign(w: PoolWorker, job: Job): void {
    w.job = job;
    job.start = this.now();
    job.startedAt = performance.now();
    job.timer = setTimeout(() => this.guarded(w, () => this.onTimeLimit(w, job)), job.request.timeoutMs);
    job.timer.unref();
    try {
      w.worker.postMessage({
        type: 'run',
        id: job.id,
        code: job.request.code,
        main: job.request.main,
        paramsJson: job.paramsJson,
        // Lets log lines carry the emulator's clock (which tests may pin) rather than the wall clock.
        clockOffset: job.start - Date.now(),
      });
    } catch {
      this.finishJob(w, 'whisk internal error', { error: INTERNAL_FAILURE });
      this.retire(w);
    }
  }

  private onMessage(w: PoolWorker, msg: DoneMessage | LogMessage): void {
    const job = w.job;
    if (!job || !msg || msg.id !== job.id) return;
    if (msg.type === 'log') {
      job.logs.push(String(msg.line));
      return;
    }
    let result: JsonObject | undefined;
    try {
      const parsed: unknown = JSON.parse(msg.resultJson);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) result = parsed as JsonObject;
    } catch {
      result = undefined;
    }
    if (result === undefined) {
      this.finishJob(w, 'whisk internal error', { error: INTERNAL_FAILURE }, msg.initTime);
    } else {
      this.finishJob(w, msg.status, result, msg.initTime, false, Buffer.byteLength(msg.resultJson));
    }
    if (!this.closed) {
      this.idle.push(w);
      this.pump();
    }
  }

  private onBrokenMessage(w: PoolWorker): void {
    if (w.job) this.finishJob(w, 'whisk internal error', { error: INTERNAL_FAILURE });
    this.retire(w);
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
    void terminate(w.worker);
    this.pump();
  }

  private finishJob(
    w: PoolWorker,
    status: ActivationStatus,
    result: JsonObject,
    initTime?: number,
    timedOut = false,
    size?: number,
  ): void {
    const job = w.job;
    if (!job) return;
    w.job = undefined;
    if (job.timer) clearTimeout(job.timer);
    this.settle(job, status, result, initTime, timedOut, size);
  }

  private settle(
    job: Job,
    status: ActivationStatus,
    result: JsonObject,
    initTime?: number,
    timedOut = false,
    size?: number,
  ): void {
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
    if (size !== undefined) outcome.size = size;
    job.resolve(outcome);
  }
}

/** JSON of the run's parameters, or undefined when they cannot be encoded or are nested too deep. */
function encodeParams(params: JsonObject): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(params);
  } catch {
    return undefined;
  }
  return typeof json === 'string' && !jsonNestsDeeperThan(json, MAX_JSON_DEPTH) ? json : undefined;
}

/** worker.terminate() without a rejection anyone would have to handle. */
function terminate(worker: Worker): Promise<unknown> {
  try {
    return worker.terminate().catch(() => undefined);
  } catch {
    return Promise.resolve();
  }
}

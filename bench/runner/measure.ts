/**
 * measure: one measured run of one side of a cell: warm-up, counters read before, the load (sized
 * from the warm-up, ended cleanly), counters read after, turned into per-operation figures. Its own
 * module because this is where every figure of the report is taken, and the order of its steps
 * (quiesce, reset, read, load, read, quiesce, count) is the method bench/README.md describes.
 */
import type { LoadResult } from '../common';
import { sleep } from './children';
import { Direct, Hop } from './direct-floor';
import { Gateway, timedRun } from './gateway';
import type { Cell, Variant } from './matrix';
import { cpuMicros, machineTicks, mainThreadMicros, RssSampler } from './proc';
import { settings } from './settings';
import type { Upstream } from './upstream';

export interface RunMetrics extends LoadResult {
  rps: number;
  callsPerOp: number;
  peakRssBytes: number;
  /** CPU of the process under test (the gateway, or the direct client) per operation, µs. */
  cpuUsPerOp: number;
  /** CPU of the load generator (this process, autocannon) per operation, µs; 0 for direct. */
  loadGenCpuUsPerOp: number;
  upstreamCpuUsPerOp: number;
  /** Share of the whole machine busy during the window (all processes), %. */
  machineBusyPct: number;
  /** Share of the window the process under test's main thread (its event loop) was running, %. */
  mainThreadBusyPct: number;
  /** Reads that joined an identical read in flight (dedupe), per operation. */
  sharedPerOp: number;
}

export type Target = Gateway | Direct | Hop;

/** Processes that had their first (longer) warm-up. */
const warmed = new WeakSet<Target>();

/** The rate each gateway process reached last, to size its next run. */
const lastRate = new WeakMap<Gateway | Hop, number>();

/** Counters read at the start of the measured window. */
interface Before {
  proc: number;
  main: number;
  self: NodeJS.CpuUsage;
  up: number;
  machine: { busy: number; total: number };
  shared: number;
  sampler: RssSampler;
}

async function readBefore(upstream: Upstream, target: Target): Promise<Before> {
  await upstream.reset();
  const shared = target instanceof Gateway ? (await target.sharedReads()).shared : 0;
  return {
    proc: cpuMicros(target.pid),
    main: mainThreadMicros(target.pid),
    self: process.cpuUsage(),
    up: cpuMicros(upstream.pid),
    machine: machineTicks(),
    shared,
    sampler: new RssSampler(target.pid),
  };
}

/** Warm-up and measured load on a gateway or hop (autocannon, from this process). */
async function loadOverHttp(
  cell: Cell,
  target: Gateway | Hop,
  warmupS: number,
  begin: () => Promise<void>,
): Promise<LoadResult> {
  let rate = lastRate.get(target);
  if (warmupS > 0) {
    const warm = await timedRun(target.port, cell.shape, cell.concurrency, warmupS, rate);
    rate = Math.max(rate ?? 0, warm.rate);
  }
  await sleep(cell.delayMs + 150);
  await begin();
  const measured = await timedRun(target.port, cell.shape, cell.concurrency, settings.durationS, rate);
  lastRate.set(target, measured.rate);
  return measured;
}

export async function measure(upstream: Upstream, cell: Cell, variant: Variant, target: Target): Promise<RunMetrics> {
  const quiesceMs = cell.delayMs + 150;
  let before: Before | undefined;
  const begin = async () => {
    before = await readBefore(upstream, target);
  };
  const warmupS = warmed.has(target) ? settings.warmupS : Math.max(settings.warmupS, settings.initialWarmupS);
  warmed.add(target);
  const result =
    target instanceof Direct
      ? await target.run(cell.shape, cell.concurrency, warmupS, begin)
      : await loadOverHttp(cell, target, warmupS, begin);
  const b = before!;
  const peakRssBytes = b.sampler.stop(target.pid);
  const procUs = cpuMicros(target.pid) - b.proc;
  const mainUs = mainThreadMicros(target.pid) - b.main;
  const selfUsage = process.cpuUsage(b.self);
  const upUs = cpuMicros(upstream.pid) - b.up;
  const machine = machineTicks();
  await sleep(quiesceMs);
  const stats = await upstream.stats();
  const shared = target instanceof Gateway ? (await target.sharedReads()).shared - b.shared : 0;
  const ops = Math.max(result.ops, 1);
  return {
    ...result,
    rps: (result.ops * 1000) / result.elapsedMs,
    callsPerOp: stats.total / ops,
    peakRssBytes,
    cpuUsPerOp: procUs / ops,
    loadGenCpuUsPerOp: variant.kind === 'direct' ? 0 : (selfUsage.user + selfUsage.system) / ops,
    upstreamCpuUsPerOp: upUs / ops,
    mainThreadBusyPct: (100 * mainUs) / (result.elapsedMs * 1000),
    machineBusyPct:
      machine.total > b.machine.total ? (100 * (machine.busy - b.machine.busy)) / (machine.total - b.machine.total) : 0,
    sharedPerOp: shared / ops,
  };
}

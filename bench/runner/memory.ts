/**
 * memory: the memory run ((b), concurrency 64, no delay, dedupe off, after a warm-up): the
 * gateway's RSS and V8 heap sampled every second, its collections traced with --trace-gc, and the
 * verdict (RSS and live heap of the last window against the first); plus the per-window figures the
 * report prints. Its own module because it is a separate phase with its own method and rule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from '../common';
import { sleep } from './children';
import { cannon, Gateway } from './gateway';
import { GW_OFF } from './matrix';
import { LOG_DIR } from './paths';
import { rssBytes } from './proc';
import { settings } from './settings';
import { fmt, mb, mean, median, stddev } from './stats';
import type { Upstream } from './upstream';

type Sample = { t: number; rss: number; heap: number };

export interface MemoryResult {
  seconds: number;
  windowS: number;
  samples: Sample[];
  firstRss: number;
  lastRss: number;
  firstHeap: number;
  lastHeap: number;
  /** Lowest heap used in each window: what is left after the collections, where a leak would show. */
  firstHeapFloor: number;
  lastHeapFloor: number;
  noiseRss: number;
  growthPct: number;
  /** V8 heap after each collection (from --trace-gc), seconds into the window: where a leak shows. */
  gc: GcSummary;
  pass: boolean;
  load: LoadResult;
}

interface GcEvent {
  /** Seconds into the measured window. */
  t: number;
  kind: string;
  /** Heap in use after the collection, bytes. */
  afterBytes: number;
}

interface GcWindow {
  from: number;
  to: number;
  /** Median heap after the full collections (Mark-Compact) in the window: the live set. NaN: none. */
  fullMedian: number;
  /** Lowest heap after any collection in the window. */
  floor: number;
}

interface GcSummary {
  events: number;
  markCompacts: number;
  /**
   * The live set in the first and last window: median heap after full collections (or the lowest after any,
   * when none).
   */
  firstLive: number;
  lastLive: number;
  /** Each successive window. */
  windows: GcWindow[];
}

const GC_LINE = new RegExp(
  String.raw`^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Compact|Mark-Sweep)\S*\s+` +
    String.raw`[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB`,
);

/** Collections traced by `node --trace-gc` into a gateway's log, with the isolate's clock in ms. */
function gcEvents(logFile: string): Array<{ ms: number; kind: string; afterBytes: number }> {
  const out: Array<{ ms: number; kind: string; afterBytes: number }> = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const m = GC_LINE.exec(line);
    if (m) out.push({ ms: Number(m[1]), kind: m[2]!, afterBytes: Number(m[3]) * 1024 * 1024 });
  }
  return out;
}

/** Mean RSS and lowest heap sample of each successive window of the memory run. */
export function memoryWindows(memory: MemoryResult): string[] {
  const out: string[] = [];
  for (let from = 0; from < memory.seconds - 0.5; from += memory.windowS) {
    const inWindow = memory.samples.filter((x) => x.t > from + 0.5 && x.t <= from + memory.windowS + 0.5);
    if (inWindow.length === 0) continue;
    const rss = mean(inWindow.map((x) => x.rss));
    const heapFloor = Math.min(...inWindow.map((x) => x.heap));
    out.push(`${fmt(from)}–${fmt(from + memory.windowS)} s ${fmt(mb(rss), 1)} / ${fmt(mb(heapFloor), 1)} MB`);
  }
  return out;
}

/** Per window of the memory run: median heap after full collections / lowest heap after any collection. */
export function gcWindows(memory: MemoryResult): string[] {
  return memory.gc.windows.map(
    (w) =>
      `${fmt(w.from)}–${fmt(w.to)} s ${Number.isNaN(w.fullMedian) ? '–' : fmt(mb(w.fullMedian), 1)} / ` +
      `${fmt(mb(w.floor), 1)} MB`,
  );
}

/** Least-squares slope of RSS against time, in MB per minute. */
export function rssSlopeMbPerMin(samples: Array<{ t: number; rss: number }>): number {
  const points = samples.filter((x) => Number.isFinite(x.rss));
  if (points.length < 2) return NaN;
  const mt = mean(points.map((x) => x.t));
  const mr = mean(points.map((x) => x.rss));
  let num = 0;
  let den = 0;
  for (const x of points) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? NaN : mb(num / den) * 60;
}

/**
 * The measured window: load for settings.memoryS, RSS and heap sampled once a second. It starts at
 * the last collection of the warm-up, on the gateway's own clock (under load, collections come
 * many times a second): `gcAtStart`.
 */
async function sampleUnderLoad(
  gateway: Gateway,
  logFile: string,
): Promise<{ samples: Sample[]; load: LoadResult; gcAtStart: number }> {
  const samples: Sample[] = [];
  const gcAtStart = gcEvents(logFile).at(-1)?.ms ?? 0;
  const started = performance.now();
  let sampling = true;
  const sampler = (async () => {
    for (let next = 1000; sampling; next += 1000) {
      await sleep(Math.max(0, started + next - performance.now()));
      if (!sampling) break;
      const rss = rssBytes(gateway.pid) ?? NaN;
      const heap =
        (await gateway.metrics('gateway_nodejs_heap_size_used_bytes')).get('gateway_nodejs_heap_size_used_bytes') ??
        NaN;
      samples.push({ t: (performance.now() - started) / 1000, rss, heap });
    }
  })();
  const load = await cannon(gateway.port, 'b', 64, { seconds: settings.memoryS });
  sampling = false;
  await sampler;
  return { samples, load, gcAtStart };
}

/** The collections of the measured window, in windows of `windowS`: the live heap of the first and last. */
function gcSummary(logFile: string, gcAtStart: number, windowS: number): GcSummary {
  const events: GcEvent[] = gcEvents(logFile)
    .filter((e) => e.ms > gcAtStart)
    .map((e) => ({ t: (e.ms - gcAtStart) / 1000, kind: e.kind, afterBytes: e.afterBytes }))
    .filter((e) => e.t <= settings.memoryS + 0.5);
  const isFull = (e: GcEvent) => e.kind === 'Mark-Compact' || e.kind === 'Mark-Sweep';
  const gcWindow = (from: number, to: number): GcWindow => {
    const inWindow = events.filter((e) => e.t > from && e.t <= to);
    const afterFull = inWindow.filter(isFull).map((e) => e.afterBytes);
    return {
      from,
      to,
      fullMedian: afterFull.length > 0 ? median(afterFull) : NaN,
      floor: inWindow.length > 0 ? Math.min(...inWindow.map((e) => e.afterBytes)) : NaN,
    };
  };
  const live = (w: GcWindow) => (Number.isNaN(w.fullMedian) ? w.floor : w.fullMedian);
  const windows: GcWindow[] = [];
  for (let from = 0; from < settings.memoryS - 0.5; from += windowS) windows.push(gcWindow(from, from + windowS));
  return {
    events: events.length,
    markCompacts: events.filter(isFull).length,
    firstLive: live(gcWindow(0, windowS)),
    lastLive: live(gcWindow(settings.memoryS - windowS, settings.memoryS + 0.5)),
    windows,
  };
}

/** RSS and heap of the first and last window, and the verdict. */
function judge(samples: Sample[], windowS: number, gc: GcSummary, load: LoadResult): MemoryResult {
  const first = samples.filter((s) => s.t <= windowS + 0.5);
  // The same number of samples as the first window (one a second): t in (end − window, end].
  const last = samples.filter((s) => s.t > settings.memoryS - windowS + 0.5);
  const firstRss = mean(first.map((s) => s.rss));
  const lastRss = mean(last.map((s) => s.rss));
  const noiseRss = Math.sqrt((stddev(first.map((s) => s.rss)) ** 2 + stddev(last.map((s) => s.rss)) ** 2) / 2);
  const growth = lastRss - firstRss;
  const growthPct = (100 * growth) / firstRss;
  // The live heap may not grow by more than 10 % between the windows (no GC trace: judged on RSS alone).
  const heapStable = !(gc.firstLive > 0 && gc.lastLive > 0) || gc.lastLive <= gc.firstLive * 1.1;
  return {
    seconds: settings.memoryS,
    windowS,
    samples,
    firstRss,
    lastRss,
    firstHeap: mean(first.map((s) => s.heap)),
    lastHeap: mean(last.map((s) => s.heap)),
    firstHeapFloor: Math.min(...first.map((s) => s.heap)),
    lastHeapFloor: Math.min(...last.map((s) => s.heap)),
    noiseRss,
    growthPct,
    gc,
    // Stable: RSS growth within 5 % of the first window's mean, or within 3 standard deviations of
    // the samples; and the live heap (after full collections) within 10 %.
    pass: (growthPct <= 5 || growth <= 3 * noiseRss) && heapStable,
    load,
  };
}

export async function memoryRun(upstream: Upstream): Promise<MemoryResult> {
  await upstream.setDelay(0);
  // --trace-gc: every collection writes the heap size after it to the gateway's log (stdout).
  const gateway = await Gateway.start(GW_OFF, upstream.port, 'memory-b-c64-d0', ['--trace-gc']);
  const logFile = path.join(LOG_DIR, 'memory-b-c64-d0.log');
  try {
    await gateway.check('b');
    if (settings.memoryWarmupS > 0) await cannon(gateway.port, 'b', 64, { seconds: settings.memoryWarmupS });
    const { samples, load, gcAtStart } = await sampleUnderLoad(gateway, logFile);
    const windowS = Math.min(10, settings.memoryS / 3);
    return judge(samples, windowS, gcSummary(logFile, gcAtStart, windowS), load);
  } finally {
    await gateway.stop();
  }
}

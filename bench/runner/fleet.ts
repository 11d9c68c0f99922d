/**
 * fleet: the bench's "several replicas" phase (issue 14). Two cells, both at concurrency 64 with a
 * 20 ms upstream:
 *   1. shape (b) on one replica and on three replicas sharing one Redis (plus one replica without
 *      Redis, to tell what Redis itself costs), every side with the same sharing settings; the load
 *      of the three is spread evenly over them (three autocannon instances started at once);
 *   2. shape (a) on one replica with operation de-duplication on and off.
 * Its own module because a side here is a set of processes (replicas, and the Redis they share), not
 * one process: the load is split, the counters are summed over the replicas, and Redis is counted
 * too. The method (warm-up, quiesce, reset, read, load, read, quiesce, count) is measure.ts's.
 *
 * The features measured (the shared cache, operation de-duplication) may be missing in the build
 * under test: the phase then measures and reports what the gateway does; a side that cannot start
 * is reported with its error, and the phase goes on.
 */
import os from 'node:os';
import type { LoadResult, ShapeId } from '../common';
import { latencyHistogram, summarise } from '../common';
import { sleep } from './children';
import { cannon, Gateway } from './gateway';
import type { Variant } from './matrix';
import { cpuMicros, machineTicks, RssSampler } from './proc';
import { BenchRedis, commandsProcessed, redisMissing } from './redis';
import { settings } from './settings';
import { fmt, fmtMs, median } from './stats';
import type { Upstream } from './upstream';

/**
 * Sharing settings of cell 1, the same on every side: the upstream read cache on (1 s: what Redis
 * shares between replicas on this shape: with the cache off, a read-only shape without APQ has
 * nothing to share), de-duplication of upstream reads and of operations on (both gateway defaults:
 * they work per replica, so they are what a replica does on its own, and three replicas cannot beat
 * one by having them off), the whole-response cache off (its default; on, it would answer whole
 * operations and hide the read cache being compared).
 */
export const FLEET_SHARING_ENV: Record<string, string> = {
  GATEWAY_CACHE_TTL_MS: '1000',
  GATEWAY_DEDUPE: 'true',
  GATEWAY_OPERATION_DEDUPE: 'true',
  GATEWAY_RESPONSE_CACHE_TTL_MS: '0',
};

/**
 * Cell 2's other settings, the same on both sides: upstream-read de-duplication and every cache off,
 * so operation de-duplication is the only thing that can make identical operations share upstream
 * calls (with read de-duplication on, identical operations' reads would be shared below it anyway and
 * calls/op would not tell the sides apart; only CPU would).
 */
export const OPERATION_DEDUPE_BASE_ENV: Record<string, string> = {
  GATEWAY_DEDUPE: 'false',
  GATEWAY_CACHE_TTL_MS: '0',
  GATEWAY_RESPONSE_CACHE_TTL_MS: '0',
};

export interface FleetVariant {
  id: string;
  label: string;
  replicas: number;
  /** Shares the phase's Redis (GATEWAY_REDIS_URL), under a key prefix of its own. */
  redis: boolean;
  env: Record<string, string>;
}

export interface FleetRatio {
  of: string;
  to: string;
  label: string;
}

export interface FleetCell {
  id: string;
  title: string;
  shape: ShapeId;
  concurrency: number;
  delayMs: number;
  /** What every side of the cell runs with, for the report. */
  settingsText: string;
  variants: FleetVariant[];
  ratios: FleetRatio[];
}

export function fleetCells(): FleetCell[] {
  const sharing = Object.entries(FLEET_SHARING_ENV)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ');
  const dedupeBase = Object.entries(OPERATION_DEDUPE_BASE_ENV)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ');
  return [
    {
      id: 'replicas',
      title: 'Shape (b), one replica and three sharing one Redis',
      shape: 'b',
      concurrency: 64,
      delayMs: 20,
      settingsText: `every side ${sharing}`,
      variants: [
        { id: 'one-memory', label: '1 replica, no Redis', replicas: 1, redis: false, env: FLEET_SHARING_ENV },
        { id: 'one', label: '1 replica, Redis', replicas: 1, redis: true, env: FLEET_SHARING_ENV },
        { id: 'three', label: '3 replicas, one Redis', replicas: 3, redis: true, env: FLEET_SHARING_ENV },
      ],
      ratios: [
        { of: 'three', to: 'one', label: '3 replicas ÷ 1 replica (both on Redis)' },
        { of: 'one', to: 'one-memory', label: '1 replica on Redis ÷ 1 replica without' },
      ],
    },
    {
      id: 'operation-dedupe',
      title: 'Shape (a), operation de-duplication on and off (one replica, no Redis)',
      shape: 'a',
      concurrency: 64,
      delayMs: 20,
      settingsText: `both sides ${dedupeBase}`,
      variants: [
        {
          id: 'opdedupe-on',
          label: 'GATEWAY_OPERATION_DEDUPE=true',
          replicas: 1,
          redis: false,
          env: { ...OPERATION_DEDUPE_BASE_ENV, GATEWAY_OPERATION_DEDUPE: 'true' },
        },
        {
          id: 'opdedupe-off',
          label: 'GATEWAY_OPERATION_DEDUPE=false',
          replicas: 1,
          redis: false,
          env: { ...OPERATION_DEDUPE_BASE_ENV, GATEWAY_OPERATION_DEDUPE: 'false' },
        },
      ],
      ratios: [{ of: 'opdedupe-on', to: 'opdedupe-off', label: 'operation de-duplication on ÷ off' }],
    },
  ];
}

export interface FleetRunMetrics extends LoadResult {
  rps: number;
  callsPerOp: number;
  /** Operations answered by each replica (the spread of the load). */
  perReplicaOps: number[];
  /** CPU of every replica together, per operation, µs. */
  gatewayCpuUsPerOp: number;
  loadGenCpuUsPerOp: number;
  upstreamCpuUsPerOp: number;
  /** NaN for a side without Redis. */
  redisCpuUsPerOp: number;
  redisCommandsPerOp: number;
  machineBusyPct: number;
  /** Upstream reads that joined one in flight / were answered from the cache, per operation (all replicas). */
  sharedPerOp: number;
  hitPerOp: number;
  /** The largest replica's peak RSS. */
  peakRssBytes: number;
}

export interface FleetVariantResult {
  variant: FleetVariant;
  runs: FleetRunMetrics[];
  /** gateway_redis_up of each replica after the last run (undefined: the gauge is absent). */
  redisUp: Array<number | undefined>;
  /** Why the side did not start or a run failed. */
  errors: string[];
}

export interface FleetCellResult {
  cell: FleetCell;
  results: Map<string, FleetVariantResult>;
  loadBefore: number[];
  loadAfter: number[];
}

export interface FleetResult {
  cells: FleetCellResult[];
  redisVersion?: string;
  /** Why the sides with Redis were not run. */
  redisMissing?: string;
}

/** `concurrency` connections split over `parts` as evenly as whole numbers allow (64 over 3: 22, 21, 21). */
export function splitConnections(concurrency: number, parts: number): number[] {
  const base = Math.floor(concurrency / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < concurrency % parts ? 1 : 0));
}

type Bound = { amount: number; capSeconds: number };

/**
 * One autocannon instance per replica, started at once, into one histogram: operations and errors
 * summed, the window from the common start to the last answer of any instance.
 */
async function spread(
  ports: number[],
  split: number[],
  shape: ShapeId,
  bound: (connections: number) => Bound,
): Promise<LoadResult & { perReplica: number[] }> {
  const histogram = latencyHistogram();
  const results = await Promise.all(
    ports.map((port, i) => cannon(port, shape, split[i]!, bound(split[i]!), histogram)),
  );
  const ops = results.reduce((n, r) => n + r.ops, 0);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
  return { ...summarise(histogram, ops, errors, elapsedMs), perReplica: results.map((r) => r.ops) };
}

/** timedRun (gateway.ts) over several replicas: every connection sends the same number of operations. */
async function spreadRun(
  ports: number[],
  shape: ShapeId,
  concurrency: number,
  seconds: number,
  rateHint?: number,
): Promise<LoadResult & { perReplica: number[]; rate: number }> {
  const split = splitConnections(concurrency, ports.length);
  let rate = rateHint;
  if (!rate || !(rate > 0)) {
    const probe = await spread(ports, split, shape, (c) => ({ amount: c * 2, capSeconds: 30 }));
    rate = (probe.ops * 1000) / probe.elapsedMs;
  }
  const perConnection = Math.max(2, Math.ceil((rate * seconds) / concurrency));
  const result = await spread(ports, split, shape, (c) => ({
    amount: perConnection * c,
    capSeconds: seconds * 3 + 10,
  }));
  return { ...result, rate: (result.ops * 1000) / result.elapsedMs };
}

/** A started side: its replicas, and what the runs carry from one to the next. */
interface Side {
  variant: FleetVariant;
  gateways: Gateway[];
  warmed: boolean;
  lastRate?: number;
}

async function sharedReads(gateways: Gateway[]): Promise<{ shared: number; hit: number }> {
  let shared = 0;
  let hit = 0;
  for (const g of gateways) {
    const reads = await g.sharedReads();
    shared += reads.shared;
    hit += reads.hit;
  }
  return { shared, hit };
}

async function measureSide(
  upstream: Upstream,
  redis: BenchRedis | undefined,
  cell: FleetCell,
  side: Side,
): Promise<FleetRunMetrics> {
  const ports = side.gateways.map((g) => g.port);
  // A fresh side's first warm-up is as long per replica as a fresh process's (measure.ts): three replicas
  // share the load, so each would otherwise get a third of the operations its JIT needs.
  const warmupS = side.warmed
    ? settings.warmupS
    : Math.max(settings.warmupS, settings.initialWarmupS * side.variant.replicas);
  side.warmed = true;
  let rate = side.lastRate;
  if (warmupS > 0) {
    const warm = await spreadRun(ports, cell.shape, cell.concurrency, warmupS, rate);
    rate = Math.max(rate ?? 0, warm.rate);
  }
  const quiesceMs = cell.delayMs + 150;
  await sleep(quiesceMs);

  const withRedis = side.variant.redis && redis !== undefined;
  await upstream.reset();
  const reads0 = await sharedReads(side.gateways);
  const commands0 = withRedis ? await commandsProcessed(redis.port) : NaN;
  const gw0 = side.gateways.map((g) => cpuMicros(g.pid));
  const self0 = process.cpuUsage();
  const up0 = cpuMicros(upstream.pid);
  const redis0 = withRedis ? cpuMicros(redis.pid) : NaN;
  const machine0 = machineTicks();
  const samplers = side.gateways.map((g) => new RssSampler(g.pid));

  const result = await spreadRun(ports, cell.shape, cell.concurrency, settings.durationS, rate);
  side.lastRate = result.rate;

  const peaks = samplers.map((s, i) => s.stop(side.gateways[i]!.pid));
  const gwUs = side.gateways.reduce((n, g, i) => n + cpuMicros(g.pid) - gw0[i]!, 0);
  const self = process.cpuUsage(self0);
  const upUs = cpuMicros(upstream.pid) - up0;
  const redisUs = withRedis ? cpuMicros(redis.pid) - redis0 : NaN;
  const machine = machineTicks();
  await sleep(quiesceMs);
  const stats = await upstream.stats();
  const reads = await sharedReads(side.gateways);
  // The INFO that reads the count is itself one command.
  const commands = withRedis ? (await commandsProcessed(redis.port)) - commands0 - 1 : NaN;
  const ops = Math.max(result.ops, 1);
  return {
    ops: result.ops,
    errors: result.errors,
    elapsedMs: result.elapsedMs,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    meanMs: result.meanMs,
    rps: (result.ops * 1000) / result.elapsedMs,
    callsPerOp: stats.total / ops,
    perReplicaOps: result.perReplica,
    gatewayCpuUsPerOp: gwUs / ops,
    loadGenCpuUsPerOp: (self.user + self.system) / ops,
    upstreamCpuUsPerOp: upUs / ops,
    redisCpuUsPerOp: redisUs / ops,
    redisCommandsPerOp: commands / ops,
    machineBusyPct:
      machine.total > machine0.total ? (100 * (machine.busy - machine0.busy)) / (machine.total - machine0.total) : 0,
    sharedPerOp: (reads.shared - reads0.shared) / ops,
    hitPerOp: (reads.hit - reads0.hit) / ops,
    peakRssBytes: Math.max(...peaks),
  };
}

function asGatewayVariant(variant: FleetVariant, redis: BenchRedis | undefined): Variant {
  return {
    id: variant.id,
    label: variant.label,
    kind: 'gateway',
    env: {
      ...variant.env,
      // A prefix per side: the sides share the server, not their keys (no side reads another's cache).
      ...(variant.redis && redis ? { GATEWAY_REDIS_URL: redis.url, GATEWAY_REDIS_PREFIX: `bench-${variant.id}:` } : {}),
    },
  };
}

async function startSide(
  upstream: Upstream,
  redis: BenchRedis | undefined,
  cell: FleetCell,
  variant: FleetVariant,
  side: Side,
): Promise<void> {
  const gatewayVariant = asGatewayVariant(variant, redis);
  for (let i = 0; i < variant.replicas; i++) {
    const gateway = await Gateway.start(
      gatewayVariant,
      upstream.port,
      `fleet-${variant.id}-${i + 1}-${cell.shape}-c${cell.concurrency}-d${cell.delayMs}`,
    );
    side.gateways.push(gateway);
    await gateway.check(cell.shape);
  }
}

async function redisUp(gateways: Gateway[]): Promise<Array<number | undefined>> {
  const out: Array<number | undefined> = [];
  for (const g of gateways) {
    try {
      out.push((await g.metrics('gateway_redis_up')).get('gateway_redis_up'));
    } catch {
      out.push(undefined);
    }
  }
  return out;
}

function printRun(cell: FleetCell, run: number, variant: FleetVariant, m: FleetRunMetrics): void {
  process.stdout.write(
    `bench: fleet ${`(${cell.shape}) c=${cell.concurrency} delay=${cell.delayMs}ms`.padEnd(22)} ` +
      `run ${run + 1}/${settings.runs} ${variant.id.padEnd(13)} ${fmt(m.rps).padStart(7)} req/s  ` +
      `p50 ${fmtMs(m.p50Ms).padStart(6)} ms  p99 ${fmtMs(m.p99Ms).padStart(6)} ms  ` +
      `calls/op ${fmt(m.callsPerOp, 3).padStart(6)}  ops/replica ${m.perReplicaOps.join('/')}  errors ${m.errors}\n`,
  );
}

/** One cell: every side started, `settings.runs` interleaved runs (order reversed every other run), stopped. */
async function runFleetCell(
  upstream: Upstream,
  redis: BenchRedis | undefined,
  cell: FleetCell,
): Promise<FleetCellResult> {
  await upstream.setDelay(cell.delayMs);
  const out: FleetCellResult = { cell, results: new Map(), loadBefore: loadAverage(), loadAfter: [] };
  const sides = new Map<string, Side>();
  try {
    for (const variant of cell.variants) {
      const result: FleetVariantResult = { variant, runs: [], redisUp: [], errors: [] };
      out.results.set(variant.id, result);
      if (variant.redis && !redis) {
        result.errors.push('not run: no Redis');
        continue;
      }
      const side: Side = { variant, gateways: [], warmed: false };
      try {
        await startSide(upstream, redis, cell, variant, side);
        sides.set(variant.id, side);
      } catch (error) {
        result.errors.push(`did not start: ${message(error)}`);
        for (const g of side.gateways) await g.stop();
      }
    }
    for (let run = 0; run < settings.runs; run++) {
      const order = run % 2 === 0 ? cell.variants : [...cell.variants].reverse();
      for (const variant of order) {
        const side = sides.get(variant.id);
        if (!side) continue;
        const result = out.results.get(variant.id)!;
        try {
          const metrics = await measureSide(upstream, redis, cell, side);
          result.runs.push(metrics);
          printRun(cell, run, variant, metrics);
        } catch (error) {
          result.errors.push(`run ${run + 1} failed: ${message(error)}`);
          process.stdout.write(`bench: fleet ${variant.id} run ${run + 1} failed: ${message(error)}\n`);
        }
      }
    }
    for (const [id, side] of sides) out.results.get(id)!.redisUp = await redisUp(side.gateways);
  } finally {
    for (const side of sides.values()) for (const g of side.gateways) await g.stop();
  }
  out.loadAfter = loadAverage();
  return out;
}

function loadAverage(): number[] {
  return os.loadavg();
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/** The phase: its own Redis (when redis-server is there), both cells, Redis stopped. */
export async function fleetRun(upstream: Upstream): Promise<FleetResult> {
  const missing = redisMissing();
  let redis: BenchRedis | undefined;
  const result: FleetResult = { cells: [] };
  if (missing) {
    result.redisMissing = missing;
    console.log(`bench: fleet: ${missing}; the sides with Redis are left out`);
  } else {
    try {
      redis = await BenchRedis.start();
      result.redisVersion = redis.version;
      console.log(`bench: fleet: redis-server ${redis.version} on 127.0.0.1:${redis.port} (pid ${redis.pid})`);
    } catch (error) {
      result.redisMissing = `redis-server did not start: ${message(error)}`;
      console.log(`bench: fleet: ${result.redisMissing}; the sides with Redis are left out`);
    }
  }
  try {
    for (const cell of fleetCells()) result.cells.push(await runFleetCell(upstream, redis, cell));
  } finally {
    await redis?.stop();
  }
  return result;
}

/** Seconds the phase takes (for the plan printed at start). */
export function fleetEstimateS(): number {
  const variants = fleetCells().flatMap((c) => c.variants);
  return variants.reduce(
    (s, v) =>
      s +
      settings.runs * (settings.durationS + settings.warmupS + 0.8) +
      Math.max(0, settings.initialWarmupS * v.replicas - settings.warmupS) +
      2 * v.replicas,
    0,
  );
}

/** Median of one figure over a side's runs. */
export function fleetMed(result: FleetVariantResult | undefined, stat: keyof FleetRunMetrics): number {
  if (!result) return NaN;
  return median(result.runs.map((r) => r[stat] as number));
}

/**
 * The benchmark (`npm run bench`): the gateway against the same data fetched directly from the
 * upstream, in the same run, on loopback, bounded in time, stopping by itself.
 *
 *   npm run bench                   full run (about 17 minutes), writes bench/RESULTS.md
 *   npm run bench -- --quick        smoke run (about 2 minutes), writes bench/.build/RESULTS.quick.md
 *   npm run bench -- --no-profile   skips the CPU profiles
 *   npm run bench -- --only-fleet   only the fleet phase (several replicas on one Redis, operation de-duplication)
 *   BENCH_DURATION=10 BENCH_RUNS=5 BENCH_WARMUP=2 BENCH_MEMORY_DURATION=60 npm run bench
 *
 * Processes (all children of this one, all ended by pid when it ends, however it ends):
 *   - bench/fixed-upstream.ts   the upstream, a minimal fixed-latency NCP stand-in (its own process)
 *   - node dist/main.js         the gateway, built first with `npm run build` (production build), one
 *                               fresh process per cell and variant
 *   - bench/direct.ts           the direct floor (undici, signed), one fresh process per cell
 *   - redis-server              the fleet phase's shared Redis (its own, loopback, persistence off)
 *   - this process              autocannon against the gateway, the samplers, the report
 *
 * This file is the entry point: it puts the phases in order (build, cells, the fleet phase, memory
 * run, targets, profiles, report); each phase is a module of bench/runner/ (see bench/README.md, "Files").
 * See bench/README.md for the method and bench/RESULTS.md for the figures.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SHAPES, type ShapeId } from './common';
import { build } from './runner/build';
import { runCell } from './runner/cell';
import { killAllChildren, killChildrenOnExit } from './runner/children';
import { fleetEstimateS, fleetRun, type FleetResult } from './runner/fleet';
import { GW_CONC8, GW_DEDUPE, GW_DEV, GW_INFO, GW_OFF, matrix, type Cell } from './runner/matrix';
import { memoryRun, type MemoryResult } from './runner/memory';
import { LOG_DIR, ROOT, WORK_DIR } from './runner/paths';
import { profileCell, profileMissedTargets, type ProfileSummary } from './runner/profile';
import { report } from './runner/report';
import { printFleetTable } from './runner/report-fleet';
import { printTable, profileSection } from './runner/report-tables';
import { args, OUT, settings } from './runner/settings';
import { fmt, mb, type CellResult } from './runner/stats';
import { evaluate } from './runner/targets';
import { Upstream } from './runner/upstream';

killChildrenOnExit();

/** --only=<shape>:<concurrency>:<delay>[,…] (`*` matches anything): a subset of the matrix, e.g. --only=b:64:* */
function selectedCells(): Cell[] {
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const patterns = onlyArg?.split(',').map((p) => p.split(':'));
  const matches = (c: Cell) =>
    !patterns ||
    patterns.some(
      ([shape = '*', concurrency = '*', delay = '*']) =>
        (shape === '*' || shape === c.shape) &&
        (concurrency === '*' || Number(concurrency) === c.concurrency) &&
        (delay === '*' || Number(delay) === c.delayMs),
    );
  return matrix().filter(matches);
}

function printPlan(cells: Cell[], withMemory: boolean): void {
  const variantRuns = cells.reduce((n, c) => n + c.variants.length, 0) * settings.runs;
  const estimateS =
    variantRuns * (settings.durationS + settings.warmupS + 0.6) +
    (variantRuns / settings.runs) * Math.max(0, settings.initialWarmupS - settings.warmupS) +
    (withMemory ? settings.memoryS : 0) +
    (settings.profile ? 30 : 0) +
    (settings.fleet ? fleetEstimateS() : 0) +
    cells.length * 3;
  console.log(
    `bench: ${cells.length} cells, ${variantRuns} measured runs of ${settings.durationS} s ` +
      `(+${settings.warmupS} s warm-up), ${withMemory ? `a ${settings.memoryS} s memory run` : 'no memory run'}, ` +
      `${settings.fleet ? 'the fleet phase' : 'no fleet phase'}; about ${fmt(estimateS / 60, 1)} min`,
  );
}

/** --profile-cell=<shape>:<concurrency>:<delay>[:<variant>]: only profile the gateway under that cell. */
async function profileOnly(upstream: Upstream, only: string): Promise<void> {
  const [shape, concurrency, delay, variantId] = only.split(':');
  if (!shape || !(shape in SHAPES))
    throw new Error('--profile-cell=<a|b|c>:<concurrency>:<delay ms>[:off|dedupe|info|dev|conc8]');
  const variant = [GW_OFF, GW_DEDUPE, GW_INFO, GW_DEV, GW_CONC8].find((v) => v.id === (variantId ?? 'off')) ?? GW_OFF;
  const cell: Cell = {
    shape: shape as ShapeId,
    concurrency: Number(concurrency ?? 64),
    delayMs: Number(delay ?? 0),
    variants: [variant],
  };
  const summary = profileCell(upstream, cell, variant);
  console.log(profileSection([await summary]).join('\n'));
}

/** The matrix, the fleet phase, the memory run, the targets, the profiles, then the console tables and the report. */
async function fullRun(
  upstream: Upstream,
  cells: Cell[],
  withMemory: boolean,
  startedAt: Date,
  t0: number,
): Promise<void> {
  const results: CellResult[] = [];
  for (const cell of cells) results.push(await runCell(upstream, cell));

  let fleet: FleetResult | undefined;
  if (settings.fleet) {
    console.log('bench: fleet phase (several replicas on one Redis; operation de-duplication)');
    fleet = await fleetRun(upstream);
  }

  let memory: MemoryResult | undefined;
  if (withMemory) {
    console.log(`bench: memory run, ${settings.memoryS} s`);
    memory = await memoryRun(upstream);
    console.log(
      `bench: memory ${fmt(mb(memory.firstRss), 1)} MB -> ${fmt(mb(memory.lastRss), 1)} MB ` +
        `(${fmt(memory.growthPct, 1)} %)`,
    );
  }

  const checks = evaluate(results, memory);
  let profiles: ProfileSummary[] = [];
  let profileErrors: string[] = [];
  if (settings.profile) ({ profiles, profileErrors } = await profileMissedTargets(upstream, checks, results));

  if (results.length > 0) printTable(results);
  if (fleet) printFleetTable(fleet);
  console.log('');
  for (const check of checks)
    console.log(`${check.pass ? 'PASS' : 'MISS'}  ${check.target} — ${check.cell}: ${check.measured}`);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    report(startedAt, performance.now() - t0, { cells: results, checks, memory, fleet, profiles, profileErrors }),
  );
  console.log(`\nbench: wrote ${path.relative(ROOT, OUT)} (${fmt((performance.now() - t0) / 60_000, 1)} min)`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  if (process.platform !== 'linux') throw new Error('the benchmark reads /proc (memory, CPU): it runs on Linux');
  build();
  mkdirSync(WORK_DIR, { recursive: true });
  rmSync(LOG_DIR, { recursive: true, force: true });

  const cells = settings.onlyFleet ? [] : selectedCells();
  const withMemory = !settings.onlyFleet && !args.includes('--no-memory');
  printPlan(cells, withMemory);

  const upstream = new Upstream();
  await upstream.start();
  console.log(`bench: fixed upstream on 127.0.0.1:${upstream.port} (pid ${upstream.pid})`);

  const only = args.find((a) => a.startsWith('--profile-cell='))?.slice('--profile-cell='.length);
  if (only) {
    try {
      await profileOnly(upstream, only);
    } finally {
      await upstream.stop();
    }
    return;
  }
  try {
    await fullRun(upstream, cells, withMemory, startedAt, t0);
  } finally {
    await upstream.stop();
    killAllChildren();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  killAllChildren();
  process.exit(1);
});

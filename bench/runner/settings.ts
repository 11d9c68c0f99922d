/**
 * settings: what the command line and the BENCH_* variables ask for (durations, runs, which report
 * file), read once when the bench starts. Its own module so that every part of the runner reads the
 * same settings, and a bad variable stops the bench before anything is started.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config';
import type { ShapeId } from '../common';
import { BUILD_DIR, ROOT } from './paths';

export const args = process.argv.slice(2);
const quick = args.includes('--quick');

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** The gateway's own defaults (its configuration read from an empty environment), for the report. */
export const GATEWAY_DEFAULTS = loadConfig({});

export const settings = {
  durationS: envNumber('BENCH_DURATION', quick ? 1 : 5, 0.5, 120),
  warmupS: envNumber('BENCH_WARMUP', quick ? 0.5 : 1, 0, 60),
  /** Warm-up of a fresh process's first run: its JIT needs a few thousand operations. */
  initialWarmupS: envNumber('BENCH_INITIAL_WARMUP', quick ? 0.5 : 3, 0, 60),
  runs: Math.round(envNumber('BENCH_RUNS', quick ? 1 : 3, 1, 15)),
  memoryS: envNumber('BENCH_MEMORY_DURATION', quick ? 6 : 60, 3, 600),
  /** The memory run's warm-up: the heap grows to its working size in the first seconds of load. */
  memoryWarmupS: envNumber('BENCH_MEMORY_WARMUP', quick ? 1 : 10, 0, 120),
  profile: !quick && !args.includes('--no-profile') && !args.includes('--only-fleet'),
  /**
   * The fleet phase (bench/runner/fleet.ts: several replicas, operation de-duplication): in the full
   * run and in --quick; not with --no-fleet, nor with --only= (a subset of the matrix).
   */
  fleet: args.includes('--only-fleet') || (!args.includes('--no-fleet') && !args.some((a) => a.startsWith('--only='))),
  /** --only-fleet: the build and the fleet phase, nothing else (no matrix, memory run or profiles). */
  onlyFleet: args.includes('--only-fleet'),
  /** The gateway's default GATEWAY_UPSTREAM_CONNECTIONS; the direct Pool gets the same. */
  upstreamConnections: GATEWAY_DEFAULTS.upstreamHttp.connections,
};

/**
 * bench/RESULTS.md is written only by a complete run of the matrix; a quick, partial or
 * exploratory run writes beside it, in the git-ignored bench/.build/.
 */
const partialRun =
  quick ||
  args.some((a) => a.startsWith('--only=') || ['--no-memory', '--only-fleet', '--no-fleet'].includes(a)) ||
  ['BENCH_CONCURRENCIES', 'BENCH_DELAYS', 'BENCH_CANDIDATE'].some((k) => (process.env[k] ?? '').trim() !== '');
export const OUT = partialRun
  ? path.join(BUILD_DIR, quick ? 'RESULTS.quick.md' : 'RESULTS.partial.md')
  : path.join(ROOT, 'bench', 'RESULTS.md');

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 10_000))
    throw new Error(`${name} must be a comma-separated list of whole numbers`);
  return values;
}

/** The matrix; BENCH_CONCURRENCIES and BENCH_DELAYS explore beyond it (targets are judged on 1/64 and 0/20). */
export const CONCURRENCIES = envList('BENCH_CONCURRENCIES', [1, 64]).filter((c) => c >= 1);
export const DELAYS = envList('BENCH_DELAYS', [0, 20]);
export const SHAPE_IDS: ShapeId[] = ['a', 'b', 'c'];

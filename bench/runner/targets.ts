/**
 * targets: the targets judged on the medians of the cells (added latency, throughput under
 * both readings of "caching off", de-duplication, memory), each check naming the cell to profile
 * when it is missed. Its own module so the rules stand in one place, apart from how they are
 * measured and printed (bench/README.md, "Targets").
 */
import type { ShapeId } from '../common';
import { GW_DEDUPE, GW_OFF, type Cell, type Variant } from './matrix';
import type { MemoryResult } from './memory';
import { CONCURRENCIES, DELAYS } from './settings';
import { cellName, fmt, fmtMs, fmtRatio, mb, med, type CellResult } from './stats';

export interface TargetCheck {
  target: string;
  cell: string;
  measured: string;
  pass: boolean;
  /** The cell to profile when missed. */
  profile?: { cell: Cell; variant: Variant };
}

type Find = (shape: ShapeId, concurrency: number, delayMs: number) => CellResult | undefined;

/** Added latency at concurrency 1, shape (a): gateway p50 − direct p50, at each delay. */
function latencyChecks(find: Find): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const delayMs of DELAYS) {
    const c = find('a', 1, delayMs);
    if (!c) continue;
    const gw = c.results.get('off');
    const direct = c.results.get('direct');
    const added = med(gw, 'p50Ms') - med(direct, 'p50Ms');
    checks.push({
      target: 'Added latency at concurrency 1, shape (a): p50 at most 1 ms over direct',
      cell: cellName(c.cell),
      measured: `p50 ${fmtMs(med(gw, 'p50Ms'))} ms vs ${fmtMs(med(direct, 'p50Ms'))} ms direct: +${fmtMs(added)} ms`,
      pass: added <= 1,
      profile: { cell: c.cell, variant: GW_OFF },
    });
  }
  return checks;
}

/**
 * "Caching off", read two ways: de-duplication off too; and the cache off (GATEWAY_CACHE_TTL_MS=0,
 * its default) with de-duplication at its default, on. Cells are profiled under the first reading.
 */
function throughputChecks(find: Find): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const readings = [
    { variant: GW_OFF, target: 'Throughput with caching off, de-duplication off too: at least 0.5× direct' },
    {
      variant: GW_DEDUPE,
      target: 'Throughput with caching off, de-duplication at its default (on): at least 0.5× direct',
    },
  ];
  for (const reading of readings) {
    for (const shape of ['a', 'b'] as const) {
      for (const delayMs of DELAYS) {
        for (const concurrency of CONCURRENCIES) {
          const c = find(shape, concurrency, delayMs);
          const gw = c?.results.get(reading.variant.id);
          if (!c || !gw) continue;
          const ratio = med(gw, 'rps') / med(c.results.get('direct'), 'rps');
          checks.push({
            target: reading.target,
            cell: cellName(c.cell),
            measured: `${fmt(med(gw, 'rps'))} vs ${fmt(med(c.results.get('direct'), 'rps'))} req/s: ${fmtRatio(ratio)}`,
            pass: ratio >= 0.5,
            ...(reading.variant === GW_OFF ? { profile: { cell: c.cell, variant: GW_OFF } } : {}),
          });
        }
      }
    }
  }
  return checks;
}

/** De-duplication at concurrency 64: fewer upstream calls per operation, and reads joining one in flight. */
function sharingChecks(find: Find): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const shape of ['a', 'b'] as const) {
    for (const delayMs of DELAYS) {
      const c = find(shape, 64, delayMs);
      const dedupe = c?.results.get('dedupe');
      if (!c || !dedupe) continue;
      const on = med(dedupe, 'callsPerOp');
      const off = med(c.results.get('off'), 'callsPerOp');
      const shared = med(dedupe, 'sharedPerOp');
      checks.push({
        target: 'De-duplication on: identical concurrent reads share one upstream call',
        cell: cellName(c.cell),
        measured:
          `${fmt(on, 2)} upstream calls/op with dedupe vs ${fmt(off, 2)} without; ` +
          `${fmt(shared, 2)} reads/op joined one in flight`,
        pass: shared > 0 && on < off,
      });
    }
  }
  return checks;
}

/** (b) under 20 ms delay, dedupe on: at least 1× direct throughput. */
function dedupeThroughputChecks(find: Find): TargetCheck[] {
  const c = find('b', 64, 20);
  const dedupe = c?.results.get('dedupe');
  if (!c || !dedupe) return [];
  const ratio = med(dedupe, 'rps') / med(c.results.get('direct'), 'rps');
  return [
    {
      target: 'De-duplication on: shape (b) under 20 ms delay at least 1× direct throughput',
      cell: cellName(c.cell),
      measured: `${fmt(med(dedupe, 'rps'))} vs ${fmt(med(c.results.get('direct'), 'rps'))} req/s: ${fmtRatio(ratio)}`,
      pass: ratio >= 1,
      profile: { cell: c.cell, variant: GW_DEDUPE },
    },
  ];
}

function memoryChecks(memory: MemoryResult | undefined): TargetCheck[] {
  if (!memory) return [];
  return [
    {
      target:
        `Memory stable under a ${fmt(memory.seconds)}-second run ` +
        `(first vs last ${fmt(memory.windowS)} s: RSS, and the live heap)`,
      cell: '(b) c=64 delay=0ms, dedupe off',
      measured:
        `RSS ${fmt(mb(memory.firstRss), 1)} → ${fmt(mb(memory.lastRss), 1)} MB ` +
        `(${memory.growthPct >= 0 ? '+' : ''}${fmt(memory.growthPct, 1)} %, ` +
        `sample σ ${fmt(mb(memory.noiseRss), 1)} MB); ` +
        `live heap after full collections ${fmt(mb(memory.gc.firstLive), 1)} → ${fmt(mb(memory.gc.lastLive), 1)} MB`,
      pass: memory.pass,
    },
  ];
}

export function evaluate(cells: CellResult[], memory: MemoryResult | undefined): TargetCheck[] {
  const find: Find = (shape, concurrency, delayMs) =>
    cells.find((c) => c.cell.shape === shape && c.cell.concurrency === concurrency && c.cell.delayMs === delayMs);
  return [
    ...latencyChecks(find),
    ...throughputChecks(find),
    ...sharingChecks(find),
    ...dedupeThroughputChecks(find),
    ...memoryChecks(memory),
  ];
}

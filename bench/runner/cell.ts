/**
 * cell: one cell of the matrix run from start to end: a fresh process for each side (gateway
 * variants, hop, direct), then `settings.runs` measured runs of every side, interleaved with the
 * order reversed every other run, then every process stopped. Its own module because this loop is
 * the bench's main work, and its interleaving is part of the method.
 */
import { Direct, Hop } from './direct-floor';
import { Gateway } from './gateway';
import type { Cell, Variant } from './matrix';
import { measure, type RunMetrics, type Target } from './measure';
import { settings } from './settings';
import { cellName, fmt, fmtMs, mb, type CellResult } from './stats';
import type { Upstream } from './upstream';

/**
 * Starts the process of one side and adds it to `targets` (the hop and the direct client before they
 * are ready, a gateway once its answer is checked; a child left out is still ended on exit).
 */
async function startTarget(
  upstream: Upstream,
  cell: Cell,
  variant: Variant,
  targets: Map<string, Target>,
): Promise<void> {
  if (variant.kind === 'gateway') {
    const gateway = await Gateway.start(
      variant,
      upstream.port,
      `${variant.id}-${cell.shape}-c${cell.concurrency}-d${cell.delayMs}`,
    );
    await gateway.check(cell.shape);
    targets.set(variant.id, gateway);
  } else if (variant.kind === 'hop') {
    const hop = new Hop();
    targets.set(variant.id, hop);
    await hop.start(upstream.port);
  } else {
    const direct = new Direct();
    targets.set(variant.id, direct);
    await direct.init(upstream.port);
  }
}

function printRun(cell: Cell, run: number, variant: Variant, metrics: RunMetrics): void {
  process.stdout.write(
    `bench: ${cellName(cell).padEnd(24)} run ${run + 1}/${settings.runs} ` +
      `${(variant.kind === 'gateway' ? `gateway ${variant.id}` : variant.id).padEnd(16)} ` +
      `${fmt(metrics.rps).padStart(7)} req/s  p50 ${fmtMs(metrics.p50Ms).padStart(6)} ms  ` +
      `p99 ${fmtMs(metrics.p99Ms).padStart(6)} ms  calls/op ${fmt(metrics.callsPerOp, 2).padStart(5)}  ` +
      `rss ${fmt(mb(metrics.peakRssBytes), 0)} MB  errors ${metrics.errors}\n`,
  );
}

export async function runCell(upstream: Upstream, cell: Cell): Promise<CellResult> {
  await upstream.setDelay(cell.delayMs);
  const targets = new Map<string, Target>();
  const cellResult: CellResult = { cell, results: new Map() };
  try {
    for (const variant of cell.variants) {
      await startTarget(upstream, cell, variant, targets);
      cellResult.results.set(variant.id, { variant, runs: [] });
    }
    for (let run = 0; run < settings.runs; run++) {
      // Alternate the order from run to run, so a drift in the machine's load touches every side.
      const order = run % 2 === 0 ? cell.variants : [...cell.variants].reverse();
      for (const variant of order) {
        const metrics = await measure(upstream, cell, variant, targets.get(variant.id)!);
        cellResult.results.get(variant.id)!.runs.push(metrics);
        printRun(cell, run, variant, metrics);
      }
    }
  } finally {
    for (const target of targets.values()) await target.stop();
  }
  return cellResult;
}

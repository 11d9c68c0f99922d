/**
 * stats: medians and other statistics over the runs, the number formats of the report, and the
 * shapes of a cell's results. Its own module because the targets, the memory run and every table
 * of the report compute and print figures the same way.
 */
import type { Cell, Variant } from './matrix';
import type { RunMetrics } from './measure';

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
}

export function stddev(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
export const fmtMs = (value: number) => fmt(value, value < 10 ? 2 : 1);
export const fmtRatio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
export const mb = (bytes: number) => bytes / (1024 * 1024);

export interface VariantResult {
  variant: Variant;
  runs: RunMetrics[];
}

export interface CellResult {
  cell: Cell;
  results: Map<string, VariantResult>;
}

export type Stat =
  | 'rps'
  | 'p50Ms'
  | 'p99Ms'
  | 'callsPerOp'
  | 'cpuUsPerOp'
  | 'loadGenCpuUsPerOp'
  | 'upstreamCpuUsPerOp'
  | 'machineBusyPct'
  | 'mainThreadBusyPct'
  | 'sharedPerOp'
  | 'meanMs';

export function med(result: VariantResult | undefined, stat: Stat): number {
  return result ? median(result.runs.map((r) => r[stat])) : NaN;
}

export function peak(result: VariantResult | undefined): number {
  return result ? Math.max(...result.runs.map((r) => r.peakRssBytes)) : NaN;
}

export function errorsOf(result: VariantResult | undefined): number {
  return result ? result.runs.reduce((sum, r) => sum + r.errors, 0) : 0;
}

export const cellName = (c: Cell) => `(${c.shape}) c=${c.concurrency} delay=${c.delayMs}ms`;

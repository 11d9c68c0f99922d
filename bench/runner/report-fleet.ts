/**
 * report-fleet: the report's "Several replicas" section (the fleet phase, bench/runner/fleet.ts) and
 * its lines on the console. Its own module because a side of the fleet phase is a set of processes
 * with figures of its own (the spread of the load, Redis commands and CPU) and ratios between sides,
 * which the matrix's tables (report-tables.ts) do not have.
 */
import os from 'node:os';
import {
  fleetMed,
  type FleetCellResult,
  type FleetResult,
  type FleetRunMetrics,
  type FleetVariantResult,
} from './fleet';
import { settings } from './settings';
import { fmt, fmtMs, fmtRatio, mb } from './stats';

const load = (values: number[]) => values.map((l) => l.toFixed(2)).join(' ');

function machineLine(c: FleetCellResult): string {
  const cpus = os.cpus();
  return (
    `- Machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores ` +
    `(available parallelism ${os.availableParallelism()}), shared by the load generator, every replica, ` +
    `Redis and the upstream; load average ${load(c.loadBefore)} at the start of the cell, ` +
    `${load(c.loadAfter)} at its end.`
  );
}

const errorsOf = (r: FleetVariantResult) => r.runs.reduce((n, run) => n + run.errors, 0);

/** Each replica's share of the operations (medians over runs), e.g. `33/33/34 %`. */
function spreadText(r: FleetVariantResult): string {
  if (r.runs.length === 0 || r.variant.replicas === 1) return '–';
  const shares = r.variant.replicas;
  const pct = Array.from({ length: shares }, (_, i) => {
    const values = r.runs.map((run) => (100 * (run.perReplicaOps[i] ?? 0)) / Math.max(run.ops, 1));
    return fmt(values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
  });
  return `${pct.join('/')} %`;
}

function redisUpText(r: FleetVariantResult): string {
  if (!r.variant.redis) return '–';
  if (r.redisUp.length === 0) return 'n/a';
  return r.redisUp.map((v) => (v === undefined ? 'absent' : String(v))).join('/');
}

function sideRow(r: FleetVariantResult): string {
  const m = (stat: keyof FleetRunMetrics, f: (n: number) => string) => f(fleetMed(r, stat));
  if (r.runs.length === 0) return `| ${r.variant.label} | ${r.errors.join('; ') || 'no run'} |||||||||||`;
  return (
    `| ${r.variant.label} | ${m('rps', (n) => fmt(n))} | ${m('p50Ms', fmtMs)} | ${m('p99Ms', fmtMs)} ` +
    `| ${m('callsPerOp', (n) => fmt(n, 3))} ` +
    `| ${m('sharedPerOp', (n) => fmt(n, 2))} / ${m('hitPerOp', (n) => fmt(n, 2))} ` +
    `| ${r.variant.redis ? m('redisCommandsPerOp', (n) => fmt(n, 2)) : '–'} ` +
    `| ${m('gatewayCpuUsPerOp', (n) => fmt(n))} / ${r.variant.redis ? m('redisCpuUsPerOp', (n) => fmt(n)) : '–'} / ` +
    `${m('loadGenCpuUsPerOp', (n) => fmt(n))} / ${m('upstreamCpuUsPerOp', (n) => fmt(n))} ` +
    `| ${m('machineBusyPct', (n) => fmt(n))} | ${spreadText(r)} ` +
    `| ${fmt(mb(Math.max(...r.runs.map((run) => run.peakRssBytes))), 1)} | ${errorsOf(r)} | ${redisUpText(r)} |`
  );
}

function ratioLines(c: FleetCellResult): string[] {
  return c.cell.ratios.map(({ of, to, label }) => {
    const a = c.results.get(of);
    const b = c.results.get(to);
    const ratio = (stat: keyof FleetRunMetrics) => fmtRatio(fleetMed(a, stat) / fleetMed(b, stat));
    return (
      `- ${label}: req/s ${ratio('rps')}, p50 ${ratio('p50Ms')}, p99 ${ratio('p99Ms')}, ` +
      `upstream calls/op ${ratio('callsPerOp')} ` +
      `(${fmt(fleetMed(a, 'callsPerOp'), 3)} vs ${fmt(fleetMed(b, 'callsPerOp'), 3)}), ` +
      `CPU µs/op of the replicas ${ratio('gatewayCpuUsPerOp')}.`
    );
  });
}

function cellSection(c: FleetCellResult): string[] {
  const cell = c.cell;
  const problems = [...c.results.values()].flatMap((r) => r.errors.map((e) => `- ${r.variant.label}: ${e}`));
  return [
    `### ${cell.title}`,
    '',
    machineLine(c),
    `- (${cell.shape}) at concurrency ${cell.concurrency}, upstream delay ${cell.delayMs} ms; ${cell.settingsText}; ` +
      `${settings.runs} run(s) per side, interleaved (order reversed every other run); medians.`,
    '',
    '| side | req/s | p50 ms | p99 ms | upstream calls/op | reads joined / from cache per op | Redis commands/op ' +
      '| CPU µs/op: replicas / Redis / load generator / upstream | machine busy % | operations per replica ' +
      '| peak RSS MB (largest replica) | errors | gateway_redis_up |',
    '|---|---:|---:|---:|---:|---|---:|---|---:|---|---:|---:|---|',
    ...[...c.results.values()].map(sideRow),
    '',
    ...ratioLines(c),
    ...(problems.length > 0 ? ['', ...problems] : []),
    '',
  ];
}

function runRows(fleet: FleetResult): string[] {
  const lines = [
    '| cell | side | run | req/s | p50 ms | p99 ms | upstream calls/op | operations per replica | errors |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const c of fleet.cells) {
    for (const r of c.results.values()) {
      r.runs.forEach((run, i) => {
        lines.push(
          `| (${c.cell.shape}) c=${c.cell.concurrency} delay=${c.cell.delayMs}ms | ${r.variant.label} | ${i + 1} ` +
            `| ${fmt(run.rps)} | ${fmtMs(run.p50Ms)} | ${fmtMs(run.p99Ms)} | ${fmt(run.callsPerOp, 3)} ` +
            `| ${run.perReplicaOps.join(' / ')} | ${run.errors} |`,
        );
      });
    }
  }
  return lines;
}

export function fleetSection(fleet: FleetResult): string[] {
  return [
    '## Several replicas',
    '',
    'Issue 14: the gateway as a fleet. Every side is fresh gateway processes (`node dist/main.js`, the settings ' +
      'above, rate limits off); the three replicas get the load at once from three autocannon instances in the ' +
      'bench process (22, 21 and 21 connections, one instance per replica, every connection the same number of ' +
      'operations), recorded into one latency histogram; operations and errors are summed, the window runs from ' +
      'their common start to the last answer. Upstream calls/op: the fixed upstream’s count over the window ÷ ' +
      'the operations of all replicas. Reads joined / from cache: `gateway_upstream_shared_reads_total` ' +
      '(`shared`, `hit`) summed over the replicas. Redis commands/op: `total_commands_processed` of the ' +
      'server over the window.',
    '',
    fleet.redisVersion
      ? `- Redis: redis-server ${fleet.redisVersion}, started by the bench on 127.0.0.1 (persistence off), ` +
        'shared by the sides with Redis, each under a key prefix of its own (`GATEWAY_REDIS_PREFIX=bench-<side>:`).'
      : `- Redis: not run (${fleet.redisMissing ?? 'unknown'}): the sides with Redis are left out.`,
    '',
    ...fleet.cells.flatMap(cellSection),
    '#### Every run of the fleet phase',
    '',
    ...runRows(fleet),
    '',
  ];
}

/** The fleet phase on the console: one line per side, then the ratios. */
export function printFleetTable(fleet: FleetResult): void {
  console.log('');
  console.log('fleet cell / side                    req/s   p50 ms   p99 ms  calls/op  ops per replica       err');
  for (const c of fleet.cells) {
    for (const r of c.results.values()) {
      const name = `(${c.cell.shape}) ${r.variant.id}`.padEnd(30);
      if (r.runs.length === 0) {
        console.log(`${name} ${r.errors.join('; ') || 'no run'}`);
        continue;
      }
      console.log(
        [
          name,
          fmt(fleetMed(r, 'rps')).padStart(10),
          fmtMs(fleetMed(r, 'p50Ms')).padStart(8),
          fmtMs(fleetMed(r, 'p99Ms')).padStart(8),
          fmt(fleetMed(r, 'callsPerOp'), 3).padStart(9),
          spreadText(r).padEnd(20),
          String(errorsOf(r)).padStart(5),
        ].join(' '),
      );
    }
    for (const line of ratioLines(c)) console.log(`  ${line.slice(2)}`);
  }
}

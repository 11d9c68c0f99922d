/**
 * report-tables: the tables of the report (results, CPU, minimal hop, settings sensitivity, CPU
 * profiles, every run) as Markdown lines, and the summary table printed on the console. Its own
 * module because the tables are most of the report's code, and report.ts only puts them in order.
 */
import type { ProfileSummary } from './profile';
import { cellName, errorsOf, fmt, fmtMs, fmtRatio, mb, med, peak, type CellResult, type Stat } from './stats';

export function mainTable(cells: CellResult[]): string[] {
  const lines = [
    '| shape | conc. | delay | gateway | req/s gw / direct (ratio) | p50 ms gw / direct (ratio) ' +
      '| p99 ms gw / direct (ratio) | upstream calls/op gw / direct (ratio) ' +
      '| peak RSS MB gw / direct (ratio) | errors |',
    '|---|---:|---:|---|---|---|---|---|---|---:|',
  ];
  for (const c of cells) {
    const direct = c.results.get('direct');
    for (const id of ['off', 'dedupe']) {
      const gw = c.results.get(id);
      if (!gw) continue;
      const pair = (stat: Stat, f: (n: number) => string) => {
        const g = med(gw, stat);
        const d = med(direct, stat);
        return `${f(g)} / ${f(d)} (${fmtRatio(g / d)})`;
      };
      const pg = peak(gw);
      const pd = peak(direct);
      lines.push(
        `| (${c.cell.shape}) | ${c.cell.concurrency} | ${c.cell.delayMs} ms | ${gw.variant.label} ` +
          `| ${pair('rps', (n) => fmt(n))} | ${pair('p50Ms', fmtMs)} | ${pair('p99Ms', fmtMs)} ` +
          `| ${pair('callsPerOp', (n) => fmt(n, 2))} | ${fmt(mb(pg), 1)} / ${fmt(mb(pd), 1)} (${fmtRatio(pg / pd)}) ` +
          `| ${errorsOf(gw) + errorsOf(direct)} |`,
      );
    }
  }
  return lines;
}

export function cpuTable(cells: CellResult[]): string[] {
  const lines = [
    '| shape | conc. | delay | side | CPU µs/op (process under test, all threads) | its main thread busy % ' +
      '| load generator µs/op (autocannon) | upstream µs/op | machine busy % (2 cores = 100) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    for (const id of ['off', 'dedupe', 'hop', 'direct']) {
      const r = c.results.get(id);
      if (!r) continue;
      lines.push(
        `| (${c.cell.shape}) | ${c.cell.concurrency} | ${c.cell.delayMs} ms ` +
          `| ${r.variant.kind === 'gateway' ? `gateway, ${r.variant.label}` : r.variant.label} ` +
          `| ${fmt(med(r, 'cpuUsPerOp'))} | ${fmt(med(r, 'mainThreadBusyPct'))} ` +
          `| ${id === 'direct' ? '(in the process)' : fmt(med(r, 'loadGenCpuUsPerOp'))} ` +
          `| ${fmt(med(r, 'upstreamCpuUsPerOp'))} | ${fmt(med(r, 'machineBusyPct'))} |`,
      );
    }
  }
  return lines;
}

export function sensitivityTable(cells: CellResult[]): string[] {
  const lines = [
    '| cell | variant | req/s (ratio to default gateway) | p50 ms (ratio) | p99 ms (ratio) | CPU µs/op (ratio) ' +
      '| peak RSS MB | req/s direct |',
    '|---|---|---|---|---|---|---:|---:|',
  ];
  for (const c of cells) {
    for (const id of ['info', 'dev', 'conc8', 'candidate']) {
      const r = c.results.get(id);
      if (!r) continue;
      const base = c.results.get(r.variant.baseline ?? 'off');
      const pair = (stat: Stat, f: (n: number) => string) =>
        `${f(med(r, stat))} (${fmtRatio(med(r, stat) / med(base, stat))})`;
      lines.push(
        `| ${cellName(c.cell)} | ${r.variant.label} | ${pair('rps', (n) => fmt(n))} | ${pair('p50Ms', fmtMs)} ` +
          `| ${pair('p99Ms', fmtMs)} | ${pair('cpuUsPerOp', (n) => fmt(n))} | ${fmt(mb(peak(r)), 1)} ` +
          `| ${fmt(med(c.results.get('direct'), 'rps'))} |`,
      );
    }
  }
  return lines;
}

export function hopTable(cells: CellResult[]): string[] {
  const lines = [
    '| cell | req/s hop (÷ direct) | req/s gateway ÷ hop | p50 ms hop (− direct) | p50 gateway − hop, ms ' +
      '| p99 ms hop | CPU µs/op hop / gateway | peak RSS MB hop |',
    '|---|---|---:|---|---:|---:|---|---:|',
  ];
  for (const c of cells) {
    const hop = c.results.get('hop');
    if (!hop) continue;
    const gw = c.results.get('off');
    const direct = c.results.get('direct');
    lines.push(
      `| ${cellName(c.cell)} | ${fmt(med(hop, 'rps'))} (${fmtRatio(med(hop, 'rps') / med(direct, 'rps'))}) ` +
        `| ${fmtRatio(med(gw, 'rps') / med(hop, 'rps'))} ` +
        `| ${fmtMs(med(hop, 'p50Ms'))} (+${fmtMs(med(hop, 'p50Ms') - med(direct, 'p50Ms'))}) ` +
        `| ${fmtMs(med(gw, 'p50Ms') - med(hop, 'p50Ms'))} | ${fmtMs(med(hop, 'p99Ms'))} ` +
        `| ${fmt(med(hop, 'cpuUsPerOp'))} / ${fmt(med(gw, 'cpuUsPerOp'))} | ${fmt(mb(peak(hop)), 1)} |`,
    );
  }
  return lines;
}

export function rawRuns(cells: CellResult[]): string[] {
  const lines = [
    '| cell | side | run | req/s | p50 ms | p99 ms | calls/op | peak RSS MB | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    for (const r of c.results.values()) {
      r.runs.forEach((run, i) => {
        lines.push(
          `| ${cellName(c.cell)} | ${r.variant.kind === 'gateway' ? `gateway, ${r.variant.label}` : r.variant.label} ` +
            `| ${i + 1} | ${fmt(run.rps)} | ${fmtMs(run.p50Ms)} | ${fmtMs(run.p99Ms)} | ${fmt(run.callsPerOp, 2)} ` +
            `| ${fmt(mb(run.peakRssBytes), 1)} | ${run.errors} |`,
        );
      });
    }
  }
  return lines;
}

export function profileSection(profiles: ProfileSummary[]): string[] {
  const lines: string[] = [];
  for (const p of profiles) {
    lines.push(
      `#### ${p.cell}`,
      '',
      `\`${p.file}\` (outside git; \`node --cpu-prof\`, 1 ms sampling): ${fmt(p.samples)} samples ` +
        'taken during the measured load (start-up and warm-up left out), ' +
        `busy ${fmt(100 * p.busyShare)} % of them (the rest idle, waiting on I/O). ` +
        'Shares below are of the busy samples.',
      '',
      '| by module | self % | inclusive % |',
      '|---|---:|---:|',
      ...p.modules.map((m) => `| ${m.name} | ${fmt(100 * m.self, 1)} | ${fmt(100 * m.total, 1)} |`),
      '',
      '| top functions by self time | self % |',
      '|---|---:|',
      ...p.functions.map((f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${fmt(100 * f.self, 1)} |`),
      '',
    );
  }
  return lines;
}

/** The results on the console: one line per gateway variant or hop of each cell, against direct. */
export function printTable(cells: CellResult[]): void {
  console.log('');
  console.log(
    'shape conc delay variant                  req/s gw    direct  ratio | p50 gw  direct | p99 gw  direct ' +
      '| calls/op gw direct | RSS MB gw direct | err',
  );
  for (const c of cells) {
    const direct = c.results.get('direct');
    for (const r of c.results.values()) {
      if (r.variant.kind === 'direct') continue;
      console.log(
        [
          `(${c.cell.shape})`.padEnd(5),
          String(c.cell.concurrency).padStart(4),
          `${c.cell.delayMs}ms`.padStart(5),
          r.variant.id.padEnd(22),
          fmt(med(r, 'rps')).padStart(10),
          fmt(med(direct, 'rps')).padStart(9),
          fmtRatio(med(r, 'rps') / med(direct, 'rps')).padStart(6),
          '|',
          fmtMs(med(r, 'p50Ms')).padStart(6),
          fmtMs(med(direct, 'p50Ms')).padStart(7),
          '|',
          fmtMs(med(r, 'p99Ms')).padStart(6),
          fmtMs(med(direct, 'p99Ms')).padStart(7),
          '|',
          fmt(med(r, 'callsPerOp'), 2).padStart(11),
          fmt(med(direct, 'callsPerOp'), 2).padStart(6),
          '|',
          fmt(mb(peak(r)), 0).padStart(9),
          fmt(mb(peak(direct)), 0).padStart(6),
          '|',
          String(errorsOf(r) + errorsOf(direct)).padStart(4),
        ].join(' '),
      );
    }
  }
}

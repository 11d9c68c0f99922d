/**
 * profile: the gateway run under `node --cpu-prof` in one cell, and the summary of its profile
 * (self and inclusive time by module, self time by function, over the measured load only); and the
 * choice of cells to profile (those of missed targets, plus the CPU-bound reference). Its own module
 * because profiling is a separate phase after the matrix, also run alone with --profile-cell.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from '../common';
import { Gateway, timedRun } from './gateway';
import { GW_OFF, type Cell, type Variant } from './matrix';
import { PROFILE_DIR } from './paths';
import { settings } from './settings';
import { cellName, fmt, type CellResult } from './stats';
import type { TargetCheck } from './targets';
import type { Upstream } from './upstream';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileSummary {
  file: string;
  cell: string;
  samples: number;
  busyShare: number;
  modules: Array<{ name: string; self: number; total: number }>;
  functions: Array<{ name: string; self: number }>;
}

function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 / native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node (core)';
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return `gateway: src/${url.slice(dist + '/dist/'.length).replace(/\.js$/, '.ts')}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return `src/${url.slice(dist + '/dist/'.length).replace(/\.js$/, '.ts')} (compiled)`;
  return url.replace(/^file:\/\//, '');
}

/** The profile's nodes, and the ids of the samples taken in `window` (all of them without one). */
function readSamples(
  file: string,
  window?: { fromUs: number; toUs: number },
): { nodes: ProfileNode[]; samples: number[] } {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
  };
  const profile = { nodes: raw.nodes, samples: [] as number[] };
  let t = raw.startTime;
  raw.samples.forEach((id, i) => {
    t += raw.timeDeltas[i] ?? 0;
    if (!window || (t >= window.fromUs && t <= window.toUs)) profile.samples.push(id);
  });
  return profile;
}

/** Sample counts: idle, self by module and by function, and inclusive by module (once per sample). */
function tally(profile: { nodes: ProfileNode[]; samples: number[] }) {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  let idle = 0;
  const moduleSelf = new Map<string, number>();
  const moduleTotal = new Map<string, number>();
  const functionSelf = new Map<string, number>();
  for (const [id, count] of counts) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += count;
      continue;
    }
    const mod = moduleOf(url, functionName);
    moduleSelf.set(mod, (moduleSelf.get(mod) ?? 0) + count);
    const key = url
      ? `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(anonymous)';
    functionSelf.set(key, (functionSelf.get(key) ?? 0) + count);
    // Inclusive: every module on the stack, once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      seen.add(moduleOf(frame.url, frame.functionName));
    }
    for (const m of seen) moduleTotal.set(m, (moduleTotal.get(m) ?? 0) + count);
  }
  return { total: profile.samples.length, idle, moduleSelf, moduleTotal, functionSelf };
}

/**
 * Self and inclusive time by module and function, over the samples taken in `window` (µs on the
 * monotonic clock that process.hrtime and V8's profiler share): the measured load, without start-up
 * and warm-up.
 */
function summariseProfile(file: string, cell: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const { total, idle, moduleSelf, moduleTotal, functionSelf } = tally(readSamples(file, window));
  const busy = total - idle;
  const share = (n: number) => (busy > 0 ? n / busy : 0);
  return {
    file,
    cell,
    samples: total,
    busyShare: total > 0 ? busy / total : 0,
    modules: [...moduleSelf.entries()]
      .map(([name, self]) => ({ name, self: share(self), total: share(moduleTotal.get(name) ?? self) }))
      .sort((x, y) => y.self - x.self)
      .slice(0, 18),
    functions: [...functionSelf.entries()]
      .map(([name, self]) => ({ name, self: share(self) }))
      .sort((x, y) => y.self - x.self)
      .slice(0, 25),
  };
}

export async function profileCell(upstream: Upstream, cell: Cell, variant: Variant): Promise<ProfileSummary> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const name = `gateway-${variant.id}-${cell.shape}-c${cell.concurrency}-d${cell.delayMs}-${Date.now()}`;
  await upstream.setDelay(cell.delayMs);
  const gateway = await Gateway.start(variant, upstream.port, `profile-${name}`, [
    '--cpu-prof',
    `--cpu-prof-dir=${PROFILE_DIR}`,
    `--cpu-prof-name=${name}.cpuprofile`,
  ]);
  let load: LoadResult;
  let window: { fromUs: number; toUs: number };
  try {
    await gateway.check(cell.shape);
    const warmupS = Math.max(settings.warmupS, settings.initialWarmupS);
    const warm = warmupS > 0 ? await timedRun(gateway.port, cell.shape, cell.concurrency, warmupS) : undefined;
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    load = await timedRun(gateway.port, cell.shape, cell.concurrency, Math.max(settings.durationS, 5), warm?.rate);
    window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
  } finally {
    await gateway.stop();
  }
  const file = path.join(PROFILE_DIR, `${name}.cpuprofile`);
  if (!existsSync(file)) throw new Error(`no profile written at ${file}`);
  return summariseProfile(
    file,
    `${cellName(cell)}, gateway ${variant.label} (${fmt((load.ops * 1000) / load.elapsedMs)} req/s while profiled)`,
    window,
  );
}

/** The cells of missed targets (at most six), and the CPU-bound reference cell, (b) 64 0 ms. */
function cellsToProfile(checks: TargetCheck[], results: CellResult[]): Array<{ cell: Cell; variant: Variant }> {
  const wanted: Array<{ cell: Cell; variant: Variant }> = [];
  for (const check of checks) {
    if (check.pass || !check.profile) continue;
    if (wanted.some((w) => w.cell === check.profile!.cell && w.variant === check.profile!.variant)) continue;
    if (wanted.length < 6) wanted.push(check.profile);
  }
  const reference = results.find(
    (r) => r.cell.shape === 'b' && r.cell.concurrency === 64 && r.cell.delayMs === 0,
  )?.cell;
  if (reference && !wanted.some((w) => w.cell === reference)) wanted.push({ cell: reference, variant: GW_OFF });
  return wanted.slice(0, 7);
}

/** Profiles the gateway under each chosen cell; a failed profile is noted, not fatal. */
export async function profileMissedTargets(
  upstream: Upstream,
  checks: TargetCheck[],
  results: CellResult[],
): Promise<{ profiles: ProfileSummary[]; profileErrors: string[] }> {
  const profiles: ProfileSummary[] = [];
  const profileErrors: string[] = [];
  for (const w of cellsToProfile(checks, results)) {
    console.log(`bench: profiling the gateway under ${cellName(w.cell)} (${w.variant.label})`);
    try {
      profiles.push(await profileCell(upstream, w.cell, w.variant));
    } catch (error) {
      profileErrors.push(`${cellName(w.cell)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { profiles, profileErrors };
}

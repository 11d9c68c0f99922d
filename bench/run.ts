/**
 * The benchmark (`npm run bench`): the gateway against the same data fetched directly from the
 * upstream, in the same run, on loopback, bounded in time, stopping by itself.
 *
 *   npm run bench                   full run (about 12 minutes), writes bench/RESULTS.md
 *   npm run bench -- --quick        smoke run (about 1.5 minutes), writes bench/.build/RESULTS.quick.md
 *   npm run bench -- --no-profile   skips the CPU profiles
 *   BENCH_DURATION=10 BENCH_RUNS=5 BENCH_WARMUP=2 BENCH_MEMORY_DURATION=60 npm run bench
 *
 * Processes (all children of this one, all ended by pid when it ends, however it ends):
 *   - bench/fixed-upstream.ts   the upstream, a minimal fixed-latency NCP stand-in (its own process)
 *   - node dist/main.js         the gateway, built first with `npm run build` (production build), one
 *                               fresh process per cell and variant
 *   - bench/direct.ts           the direct floor (undici, signed), one fresh process per cell
 *   - this process              autocannon against the gateway, the samplers, the report
 *
 * See bench/README.md for the method and bench/RESULTS.md for the figures.
 */
import autocannon from 'autocannon';
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../src/config';
import {
  ACCESS_KEY,
  BASE_PATH,
  SECRET_KEY,
  SHAPES,
  checkGatewayAnswer,
  latencyHistogram,
  recordMs,
  summarise,
  type DirectReply,
  type DirectRequest,
  type LoadResult,
  type ShapeId,
  type UpstreamReply,
  type UpstreamRequest,
  type UpstreamStats,
} from './common';

const ROOT = path.resolve(__dirname, '..');
/** Node flags of `npm start` (package.json), so the gateway runs here as it runs in production. */
const START_NODE_FLAGS: string[] = (() => {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const words = start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js')).filter((w) => w.startsWith('--'));
})();
const BUILD_DIR = path.join(ROOT, 'bench', '.build');
const WORK_DIR = path.join(os.tmpdir(), 'ncf-gateway-bench');
const PROFILE_DIR = path.join(WORK_DIR, 'profiles');
const LOG_DIR = path.join(WORK_DIR, 'logs');
const NOTES_START = '<!-- notes:start -->';
const NOTES_END = '<!-- notes:end -->';

// ---------------------------------------------------------------------------------------------
// Settings

const args = process.argv.slice(2);
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
const GATEWAY_DEFAULTS = loadConfig({});

const settings = {
  durationS: envNumber('BENCH_DURATION', quick ? 1 : 5, 0.5, 120),
  warmupS: envNumber('BENCH_WARMUP', quick ? 0.5 : 1, 0, 60),
  /** Warm-up of a fresh process's first run: its JIT needs a few thousand operations. */
  initialWarmupS: envNumber('BENCH_INITIAL_WARMUP', quick ? 0.5 : 3, 0, 60),
  runs: Math.round(envNumber('BENCH_RUNS', quick ? 1 : 3, 1, 15)),
  memoryS: envNumber('BENCH_MEMORY_DURATION', quick ? 6 : 60, 3, 600),
  /** The memory run's warm-up: the heap grows to its working size in the first seconds of load. */
  memoryWarmupS: envNumber('BENCH_MEMORY_WARMUP', quick ? 1 : 10, 0, 120),
  profile: !quick && !args.includes('--no-profile'),
  /** The gateway's default GATEWAY_UPSTREAM_CONNECTIONS; the direct Pool gets the same. */
  upstreamConnections: GATEWAY_DEFAULTS.upstreamHttp.connections,
};

/**
 * bench/RESULTS.md is written only by a complete run of the issue's matrix; a quick, partial or
 * exploratory run writes beside it, in the git-ignored bench/.build/.
 */
const partialRun =
  quick ||
  args.some((a) => a.startsWith('--only=') || a === '--no-memory') ||
  ['BENCH_CONCURRENCIES', 'BENCH_DELAYS', 'BENCH_CANDIDATE'].some((k) => (process.env[k] ?? '').trim() !== '');
const OUT = partialRun ? path.join(BUILD_DIR, quick ? 'RESULTS.quick.md' : 'RESULTS.partial.md') : path.join(ROOT, 'bench', 'RESULTS.md');

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 10_000)) throw new Error(`${name} must be a comma-separated list of whole numbers`);
  return values;
}

/** The issue's matrix; BENCH_CONCURRENCIES and BENCH_DELAYS explore beyond it (targets are judged on 1/64 and 0/20). */
const CONCURRENCIES = envList('BENCH_CONCURRENCIES', [1, 64]).filter((c) => c >= 1);
const DELAYS = envList('BENCH_DELAYS', [0, 20]);
const SHAPE_IDS: ShapeId[] = ['a', 'b', 'c'];

/** What every gateway process gets (variants add to it). */
const GATEWAY_BASE_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  NCP_ACCESS_KEY: ACCESS_KEY,
  NCP_SECRET_KEY: SECRET_KEY,
  // Compute is not exercised: Keystone is pointed at the discard port and never contacted, so the
  // gateway process does not also host the built-in compute emulator (it would add to its memory).
  OS_AUTH_URL: 'http://127.0.0.1:9/v3',
  OS_USERNAME: 'bench',
  OS_PASSWORD: 'bench',
  OS_PROJECT_NAME: 'bench',
};

const CACHING_OFF = { GATEWAY_DEDUPE: 'false', GATEWAY_CACHE_TTL_MS: '0' };

interface Variant {
  id: string;
  label: string;
  kind: 'gateway' | 'direct' | 'hop';
  env?: Record<string, string>;
  /** The gateway's entry point, when not dist/main.js. */
  entry?: string;
}

const DIRECT: Variant = { id: 'direct', label: 'direct (undici)', kind: 'direct' };
const HOP: Variant = { id: 'hop', label: 'minimal Node hop (node:http + the direct fetch)', kind: 'hop' };
const GW_OFF: Variant = { id: 'off', label: 'dedupe off, cache off', kind: 'gateway', env: CACHING_OFF };
const GW_DEDUPE: Variant = { id: 'dedupe', label: 'dedupe on, cache off', kind: 'gateway', env: { GATEWAY_DEDUPE: 'true', GATEWAY_CACHE_TTL_MS: '0' } };
const GW_INFO: Variant = { id: 'info', label: 'LOG_LEVEL=info (dedupe off)', kind: 'gateway', env: { ...CACHING_OFF, LOG_LEVEL: 'info' } };
const GW_DEV: Variant = { id: 'dev', label: 'NODE_ENV=development (dedupe off)', kind: 'gateway', env: { ...CACHING_OFF, NODE_ENV: 'development' } };
/** The earlier default (8): (b)'s 20 action lists then take three rounds. Shows why the default is 20. */
const GW_CONC8: Variant = {
  id: 'conc8',
  label: 'GATEWAY_UPSTREAM_CONCURRENCY=8 (dedupe off)',
  kind: 'gateway',
  env: { ...CACHING_OFF, GATEWAY_UPSTREAM_CONCURRENCY: '8' },
};

/**
 * BENCH_CANDIDATE=/path/to/main.js adds a candidate build (dedupe off) to every cell, compared with
 * dist/main.js in the same run: an A/B test of a change. Its directory needs ../schema beside it.
 */
const CANDIDATE = process.env.BENCH_CANDIDATE?.trim();
const GW_CANDIDATE: Variant | undefined = CANDIDATE
  ? { id: 'candidate', label: `candidate ${CANDIDATE} (dedupe off)`, kind: 'gateway', env: CACHING_OFF, entry: path.resolve(CANDIDATE) }
  : undefined;

interface Cell {
  shape: ShapeId;
  concurrency: number;
  delayMs: number;
  variants: Variant[];
}

function matrix(): Cell[] {
  const cells: Cell[] = [];
  for (const delayMs of DELAYS) {
    for (const shape of SHAPE_IDS) {
      for (const concurrency of CONCURRENCIES) {
        const variants = [GW_OFF];
        // Every read cell also runs with de-duplication on (the gateway's default): the throughput
        // target is judged under both readings of "caching off".
        if (shape !== 'c') variants.push(GW_DEDUPE);
        if (shape === 'a' && delayMs === 0) variants.push(GW_INFO);
        if (shape === 'a' && delayMs === 0 && concurrency === 64) variants.push(GW_DEV);
        if (shape === 'b' && delayMs === 20 && concurrency === 1) variants.push(GW_CONC8);
        if (shape === 'a' || (shape === 'b' && concurrency === 64 && delayMs === 0)) variants.push(HOP);
        if (GW_CANDIDATE) variants.push(GW_CANDIDATE);
        variants.push(DIRECT);
        cells.push({ shape, concurrency, delayMs, variants });
      }
    }
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Child processes: tracked, and ended by pid whatever happens

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the children\n`);
    killAllChildren();
    process.exit(130);
  });
}

async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a child: ours without anything the gateway reads, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(NCP_|OS_|NOVA_|GATEWAY_)/.test(key)) continue;
    if (['LOG_LEVEL', 'NODE_ENV', 'HOST', 'PORT', 'NODE_OPTIONS'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux): RSS, CPU time of a process, and of the whole machine

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process, in microseconds: the scheduler's exact run time of each of its threads
 * (/proc/<pid>/task/<tid>/schedstat, ns). The tick-sampled utime + stime of /proc/<pid>/stat is the
 * fallback: it over-charges processes woken by timers, as the 20 ms cells are.
 */
function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
    return ns / 1000;
  } catch {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  }
}

/** Run time of the main thread (the event loop) alone, in microseconds. */
function mainThreadMicros(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

class RssSampler {
  peak = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(pid: number, everyMs = 200) {
    const sample = () => {
      const rss = rssBytes(pid);
      if (rss !== undefined && rss > this.peak) this.peak = rss;
    };
    sample();
    this.#timer = setInterval(sample, everyMs);
  }
  stop(pid: number): number {
    clearInterval(this.#timer);
    const rss = rssBytes(pid);
    if (rss !== undefined && rss > this.peak) this.peak = rss;
    return this.peak;
  }
}

// ---------------------------------------------------------------------------------------------
// Build

function build(): void {
  if (process.env.BENCH_SKIP_BUILD === '1' && existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    console.log('bench: BENCH_SKIP_BUILD=1, using the existing dist/');
  } else {
    console.log('bench: npm run build (the gateway runs as node dist/main.js)');
    const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) throw new Error('npm run build failed: the gateway does not compile (see above)');
  }
  console.log('bench: compiling the benchmark helpers into bench/.build');
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--outDir', BUILD_DIR,
      '--rootDir', path.join(ROOT, 'bench'),
      '--module', 'node16',
      '--moduleResolution', 'node16',
      '--target', 'es2022',
      '--strict',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types', 'node',
      path.join(ROOT, 'bench', 'fixed-upstream.ts'),
      path.join(ROOT, 'bench', 'direct.ts'),
      path.join(ROOT, 'bench', 'parent-watch.ts'),
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('compiling bench/ helpers failed');
}

// ---------------------------------------------------------------------------------------------
// The upstream

class Upstream {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: Extract<UpstreamReply, { type: 'done' }>) => void>();
  #next = 0;
  port = 0;

  constructor() {
    this.#child = track(fork(path.join(BUILD_DIR, 'fixed-upstream.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  async start(): Promise<void> {
    this.port = await new Promise<number>((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`the fixed upstream exited (${code})`)));
      this.#child.on('message', (message: UpstreamReply) => {
        if (message.type === 'ready') resolve(message.port);
        else this.#waiting.get(message.id)?.(message);
      });
    });
  }

  #ask(message: Omit<UpstreamRequest, 'id'>): Promise<Extract<UpstreamReply, { type: 'done' }>> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#waiting.set(id, (reply) => {
        this.#waiting.delete(id);
        resolve(reply);
      });
      this.#child.send({ ...message, id } as UpstreamRequest);
    });
  }

  async setDelay(ms: number): Promise<void> {
    await this.#ask({ type: 'delay', ms } as Omit<UpstreamRequest, 'id'>);
  }
  async reset(): Promise<void> {
    await this.#ask({ type: 'reset' } as Omit<UpstreamRequest, 'id'>);
  }
  async stats(): Promise<UpstreamStats> {
    const reply = await this.#ask({ type: 'stats' } as Omit<UpstreamRequest, 'id'>);
    if (!reply.stats) throw new Error('no stats from the upstream');
    return reply.stats;
  }
  stop(): Promise<void> {
    return stopChild(this.#child, 5_000);
  }
}

// ---------------------------------------------------------------------------------------------
// The gateway process

class Gateway {
  readonly port: number;
  readonly #child: ChildProcess;
  #stderr = '';

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  static async start(variant: Variant, upstreamPort: number, name: string, nodeArgs: string[] = []): Promise<Gateway> {
    nodeArgs = [...START_NODE_FLAGS, ...nodeArgs];
    const port = await freePort();
    mkdirSync(LOG_DIR, { recursive: true });
    const logFd = openSync(path.join(LOG_DIR, `${name}.log`), 'w');
    const env = childEnv({
      ...GATEWAY_BASE_ENV,
      PORT: String(port),
      NCP_API_URL: `http://127.0.0.1:${upstreamPort}${BASE_PATH}`,
      ...variant.env,
    });
    const child = track(spawn(process.execPath, ['--require', path.join(BUILD_DIR, 'parent-watch.js'), ...nodeArgs, variant.entry ?? path.join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', logFd, 'pipe'] }));
    closeSync(logFd);
    const gateway = new Gateway(child, port);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited at start (${child.exitCode}): ${gateway.#stderr}`);
      try {
        const res = await request(`http://127.0.0.1:${port}/readyz`);
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the gateway did not become ready in 30 s: ${gateway.#stderr}`);
      await sleep(100);
    }
    return gateway;
  }

  /** One operation, checked: the shape's data is complete and has no error. */
  async check(shape: ShapeId): Promise<void> {
    const res = await request(`http://127.0.0.1:${this.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: SHAPES[shape].graphqlBody,
    });
    const body: unknown = await res.body.json();
    const problem = res.statusCode === 200 ? checkGatewayAnswer(shape, body) : `HTTP ${res.statusCode}`;
    if (problem) throw new Error(`the gateway's answer to shape (${shape}) is wrong: ${problem}`);
  }

  /** Counters from /metrics (name with labels -> value), for the lines matching `prefix`. */
  async metrics(prefix: string): Promise<Map<string, number>> {
    const res = await request(`http://127.0.0.1:${this.port}/metrics`);
    const text = await res.body.text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith(prefix)) continue;
      const space = line.lastIndexOf(' ');
      out.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return out;
  }

  async sharedReads(): Promise<{ miss: number; shared: number; hit: number }> {
    const m = await this.metrics('gateway_upstream_shared_reads_total');
    const get = (outcome: string) => m.get(`gateway_upstream_shared_reads_total{service="cloudfunctions",outcome="${outcome}"}`) ?? 0;
    return { miss: get('miss'), shared: get('shared'), hit: get('hit') };
  }

  stop(): Promise<void> {
    return stopChild(this.#child);
  }
}

/**
 * autocannon against the gateway's /graphql, latencies recorded in µs. Either for `seconds`, or for
 * exactly `amount` operations: then every connection sends its share and waits for the last answer,
 * so no operation is cut off at the end and upstream calls per operation are exact. `capSeconds`
 * stops an `amount` run that takes far longer than expected.
 */
function cannon(
  port: number,
  shape: ShapeId,
  connections: number,
  bound: { seconds: number } | { amount: number; capSeconds: number },
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const histogram = latencyHistogram();
    let ok = 0;
    const started = performance.now();
    // The window ends at the last answer: autocannon itself only notices the end at its next sample tick.
    let lastAnswer = started;
    let cap: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${hopPorts.has(port) ? `/graphql?shape=${shape}` : '/graphql'}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: SHAPES[shape].graphqlBody,
        connections,
        pipelining: 1,
        ...('amount' in bound ? { amount: bound.amount } : { duration: bound.seconds }),
        timeout: 30,
        sampleInt: 50,
        // A 200 can still carry GraphQL errors: those count as errors, not operations.
        verifyBody: (body) => body.startsWith('{"data"') && !body.includes('"errors"'),
      },
      (error, result) => {
        if (cap) clearTimeout(cap);
        if (error) return reject(error);
        const errors = result.non2xx + result.errors + result.timeouts + result.mismatches;
        resolve(summarise(histogram, ok - result.mismatches, errors, lastAnswer - started));
      },
    );
    if ('amount' in bound) cap = setTimeout(() => instance.stop(), bound.capSeconds * 1000);
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      lastAnswer = performance.now();
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        recordMs(histogram, responseTimeMs);
      }
    });
  });
}

/**
 * Load for about `seconds`, ended cleanly: the number of operations is the rate seen so far
 * (`rateHint`, or a short probe's) times `seconds`, a whole number per connection.
 */
async function timedRun(port: number, shape: ShapeId, connections: number, seconds: number, rateHint?: number): Promise<LoadResult & { rate: number }> {
  let rate = rateHint;
  if (!rate || !(rate > 0)) {
    const probe = await cannon(port, shape, connections, { amount: connections * 2, capSeconds: 30 });
    rate = (probe.ops * 1000) / probe.elapsedMs;
  }
  const perConnection = Math.max(2, Math.ceil((rate * seconds) / connections));
  const result = await cannon(port, shape, connections, { amount: perConnection * connections, capSeconds: seconds * 3 + 10 });
  return { ...result, rate: (result.ops * 1000) / result.elapsedMs };
}

// ---------------------------------------------------------------------------------------------
// The direct floor process

class Direct {
  readonly #child: ChildProcess;
  readonly #queue: DirectReply[] = [];
  #waiter: ((reply: DirectReply) => void) | undefined;

  constructor() {
    this.#child = track(fork(path.join(BUILD_DIR, 'direct.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    this.#child.on('message', (message: DirectReply) => {
      const waiter = this.#waiter;
      if (waiter) {
        this.#waiter = undefined;
        waiter(message);
      } else this.#queue.push(message);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  #send(message: DirectRequest): void {
    this.#child.send(message);
  }

  async #expect(type: DirectReply['type']): Promise<DirectReply> {
    const message =
      this.#queue.shift() ??
      (await new Promise<DirectReply>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the direct client exited (${code})`));
        this.#child.once('exit', onExit);
        this.#waiter = (reply) => {
          this.#child.off('exit', onExit);
          resolve(reply);
        };
      }));
    if (message.type === 'failed') throw new Error(`direct client: ${message.message}`);
    if (message.type !== type) throw new Error(`direct client: expected ${type}, got ${message.type}`);
    return message;
  }

  async init(upstreamPort: number): Promise<void> {
    this.#send({ type: 'init', origin: `http://127.0.0.1:${upstreamPort}`, connections: settings.upstreamConnections });
    await this.#expect('ready');
  }

  /** Warm-up, then `beforeMeasure`, then the measured window. */
  async run(shape: ShapeId, concurrency: number, warmupS: number, beforeMeasure: () => Promise<void>): Promise<LoadResult> {
    this.#send({ type: 'run', shape, concurrency, warmupMs: warmupS * 1000, durationMs: settings.durationS * 1000 });
    await this.#expect('warm');
    await beforeMeasure();
    this.#send({ type: 'go' });
    const reply = await this.#expect('result');
    if (reply.type !== 'result') throw new Error('unreachable');
    return reply.result;
  }

  stop(): Promise<void> {
    return stopChild(this.#child, 5_000);
  }
}

/** Ports of minimal hops: they read the shape from the query string, not from GraphQL. */
const hopPorts = new Set<number>();

/** The minimal hop (bench/direct.ts runHop): node:http + the direct fetch, loaded like the gateway. */
class Hop {
  readonly #child: ChildProcess;
  port = 0;

  constructor() {
    this.#child = track(fork(path.join(BUILD_DIR, 'direct.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  async start(upstreamPort: number): Promise<void> {
    const listening = new Promise<number>((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`the minimal hop exited (${code})`)));
      this.#child.on('message', (message: DirectReply) => {
        if (message.type === 'listening') resolve(message.port);
      });
    });
    const request: DirectRequest = { type: 'hop', origin: `http://127.0.0.1:${upstreamPort}`, connections: settings.upstreamConnections };
    this.#child.send(request);
    this.port = await listening;
    hopPorts.add(this.port);
  }

  stop(): Promise<void> {
    hopPorts.delete(this.port);
    return stopChild(this.#child, 5_000);
  }
}

// ---------------------------------------------------------------------------------------------
// One measured run

interface RunMetrics extends LoadResult {
  rps: number;
  callsPerOp: number;
  peakRssBytes: number;
  /** CPU of the process under test (the gateway, or the direct client) per operation, µs. */
  cpuUsPerOp: number;
  /** CPU of the load generator (this process, autocannon) per operation, µs; 0 for direct. */
  loadGenCpuUsPerOp: number;
  upstreamCpuUsPerOp: number;
  /** Share of the whole machine busy during the window (all processes), %. */
  machineBusyPct: number;
  /** Share of the window the process under test's main thread (its event loop) was running, %. */
  mainThreadBusyPct: number;
  /** Reads that joined an identical read in flight (dedupe), per operation. */
  sharedPerOp: number;
}

/** Processes that had their first (longer) warm-up. */
const warmed = new WeakSet<Gateway | Direct | Hop>();

/** The rate each gateway process reached last, to size its next run. */
const lastRate = new WeakMap<Gateway | Hop, number>();

async function measure(
  upstream: Upstream,
  cell: Cell,
  variant: Variant,
  target: Gateway | Direct | Hop,
): Promise<RunMetrics> {
  const quiesceMs = cell.delayMs + 150;
  let before: { proc: number; main: number; self: NodeJS.CpuUsage; up: number; machine: { busy: number; total: number } } | undefined;
  let sampler: RssSampler | undefined;
  let shared0 = 0;
  const begin = async () => {
    await upstream.reset();
    if (target instanceof Gateway) shared0 = (await target.sharedReads()).shared;
    before = { proc: cpuMicros(target.pid), main: mainThreadMicros(target.pid), self: process.cpuUsage(), up: cpuMicros(upstream.pid), machine: machineTicks() };
    sampler = new RssSampler(target.pid);
  };
  let result: LoadResult;
  const warmupS = warmed.has(target) ? settings.warmupS : Math.max(settings.warmupS, settings.initialWarmupS);
  warmed.add(target);
  if (!(target instanceof Direct)) {
    let rate = lastRate.get(target);
    if (warmupS > 0) {
      const warm = await timedRun(target.port, cell.shape, cell.concurrency, warmupS, rate);
      rate = Math.max(rate ?? 0, warm.rate);
    }
    await sleep(quiesceMs);
    await begin();
    const measured = await timedRun(target.port, cell.shape, cell.concurrency, settings.durationS, rate);
    lastRate.set(target, measured.rate);
    result = measured;
  } else {
    result = await target.run(cell.shape, cell.concurrency, warmupS, begin);
  }
  const peakRssBytes = sampler!.stop(target.pid);
  const b = before!;
  const procUs = cpuMicros(target.pid) - b.proc;
  const mainUs = mainThreadMicros(target.pid) - b.main;
  const selfUsage = process.cpuUsage(b.self);
  const upUs = cpuMicros(upstream.pid) - b.up;
  const machine = machineTicks();
  await sleep(quiesceMs);
  const stats = await upstream.stats();
  const shared = target instanceof Gateway ? (await target.sharedReads()).shared - shared0 : 0;
  const ops = Math.max(result.ops, 1);
  return {
    ...result,
    rps: (result.ops * 1000) / result.elapsedMs,
    callsPerOp: stats.total / ops,
    peakRssBytes,
    cpuUsPerOp: procUs / ops,
    loadGenCpuUsPerOp: variant.kind === 'direct' ? 0 : (selfUsage.user + selfUsage.system) / ops,
    upstreamCpuUsPerOp: upUs / ops,
    mainThreadBusyPct: (100 * mainUs) / (result.elapsedMs * 1000),
    machineBusyPct: machine.total > b.machine.total ? (100 * (machine.busy - b.machine.busy)) / (machine.total - b.machine.total) : 0,
    sharedPerOp: shared / ops,
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
}

function stddev(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const fmtMs = (value: number) => fmt(value, value < 10 ? 2 : 1);
const fmtRatio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');
const mb = (bytes: number) => bytes / (1024 * 1024);

interface VariantResult {
  variant: Variant;
  runs: RunMetrics[];
}

interface CellResult {
  cell: Cell;
  results: Map<string, VariantResult>;
}

type Stat = 'rps' | 'p50Ms' | 'p99Ms' | 'callsPerOp' | 'cpuUsPerOp' | 'loadGenCpuUsPerOp' | 'upstreamCpuUsPerOp' | 'machineBusyPct' | 'mainThreadBusyPct' | 'sharedPerOp' | 'meanMs';

function med(result: VariantResult | undefined, stat: Stat): number {
  return result ? median(result.runs.map((r) => r[stat])) : NaN;
}

function peak(result: VariantResult | undefined): number {
  return result ? Math.max(...result.runs.map((r) => r.peakRssBytes)) : NaN;
}

function errorsOf(result: VariantResult | undefined): number {
  return result ? result.runs.reduce((sum, r) => sum + r.errors, 0) : 0;
}

const cellName = (c: Cell) => `(${c.shape}) c=${c.concurrency} delay=${c.delayMs}ms`;

// ---------------------------------------------------------------------------------------------
// CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface ProfileSummary {
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

/**
 * Self and inclusive time by module and function, over the samples taken in `window` (µs on the
 * monotonic clock that process.hrtime and V8's profiler share): the measured load, without start-up
 * and warm-up.
 */
function summariseProfile(file: string, cell: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number };
  const profile = { nodes: raw.nodes, samples: [] as number[] };
  let t = raw.startTime;
  raw.samples.forEach((id, i) => {
    t += raw.timeDeltas[i] ?? 0;
    if (!window || (t >= window.fromUs && t <= window.toUs)) profile.samples.push(id);
  });
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
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
    const key = url ? `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
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

async function profileCell(upstream: Upstream, cell: Cell, variant: Variant): Promise<ProfileSummary> {
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
  return summariseProfile(file, `${cellName(cell)}, gateway ${variant.label} (${fmt((load.ops * 1000) / load.elapsedMs)} req/s while profiled)`, window);
}

// ---------------------------------------------------------------------------------------------
// Memory run

interface MemoryResult {
  seconds: number;
  windowS: number;
  samples: Array<{ t: number; rss: number; heap: number }>;
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
  /** The live set in the first and last window: median heap after full collections (or the lowest after any, when none). */
  firstLive: number;
  lastLive: number;
  /** Each successive window. */
  windows: GcWindow[];
}

const GC_LINE = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Minor Mark-Compact|Mark-Sweep)\S*\s+[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/;

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
function memoryWindows(memory: MemoryResult): string[] {
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
function gcWindows(memory: MemoryResult): string[] {
  return memory.gc.windows.map(
    (w) => `${fmt(w.from)}–${fmt(w.to)} s ${Number.isNaN(w.fullMedian) ? '–' : fmt(mb(w.fullMedian), 1)} / ${fmt(mb(w.floor), 1)} MB`,
  );
}

/** Least-squares slope of RSS against time, in MB per minute. */
function rssSlopeMbPerMin(samples: Array<{ t: number; rss: number }>): number {
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
  return den === 0 ? NaN : (mb(num / den) * 60);
}

async function memoryRun(upstream: Upstream): Promise<MemoryResult> {
  await upstream.setDelay(0);
  // --trace-gc: every collection writes the heap size after it to the gateway's log (stdout).
  const gateway = await Gateway.start(GW_OFF, upstream.port, 'memory-b-c64-d0', ['--trace-gc']);
  const logFile = path.join(LOG_DIR, 'memory-b-c64-d0.log');
  try {
    await gateway.check('b');
    if (settings.memoryWarmupS > 0) await cannon(gateway.port, 'b', 64, { seconds: settings.memoryWarmupS });
    const samples: Array<{ t: number; rss: number; heap: number }> = [];
    // The window starts at the last collection of the warm-up, on the gateway's own clock (under
    // load, collections come many times a second).
    const gcAtStart = gcEvents(logFile).at(-1)?.ms ?? 0;
    const started = performance.now();
    let sampling = true;
    const sampler = (async () => {
      for (let next = 1000; sampling; next += 1000) {
        await sleep(Math.max(0, started + next - performance.now()));
        if (!sampling) break;
        const rss = rssBytes(gateway.pid) ?? NaN;
        const heap = (await gateway.metrics('gateway_nodejs_heap_size_used_bytes')).get('gateway_nodejs_heap_size_used_bytes') ?? NaN;
        samples.push({ t: (performance.now() - started) / 1000, rss, heap });
      }
    })();
    const load = await cannon(gateway.port, 'b', 64, { seconds: settings.memoryS });
    sampling = false;
    await sampler;
    const windowS = Math.min(10, settings.memoryS / 3);
    const first = samples.filter((s) => s.t <= windowS + 0.5);
    // The same number of samples as the first window (one a second): t in (end − window, end].
    const last = samples.filter((s) => s.t > settings.memoryS - windowS + 0.5);
    const firstRss = mean(first.map((s) => s.rss));
    const lastRss = mean(last.map((s) => s.rss));
    const noiseRss = Math.sqrt((stddev(first.map((s) => s.rss)) ** 2 + stddev(last.map((s) => s.rss)) ** 2) / 2);
    const growth = lastRss - firstRss;
    const growthPct = (100 * growth) / firstRss;
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
    const gc: GcSummary = {
      events: events.length,
      markCompacts: events.filter(isFull).length,
      firstLive: live(gcWindow(0, windowS)),
      lastLive: live(gcWindow(settings.memoryS - windowS, settings.memoryS + 0.5)),
      windows,
    };
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
  } finally {
    await gateway.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

interface TargetCheck {
  target: string;
  cell: string;
  measured: string;
  pass: boolean;
  /** The cell to profile when missed. */
  profile?: { cell: Cell; variant: Variant };
}

function evaluate(cells: CellResult[], memory: MemoryResult | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (shape: ShapeId, concurrency: number, delayMs: number) =>
    cells.find((c) => c.cell.shape === shape && c.cell.concurrency === concurrency && c.cell.delayMs === delayMs);

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
  // "Caching off", read two ways: de-duplication off too; and the cache off (GATEWAY_CACHE_TTL_MS=0,
  // its default) with de-duplication at its default, on. Cells are profiled under the first reading.
  const readings = [
    { variant: GW_OFF, target: 'Throughput with caching off, de-duplication off too: at least 0.5× direct' },
    { variant: GW_DEDUPE, target: 'Throughput with caching off, de-duplication at its default (on): at least 0.5× direct' },
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
        measured: `${fmt(on, 2)} upstream calls/op with dedupe vs ${fmt(off, 2)} without; ${fmt(shared, 2)} reads/op joined one in flight`,
        pass: shared > 0 && on < off,
      });
    }
  }
  {
    const c = find('b', 64, 20);
    const dedupe = c?.results.get('dedupe');
    if (c && dedupe) {
      const ratio = med(dedupe, 'rps') / med(c.results.get('direct'), 'rps');
      checks.push({
        target: 'De-duplication on: shape (b) under 20 ms delay at least 1× direct throughput',
        cell: cellName(c.cell),
        measured: `${fmt(med(dedupe, 'rps'))} vs ${fmt(med(c.results.get('direct'), 'rps'))} req/s: ${fmtRatio(ratio)}`,
        pass: ratio >= 1,
        profile: { cell: c.cell, variant: GW_DEDUPE },
      });
    }
  }
  if (memory) {
    checks.push({
      target: `Memory stable under a ${fmt(memory.seconds)}-second run (first vs last ${fmt(memory.windowS)} s: RSS, and the live heap)`,
      cell: '(b) c=64 delay=0ms, dedupe off',
      measured: `RSS ${fmt(mb(memory.firstRss), 1)} → ${fmt(mb(memory.lastRss), 1)} MB (${memory.growthPct >= 0 ? '+' : ''}${fmt(memory.growthPct, 1)} %, sample σ ${fmt(mb(memory.noiseRss), 1)} MB); live heap after full collections ${fmt(mb(memory.gc.firstLive), 1)} → ${fmt(mb(memory.gc.lastLive), 1)} MB`,
      pass: memory.pass,
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Report

/** Taken when the bench starts: the report is written at the end. */
const LOAD_AT_START = os.loadavg();

function machineDescription(): string[] {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores (os.cpus()); available parallelism ${os.availableParallelism()}`,
    `- RAM: ${fmt(os.totalmem() / 1024 ** 3, 1)} GiB total; OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node.js ${process.version}; autocannon 8.0.0; undici ${readVersion('undici')}; load average at start ${LOAD_AT_START.map((l) => l.toFixed(2)).join(' ')}`,
  ];
}

function readVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function gitDescription(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'schema'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return dirty.length > 0 ? `${head}, with uncommitted changes in ${dirty.join(', ')}` : `${head} (src/ and schema/ clean)`;
  } catch {
    return 'unknown';
  }
}

function command(): string {
  const env = ['BENCH_DURATION', 'BENCH_RUNS', 'BENCH_WARMUP', 'BENCH_INITIAL_WARMUP', 'BENCH_MEMORY_DURATION', 'BENCH_SKIP_BUILD', 'BENCH_CONCURRENCIES', 'BENCH_DELAYS', 'BENCH_CANDIDATE']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`);
  return [...env, 'npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
}

function mainTable(cells: CellResult[]): string[] {
  const lines = [
    '| shape | conc. | delay | gateway | req/s gw / direct (ratio) | p50 ms gw / direct (ratio) | p99 ms gw / direct (ratio) | upstream calls/op gw / direct (ratio) | peak RSS MB gw / direct (ratio) | errors |',
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
        `| (${c.cell.shape}) | ${c.cell.concurrency} | ${c.cell.delayMs} ms | ${gw.variant.label} | ${pair('rps', (n) => fmt(n))} | ${pair('p50Ms', fmtMs)} | ${pair('p99Ms', fmtMs)} | ${pair('callsPerOp', (n) => fmt(n, 2))} | ${fmt(mb(pg), 1)} / ${fmt(mb(pd), 1)} (${fmtRatio(pg / pd)}) | ${errorsOf(gw) + errorsOf(direct)} |`,
      );
    }
  }
  return lines;
}

function cpuTable(cells: CellResult[]): string[] {
  const lines = [
    '| shape | conc. | delay | side | CPU µs/op (process under test, all threads) | its main thread busy % | load generator µs/op (autocannon) | upstream µs/op | machine busy % (2 cores = 100) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    for (const id of ['off', 'dedupe', 'hop', 'direct']) {
      const r = c.results.get(id);
      if (!r) continue;
      lines.push(
        `| (${c.cell.shape}) | ${c.cell.concurrency} | ${c.cell.delayMs} ms | ${r.variant.kind === 'gateway' ? `gateway, ${r.variant.label}` : r.variant.label} | ${fmt(med(r, 'cpuUsPerOp'))} | ${fmt(med(r, 'mainThreadBusyPct'))} | ${id === 'direct' ? '(in the process)' : fmt(med(r, 'loadGenCpuUsPerOp'))} | ${fmt(med(r, 'upstreamCpuUsPerOp'))} | ${fmt(med(r, 'machineBusyPct'))} |`,
      );
    }
  }
  return lines;
}

function sensitivityTable(cells: CellResult[]): string[] {
  const lines = [
    '| cell | variant | req/s (ratio to default gateway) | p50 ms (ratio) | p99 ms (ratio) | CPU µs/op (ratio) | peak RSS MB | req/s direct |',
    '|---|---|---|---|---|---|---:|---:|',
  ];
  for (const c of cells) {
    const base = c.results.get('off');
    for (const id of ['info', 'dev', 'conc8', 'candidate']) {
      const r = c.results.get(id);
      if (!r) continue;
      const pair = (stat: Stat, f: (n: number) => string) => `${f(med(r, stat))} (${fmtRatio(med(r, stat) / med(base, stat))})`;
      lines.push(
        `| ${cellName(c.cell)} | ${r.variant.label} | ${pair('rps', (n) => fmt(n))} | ${pair('p50Ms', fmtMs)} | ${pair('p99Ms', fmtMs)} | ${pair('cpuUsPerOp', (n) => fmt(n))} | ${fmt(mb(peak(r)), 1)} | ${fmt(med(c.results.get('direct'), 'rps'))} |`,
      );
    }
  }
  return lines;
}

function hopTable(cells: CellResult[]): string[] {
  const lines = [
    '| cell | req/s hop (÷ direct) | req/s gateway ÷ hop | p50 ms hop (− direct) | p50 gateway − hop, ms | p99 ms hop | CPU µs/op hop / gateway | peak RSS MB hop |',
    '|---|---|---:|---|---:|---:|---|---:|',
  ];
  for (const c of cells) {
    const hop = c.results.get('hop');
    if (!hop) continue;
    const gw = c.results.get('off');
    const direct = c.results.get('direct');
    lines.push(
      `| ${cellName(c.cell)} | ${fmt(med(hop, 'rps'))} (${fmtRatio(med(hop, 'rps') / med(direct, 'rps'))}) | ${fmtRatio(med(gw, 'rps') / med(hop, 'rps'))} | ${fmtMs(med(hop, 'p50Ms'))} (+${fmtMs(med(hop, 'p50Ms') - med(direct, 'p50Ms'))}) | ${fmtMs(med(gw, 'p50Ms') - med(hop, 'p50Ms'))} | ${fmtMs(med(hop, 'p99Ms'))} | ${fmt(med(hop, 'cpuUsPerOp'))} / ${fmt(med(gw, 'cpuUsPerOp'))} | ${fmt(mb(peak(hop)), 1)} |`,
    );
  }
  return lines;
}

function rawRuns(cells: CellResult[]): string[] {
  const lines = ['| cell | side | run | req/s | p50 ms | p99 ms | calls/op | peak RSS MB | errors |', '|---|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const c of cells) {
    for (const r of c.results.values()) {
      r.runs.forEach((run, i) => {
        lines.push(
          `| ${cellName(c.cell)} | ${r.variant.kind === 'gateway' ? `gateway, ${r.variant.label}` : r.variant.label} | ${i + 1} | ${fmt(run.rps)} | ${fmtMs(run.p50Ms)} | ${fmtMs(run.p99Ms)} | ${fmt(run.callsPerOp, 2)} | ${fmt(mb(run.peakRssBytes), 1)} | ${run.errors} |`,
        );
      });
    }
  }
  return lines;
}

function profileSection(profiles: ProfileSummary[]): string[] {
  const lines: string[] = [];
  for (const p of profiles) {
    lines.push(
      `#### ${p.cell}`,
      '',
      `\`${p.file}\` (outside git; \`node --cpu-prof\`, 1 ms sampling): ${fmt(p.samples)} samples taken during the measured load (start-up and warm-up left out), busy ${fmt(100 * p.busyShare)} % of them (the rest idle, waiting on I/O). Shares below are of the busy samples.`,
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

function previousNotes(): string {
  try {
    const text = readFileSync(OUT, 'utf8');
    const start = text.indexOf(NOTES_START);
    const end = text.indexOf(NOTES_END);
    if (start !== -1 && end > start) return text.slice(start, end + NOTES_END.length);
  } catch {
    // first run
  }
  return `${NOTES_START}\n_(No analysis written yet: it is kept between these markers across runs.)_\n${NOTES_END}`;
}

function report(
  started: Date,
  finishedMs: number,
  cells: CellResult[],
  checks: TargetCheck[],
  memory: MemoryResult | undefined,
  profiles: ProfileSummary[],
  profileErrors: string[],
): string {
  const lines = [
    '# Benchmark results',
    '',
    `Generated by \`bench/run.ts\` on ${started.toISOString()} (took ${fmt(finishedMs / 60_000, 1)} min). Method: bench/README.md.`,
    '',
    '## Machine and command',
    '',
    ...machineDescription(),
    `- Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: other work may have run at the same time)`,
    `- Command: \`${command()}\``,
    `- Gateway source: commit ${gitDescription()}, built with \`npm run build\` and run as \`node ${[...START_NODE_FLAGS, 'dist/main.js'].join(' ')}\` (the flags of \`npm start\`)`,
    '',
    '## Settings',
    '',
    `- Each cell: ${fmt(settings.warmupS, 1)} s warm-up (${fmt(settings.initialWarmupS, 1)} s before a fresh process's first run), then ${fmt(settings.durationS, 1)} s measured; ${settings.runs} run(s) per side, the sides interleaved; figures are medians of the runs (peak RSS: the highest sample of the cell).`,
    '- Gateway: one fresh process per cell and variant, `NODE_ENV=production`, `LOG_LEVEL=warn` (logs to a file), `GATEWAY_AUTH=none` (default), every other knob at its default ' +
      `(\`GATEWAY_UPSTREAM_CONNECTIONS=${GATEWAY_DEFAULTS.upstreamHttp.connections}\`, \`GATEWAY_UPSTREAM_CONCURRENCY=${GATEWAY_DEFAULTS.upstreamConcurrency}\`, metrics on); "dedupe off, cache off" is \`GATEWAY_DEDUPE=false GATEWAY_CACHE_TTL_MS=0\`, "dedupe on" is \`GATEWAY_DEDUPE=true GATEWAY_CACHE_TTL_MS=0\`.`,
    '- Load on the gateway: autocannon (programmatic, in the bench process), POST /graphql with a JSON body, `connections` = concurrency, no pipelining; latencies recorded per response (µs, hdr-histogram).',
    `- Direct floor: a separate Node process, undici Pool to the upstream (${settings.upstreamConnections} connections, keep-alive, the gateway's timeouts), every request signed (NCP signature v2), bodies read as text and parsed; \`concurrency\` loops back to back; latency per operation (all its requests).`,
    '- Upstream: bench/fixed-upstream.ts in its own process, answering after the fixed delay; upstream calls per operation are its request counts divided by the operations completed.',
    '- Peak RSS: /proc/<pid>/status VmRSS of the process under test (gateway, or direct client), sampled every 200 ms during the measured window.',
    '- All three processes (load generator, gateway or direct client, upstream) share the same cores.',
    '',
    '## Results',
    '',
    'Shapes: (a) `{ packages { name } }` (1 upstream call); (b) `{ packages { name actions { name } } }` with 20 packages (1 + 20 calls); (c) `invokeAction` (1 POST).',
    '',
    ...mainTable(cells),
    '',
    '### Where the CPU goes (medians, per operation)',
    '',
    ...cpuTable(cells),
    '',
    '### A minimal Node.js hop in the same cells (what any process between client and upstream costs here)',
    '',
    ...hopTable(cells),
    '',
    '### Settings sensitivity (same cell, same run)',
    '',
    ...sensitivityTable(cells),
    '',
    '## Targets',
    '',
    '| target | cell | measured | result |',
    '|---|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.cell} | ${c.measured} | **${c.pass ? 'PASS' : 'MISS'}** |`),
    '',
  ];
  if (memory) {
    lines.push(
      '## Memory run',
      '',
      `Shape (b), concurrency 64, no delay, dedupe off, ${fmt(memory.seconds)} s after a ${fmt(settings.memoryWarmupS)} s warm-up (the heap grows to its working size in the first seconds of load): ${fmt(memory.load.ops)} operations (${fmt((memory.load.ops * 1000) / memory.load.elapsedMs)} req/s), ${memory.load.errors} errors. Gateway RSS and V8 heap used (from /metrics), one sample a second:`,
      '',
      '```',
      ...memory.samples.map((s) => `t=${s.t.toFixed(1).padStart(5)} s  rss ${fmt(mb(s.rss), 1).padStart(7)} MB  heap used ${fmt(mb(s.heap), 1).padStart(7)} MB`),
      '```',
      '',
      `Per ${fmt(memory.windowS)} s window (mean RSS / lowest heap sample): ${memoryWindows(memory).join(' · ')}. RSS trend (least squares over every sample): ${fmt(rssSlopeMbPerMin(memory.samples), 2)} MB/min; leaving out the first window: ${fmt(rssSlopeMbPerMin(memory.samples.filter((x) => x.t > memory.windowS + 0.5)), 2)} MB/min.`,
      '',
      `Heap after each collection (\`node --trace-gc\`): ${fmt(memory.gc.events)} collections in the window, ${fmt(memory.gc.markCompacts)} of them full (Mark-Compact). Live heap (median after full collections) ${fmt(mb(memory.gc.firstLive), 1)} MB in the first ${fmt(memory.windowS)} s, ${fmt(mb(memory.gc.lastLive), 1)} MB in the last; per ${fmt(memory.windowS)} s window (median after full collections / lowest after any): ${gcWindows(memory).join(' · ')}.`,
      '',
      `First ${fmt(memory.windowS)} s mean RSS ${fmt(mb(memory.firstRss), 1)} MB, last ${fmt(memory.windowS)} s ${fmt(mb(memory.lastRss), 1)} MB (${fmt(memory.growthPct, 1)} %); rule: stable when growth is at most 5 % or within 3 σ of the samples (σ ${fmt(mb(memory.noiseRss), 2)} MB). Heap used, lowest sample of each window (after collections): ${fmt(mb(memory.firstHeapFloor), 1)} MB → ${fmt(mb(memory.lastHeapFloor), 1)} MB.`,
      '',
    );
  }
  lines.push('## CPU profiles of the gateway', '');
  if (profiles.length === 0 && profileErrors.length === 0) lines.push('_(Not run: --quick or --no-profile.)_', '');
  lines.push(...profileErrors.map((e) => `- profile failed: ${e}`), ...profileSection(profiles));
  lines.push('## Analysis', '', previousNotes(), '', '## Every run', '', ...rawRuns(cells), '');
  return lines.join('\n');
}

function printTable(cells: CellResult[]): void {
  console.log('');
  console.log('shape conc delay variant                  req/s gw    direct  ratio | p50 gw  direct | p99 gw  direct | calls/op gw direct | RSS MB gw direct | err');
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

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  if (process.platform !== 'linux') throw new Error('the benchmark reads /proc (memory, CPU): it runs on Linux');
  build();
  mkdirSync(WORK_DIR, { recursive: true });
  rmSync(LOG_DIR, { recursive: true, force: true });

  // --only=<shape>:<concurrency>:<delay>[,…] (`*` matches anything): a subset of the matrix, e.g. --only=b:64:*
  const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const patterns = onlyArg?.split(',').map((p) => p.split(':'));
  const matches = (c: Cell) =>
    !patterns ||
    patterns.some(([shape = '*', concurrency = '*', delay = '*']) =>
      (shape === '*' || shape === c.shape) && (concurrency === '*' || Number(concurrency) === c.concurrency) && (delay === '*' || Number(delay) === c.delayMs),
    );
  const cells = matrix().filter(matches);
  const withMemory = !args.includes('--no-memory');
  const variantRuns = cells.reduce((n, c) => n + c.variants.length, 0) * settings.runs;
  const estimateS = variantRuns * (settings.durationS + settings.warmupS + 0.6) + (variantRuns / settings.runs) * Math.max(0, settings.initialWarmupS - settings.warmupS) + (withMemory ? settings.memoryS : 0) + (settings.profile ? 30 : 0) + cells.length * 3;
  console.log(
    `bench: ${cells.length} cells, ${variantRuns} measured runs of ${settings.durationS} s (+${settings.warmupS} s warm-up), a ${settings.memoryS} s memory run; about ${fmt(estimateS / 60, 1)} min`,
  );

  const upstream = new Upstream();
  await upstream.start();
  console.log(`bench: fixed upstream on 127.0.0.1:${upstream.port} (pid ${upstream.pid})`);

  // --profile-cell=<shape>:<concurrency>:<delay>[:<variant>]: only profile the gateway under that cell.
  const only = args.find((a) => a.startsWith('--profile-cell='))?.slice('--profile-cell='.length);
  if (only) {
    try {
      const [shape, concurrency, delay, variantId] = only.split(':');
      if (!shape || !(shape in SHAPES)) throw new Error('--profile-cell=<a|b|c>:<concurrency>:<delay ms>[:off|dedupe|info|dev|conc8]');
      const variant = [GW_OFF, GW_DEDUPE, GW_INFO, GW_DEV, GW_CONC8].find((v) => v.id === (variantId ?? 'off')) ?? GW_OFF;
      const cell: Cell = { shape: shape as ShapeId, concurrency: Number(concurrency ?? 64), delayMs: Number(delay ?? 0), variants: [variant] };
      const summary = profileCell(upstream, cell, variant);
      console.log(profileSection([await summary]).join('\n'));
    } finally {
      await upstream.stop();
    }
    return;
  }

  const results: CellResult[] = [];
  let memory: MemoryResult | undefined;
  const profiles: ProfileSummary[] = [];
  const profileErrors: string[] = [];
  try {
    for (const cell of cells) {
      await upstream.setDelay(cell.delayMs);
      const targets = new Map<string, Gateway | Direct | Hop>();
      const cellResult: CellResult = { cell, results: new Map() };
      try {
        for (const variant of cell.variants) {
          if (variant.kind === 'gateway') {
            const gateway = await Gateway.start(variant, upstream.port, `${variant.id}-${cell.shape}-c${cell.concurrency}-d${cell.delayMs}`);
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
          cellResult.results.set(variant.id, { variant, runs: [] });
        }
        for (let run = 0; run < settings.runs; run++) {
          // Alternate the order from run to run, so a drift in the machine's load touches every side.
          const order = run % 2 === 0 ? cell.variants : [...cell.variants].reverse();
          for (const variant of order) {
            const metrics = await measure(upstream, cell, variant, targets.get(variant.id)!);
            cellResult.results.get(variant.id)!.runs.push(metrics);
            process.stdout.write(
              `bench: ${cellName(cell).padEnd(24)} run ${run + 1}/${settings.runs} ${(variant.kind === 'gateway' ? `gateway ${variant.id}` : variant.id).padEnd(16)} ${fmt(metrics.rps).padStart(7)} req/s  p50 ${fmtMs(metrics.p50Ms).padStart(6)} ms  p99 ${fmtMs(metrics.p99Ms).padStart(6)} ms  calls/op ${fmt(metrics.callsPerOp, 2).padStart(5)}  rss ${fmt(mb(metrics.peakRssBytes), 0)} MB  errors ${metrics.errors}\n`,
            );
          }
        }
      } finally {
        for (const target of targets.values()) await target.stop();
      }
      results.push(cellResult);
    }

    if (withMemory) {
      console.log(`bench: memory run, ${settings.memoryS} s`);
      memory = await memoryRun(upstream);
      console.log(`bench: memory ${fmt(mb(memory.firstRss), 1)} MB -> ${fmt(mb(memory.lastRss), 1)} MB (${fmt(memory.growthPct, 1)} %)`);
    }

    const checks = evaluate(results, memory);
    if (settings.profile) {
      // Profile the cells of missed targets (at most six), and the CPU-bound reference cell.
      const wanted: Array<{ cell: Cell; variant: Variant }> = [];
      for (const check of checks) {
        if (check.pass || !check.profile) continue;
        if (wanted.some((w) => w.cell === check.profile!.cell && w.variant === check.profile!.variant)) continue;
        if (wanted.length < 6) wanted.push(check.profile);
      }
      const reference = results.find((r) => r.cell.shape === 'b' && r.cell.concurrency === 64 && r.cell.delayMs === 0)?.cell;
      if (reference && !wanted.some((w) => w.cell === reference)) wanted.push({ cell: reference, variant: GW_OFF });
      for (const w of wanted.slice(0, 7)) {
        console.log(`bench: profiling the gateway under ${cellName(w.cell)} (${w.variant.label})`);
        try {
          profiles.push(await profileCell(upstream, w.cell, w.variant));
        } catch (error) {
          profileErrors.push(`${cellName(w.cell)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }

    printTable(results);
    console.log('');
    for (const check of checks) console.log(`${check.pass ? 'PASS' : 'MISS'}  ${check.target} — ${check.cell}: ${check.measured}`);
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, report(startedAt, performance.now() - t0, results, checks, memory, profiles, profileErrors));
    console.log(`\nbench: wrote ${path.relative(ROOT, OUT)} (${fmt((performance.now() - t0) / 60_000, 1)} min)`);
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

/**
 * matrix: the sides measured in each cell (gateway variants, the minimal hop, the direct floor) and
 * the cells themselves (shape × concurrency × delay). Its own module because the cells are what the
 * runner loops over, the targets judge and the report lays out: one definition for all three.
 */
import path from 'node:path';
import { parseKeyValues } from '../../src/config/telemetry';
import { ACCESS_KEY, SECRET_KEY, type ShapeId } from '../common';
import { CONCURRENCIES, DELAYS, SHAPE_IDS } from './settings';

/** What every gateway process gets (variants add to it). */
export const GATEWAY_BASE_ENV: Record<string, string> = {
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
  // Per-client rate limits are on by default (600 operations and 60 invokes a minute per principal):
  // the bench is one client, so a limit would measure its 429s, not the gateway. The invoke cap
  // (GATEWAY_INVOKE_CONCURRENCY, default 80) stays at its default: no cell has more than 64 in flight.
  GATEWAY_RATE_LIMIT: 'off',
  GATEWAY_INVOKE_RATE_LIMIT: 'off',
};

/**
 * "Caching off": no upstream-read de-duplication, no read cache, and no operation de-duplication
 * (GATEWAY_OPERATION_DEDUPE, on by default since issue 14, off here so that the figures of earlier
 * runs stay comparable; the fleet phase measures it, bench/runner/fleet.ts), no response cache (its
 * default, written out).
 */
const CACHING_OFF = {
  GATEWAY_DEDUPE: 'false',
  GATEWAY_CACHE_TTL_MS: '0',
  GATEWAY_OPERATION_DEDUPE: 'false',
  GATEWAY_RESPONSE_CACHE_TTL_MS: '0',
};

export interface Variant {
  id: string;
  label: string;
  kind: 'gateway' | 'direct' | 'hop';
  env?: Record<string, string>;
  /** The gateway's entry point, when not dist/main.js. */
  entry?: string;
  /** The variant it is compared with in the settings-sensitivity table (default: `off`). */
  baseline?: string;
}

const DIRECT: Variant = { id: 'direct', label: 'direct (undici)', kind: 'direct' };
const HOP: Variant = { id: 'hop', label: 'minimal Node hop (node:http + the direct fetch)', kind: 'hop' };
export const GW_OFF: Variant = { id: 'off', label: 'dedupe off, cache off', kind: 'gateway', env: CACHING_OFF };
export const GW_DEDUPE: Variant = {
  id: 'dedupe',
  label: 'dedupe on, cache off',
  kind: 'gateway',
  // Upstream-read de-duplication alone, as in earlier runs (operation de-duplication off, see CACHING_OFF).
  env: { ...CACHING_OFF, GATEWAY_DEDUPE: 'true' },
};
export const GW_INFO: Variant = {
  id: 'info',
  label: 'LOG_LEVEL=info (dedupe off)',
  kind: 'gateway',
  env: { ...CACHING_OFF, LOG_LEVEL: 'info' },
};
export const GW_DEV: Variant = {
  id: 'dev',
  label: 'NODE_ENV=development (dedupe off)',
  kind: 'gateway',
  env: { ...CACHING_OFF, NODE_ENV: 'development' },
};
/** The earlier default (8): (b)'s 20 action lists then take three rounds. Shows why the default is 20. */
export const GW_CONC8: Variant = {
  id: 'conc8',
  label: 'GATEWAY_UPSTREAM_CONCURRENCY=8 (dedupe off)',
  kind: 'gateway',
  env: { ...CACHING_OFF, GATEWAY_UPSTREAM_CONCURRENCY: '8' },
};

/**
 * BENCH_CANDIDATE=/path/to/main.js adds a candidate build (dedupe off) to every cell, compared with
 * dist/main.js in the same run: an A/B test of a change. Its directory needs ../schema beside it.
 * BENCH_CANDIDATE_DEDUPE=1 runs the candidate with de-duplication on instead (as the "dedupe on"
 * variant, and compared with it): the A/B test of a change on the shared-reads path.
 * BENCH_CANDIDATE_ENV=`NAME=value,NAME=value` (values percent-encoded, read as OTEL_EXPORTER_OTLP_HEADERS
 * is) gives the candidate more environment: with
 * BENCH_CANDIDATE=dist/main.js, the A/B test of a setting (tracing on, say) on the same build.
 */
const CANDIDATE = process.env.BENCH_CANDIDATE?.trim();
const CANDIDATE_DEDUPE = process.env.BENCH_CANDIDATE_DEDUPE?.trim() === '1';
const CANDIDATE_ENV = candidateEnv(process.env.BENCH_CANDIDATE_ENV);

function candidateEnv(raw: string | undefined): Record<string, string> {
  const parsed = parseKeyValues(raw);
  if (!parsed) throw new Error(`BENCH_CANDIDATE_ENV: expected NAME=value pairs separated by commas, got ${raw}`);
  return parsed;
}
const GW_CANDIDATE: Variant | undefined = CANDIDATE
  ? CANDIDATE_DEDUPE
    ? {
        id: 'candidate',
        label: `candidate ${CANDIDATE} (dedupe on)`,
        kind: 'gateway',
        env: { ...GW_DEDUPE.env!, ...CANDIDATE_ENV },
        entry: path.resolve(CANDIDATE),
        baseline: GW_DEDUPE.id,
      }
    : {
        id: 'candidate',
        label: `candidate ${CANDIDATE} (dedupe off)`,
        kind: 'gateway',
        env: { ...CACHING_OFF, ...CANDIDATE_ENV },
        entry: path.resolve(CANDIDATE),
      }
  : undefined;

export interface Cell {
  shape: ShapeId;
  concurrency: number;
  delayMs: number;
  variants: Variant[];
}

export function matrix(): Cell[] {
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

/**
 * common: what the benchmark's processes agree on: the upstream's data (package and action names),
 * the three operation shapes (the GraphQL document for the gateway, the REST calls for the direct
 * floor), the credential both sides sign with, and the latency histogram both sides record into.
 *
 * Shared by bench/run.ts (run with tsx) and the two child processes, bench/fixed-upstream.ts and
 * bench/direct.ts (compiled with tsc into bench/.build/ and run with plain `node`, so that their
 * memory and CPU are not those of a TypeScript loader). Nothing here imports src/.
 */
import { build, type Histogram } from 'hdr-histogram-js';

/** The upstream's API base path (NCP v2.1 generation), as in NCP_API_URL. */
export const BASE_PATH = '/ncf/api/v2';
export const PLATFORM = 'vpc';

/** 20 packages, each with ACTIONS_PER_PACKAGE actions. */
export const PACKAGE_COUNT = 20;
export const ACTIONS_PER_PACKAGE = 3;
export const PACKAGE_NAMES: readonly string[] = Array.from(
  { length: PACKAGE_COUNT },
  (_, i) => `package${String(i).padStart(3, '0')}`,
);
export const ACTION_NAMES: readonly string[] = Array.from(
  { length: ACTIONS_PER_PACKAGE },
  (_, i) => `action${String(i).padStart(3, '0')}`,
);

/** The action shape (c) invokes, and its parameters. */
export const INVOKE_PACKAGE = 'package000';
export const INVOKE_ACTION = 'action000';
export const INVOKE_PARAMS = { n: 1 } as const;

/** The key pair both the gateway and the direct client sign with (the fixed upstream does not verify). */
export const ACCESS_KEY = 'bench-access-key';
export const SECRET_KEY = 'bench-secret-key-not-a-real-one-0123456789';

export type ShapeId = 'a' | 'b' | 'c';

export interface Shape {
  id: ShapeId;
  label: string;
  /** The GraphQL request body sent to the gateway. */
  graphqlBody: string;
  /** Upstream calls one operation needs (what the direct floor makes). */
  upstreamCalls: number;
}

export const SHAPES: Record<ShapeId, Shape> = {
  a: {
    id: 'a',
    label: '{ packages { name } }',
    graphqlBody: JSON.stringify({ query: '{ packages { name } }' }),
    upstreamCalls: 1,
  },
  b: {
    id: 'b',
    label: '{ packages { name actions { name } } } (20 packages)',
    graphqlBody: JSON.stringify({ query: '{ packages { name actions { name } } }' }),
    upstreamCalls: 1 + PACKAGE_COUNT,
  },
  c: {
    id: 'c',
    label: 'invokeAction',
    graphqlBody: JSON.stringify({
      query:
        `mutation { invokeAction(input: { package: "${INVOKE_PACKAGE}", action: "${INVOKE_ACTION}", ` +
        'params: { n: 1 } }) { activationId completed activation { status success result } } }',
    }),
    upstreamCalls: 1,
  },
};

/** Checks a gateway answer for a shape; returns a problem, or undefined when it is complete. */
export function checkGatewayAnswer(shape: ShapeId, body: unknown): string | undefined {
  const root = body as { data?: Record<string, unknown>; errors?: unknown[] } | undefined;
  if (!root || typeof root !== 'object') return 'not a JSON object';
  if (root.errors && root.errors.length > 0) return `errors: ${JSON.stringify(root.errors).slice(0, 300)}`;
  const data = root.data;
  if (!data) return 'no data';
  if (shape === 'c') {
    const payload = data.invokeAction as { completed?: boolean; activation?: { success?: boolean } } | undefined;
    if (!payload?.completed || payload.activation?.success !== true)
      return `unexpected invokeAction: ${JSON.stringify(payload)}`;
    return undefined;
  }
  const packages = data.packages as Array<{ name?: string; actions?: Array<{ name?: string }> }> | undefined;
  if (!Array.isArray(packages) || packages.length !== PACKAGE_COUNT) return `expected ${PACKAGE_COUNT} packages`;
  if (shape === 'b' && !packages.every((p) => Array.isArray(p.actions) && p.actions.length === ACTIONS_PER_PACKAGE)) {
    return `expected ${ACTIONS_PER_PACKAGE} actions in every package`;
  }
  return undefined;
}

/** A latency histogram in microseconds (1 µs to 60 s, 3 significant digits). */
export function latencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

/** Records a duration given in milliseconds (fractional) into a microsecond histogram. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/** What one measured window produced, on either side. */
export interface LoadResult {
  /** Operations completed with a 2xx answer. */
  ops: number;
  /** Operations that failed (non-2xx, transport error, or a GraphQL error counted by the gateway). */
  errors: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export function summarise(histogram: Histogram, ops: number, errors: number, elapsedMs: number): LoadResult {
  return {
    ops,
    errors,
    elapsedMs,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    meanMs: histogram.mean / 1000,
  };
}

/** Messages between bench/run.ts and its children (over the fork IPC channel). */
export type UpstreamRequest =
  { type: 'delay'; id: number; ms: number } | { type: 'reset'; id: number } | { type: 'stats'; id: number };

export interface UpstreamStats {
  packages: number;
  actions: number;
  invoke: number;
  other: number;
  total: number;
}

export type UpstreamReply = { type: 'ready'; port: number } | { type: 'done'; id: number; stats?: UpstreamStats };

export interface DirectInit {
  type: 'init';
  origin: string;
  connections: number;
}

export interface DirectRun {
  type: 'run';
  shape: ShapeId;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export type DirectRequest =
  DirectInit | DirectRun | { type: 'go' } | { type: 'hop'; origin: string; connections: number };

export type DirectReply =
  | { type: 'ready' }
  | { type: 'listening'; port: number }
  | { type: 'warm' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

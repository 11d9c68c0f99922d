/**
 * fleet: the variables of a gateway that runs as one of several replicas (src/fleet), and the
 * per-client limits that hold with one replica or many.
 *
 * GATEWAY_REDIS_URL unset: one process, everything in memory (the embedded default needs no Redis).
 * Set: APQ, the upstream read cache, the response cache, subscription pollers, rate limits and the
 * invoke cap are shared through it, under GATEWAY_REDIS_PREFIX.
 *
 * A rate is `<count>/<unit>` (`600/min`, `10/s`, `5000/hour`, `20000/day`) or `off`.
 */
import { z } from 'zod';
import { flag, intIn, optionalText, readSection, type Env, type SectionOf } from './fields';

/** A rate limit: `points` operations per `windowSeconds`. */
export interface Rate {
  points: number;
  windowSeconds: number;
}

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
};

const RATE = /^(\d{1,9})\s*\/\s*([a-z]+)$/;
const RATE_HINT = 'must be <count>/<unit> such as 600/min (units: s, min, hour, day), or off';

/** A rate as written in the environment or the API keys file; null for `off`; undefined when not a rate. */
export function parseRate(raw: string): Rate | null | undefined {
  const text = raw.trim().toLowerCase();
  if (text === 'off') return null;
  const match = RATE.exec(text);
  const seconds = match ? UNIT_SECONDS[match[2]!] : undefined;
  if (!match || seconds === undefined) return undefined;
  const points = Number(match[1]);
  return points >= 1 ? { points, windowSeconds: seconds } : undefined;
}

/** How a rate is written back (logs, the README's examples). */
export function formatRate(rate: Rate | null): string {
  if (rate === null) return 'off';
  const unit = ['s', 'min', 'hour', 'day'].find((name) => UNIT_SECONDS[name] === rate.windowSeconds);
  return unit ? `${rate.points}/${unit}` : `${rate.points}/${rate.windowSeconds}s`;
}

const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx) => {
      const parsed = parseRate(raw);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: RATE_HINT });
        return z.NEVER;
      }
      return parsed;
    });

/** One JWT override: principals whose token has the scope, or the claim with the value, get `rate`. */
export interface JwtRateOverride {
  selector: { scope: string } | { claim: string; value: string };
  rate: Rate | null;
}

const overrides = (variable: string) =>
  z
    .string()
    .default('')
    .transform((raw, ctx) => {
      const out: JwtRateOverride[] = [];
      for (const item of raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const at = item.lastIndexOf('=');
        const selector = at > 0 ? parseSelector(item.slice(0, at).trim()) : undefined;
        const parsed = at > 0 ? parseRate(item.slice(at + 1)) : undefined;
        if (!selector || parsed === undefined) {
          ctx.addIssue({
            code: 'custom',
            message:
              `each entry must be scope:<scope>=<rate> or claim:<name>=<value>=<rate> ` +
              `(for example scope:functions:invoke=1200/min), separated by commas (in ${variable})`,
          });
          return z.NEVER;
        }
        out.push({ selector, rate: parsed });
      }
      return out;
    });

function parseSelector(text: string): JwtRateOverride['selector'] | undefined {
  if (text.startsWith('scope:') && text.length > 'scope:'.length) return { scope: text.slice('scope:'.length) };
  if (text.startsWith('claim:')) {
    const rest = text.slice('claim:'.length);
    const eq = rest.indexOf('=');
    if (eq > 0 && eq < rest.length - 1) return { claim: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  return undefined;
}

const redisUrl = optionalText.refine(
  (value) => {
    if (value === undefined) return true;
    try {
      const url = new URL(value);
      return url.protocol === 'redis:' || url.protocol === 'rediss:';
    } catch {
      return false;
    }
  },
  { message: 'must be a redis:// or rediss:// URL' },
);

const FLEET = {
  /** The shared engine; unset: every replica keeps its state in memory. */
  redisUrl: ['GATEWAY_REDIS_URL', redisUrl],
  /** Prefix of every key and channel the gateway uses (several fleets may share one Redis). */
  redisPrefix: [
    'GATEWAY_REDIS_PREFIX',
    z
      .string()
      .default('ncfgw:')
      .refine((p) => /^[A-Za-z0-9:_.-]{1,64}$/.test(p), { message: 'must be 1 to 64 of A-Z a-z 0-9 : _ . -' }),
  ],
  /** Longest wait for one Redis command before the gateway goes on without it. */
  redisTimeoutMs: ['GATEWAY_REDIS_TIMEOUT_MS', intIn(10, 10_000).default(250)],
  /** Operations per principal (API key, JWT subject, or remote address when anonymous). */
  rateLimit: ['GATEWAY_RATE_LIMIT', rate('600/min')],
  /** invokeAction fields per principal (each one counts), on top of the operation limit. */
  invokeRateLimit: ['GATEWAY_INVOKE_RATE_LIMIT', rate('60/min')],
  /** Per-scope or per-claim operation limits of JWT clients. */
  jwtRateLimits: ['GATEWAY_JWT_RATE_LIMITS', overrides('GATEWAY_JWT_RATE_LIMITS')],
  jwtInvokeRateLimits: ['GATEWAY_JWT_INVOKE_RATE_LIMITS', overrides('GATEWAY_JWT_INVOKE_RATE_LIMITS')],
  /** Runs the whole fleet (or this process, without Redis) has in flight on NCP at once. */
  invokeConcurrency: ['GATEWAY_INVOKE_CONCURRENCY', intIn(1, 10_000).default(80)],
  /** Longest time an invoke waits for a free run slot before RATE_LIMITED (its deadline may cut it shorter). */
  invokeQueueTimeoutMs: ['GATEWAY_INVOKE_QUEUE_TIMEOUT_MS', intIn(0, 60_000).default(2_000)],
  /** Identical queries in flight at once run once (per replica) and share the answer. */
  operationDedupe: ['GATEWAY_OPERATION_DEDUPE', flag(true)],
  /** Whole query answers kept per principal scope set; 0: off. */
  responseCacheTtlMs: ['GATEWAY_RESPONSE_CACHE_TTL_MS', intIn(0, 3_600_000).default(0)],
  /** How long a replica's claim to poll one run lasts unless renewed (another replica takes over after it). */
  pollerLeaseMs: ['GATEWAY_POLLER_LEASE_MS', intIn(500, 120_000).default(5_000)],
} as const;

export type FleetConfig = Omit<SectionOf<typeof FLEET>, 'redisUrl'> & {
  redisUrl?: string;
};

export function readFleet(env: Env, problems: string[]): FleetConfig | undefined {
  const section = readSection(FLEET, env, problems);
  if (!section) return undefined;
  const { redisUrl: url, ...rest } = section;
  return url ? { ...rest, redisUrl: url } : rest;
}

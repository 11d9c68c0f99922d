/** Conversions and checks for compute values, shared by the compute resolvers. */
import { badInput } from '../errors';

const COMPUTE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** Server ids and request ids: checked before any call, so they cannot reshape the path. */
export function checkComputeId(what: 'server id' | 'request id' | 'after', value: string): string {
  if (!COMPUTE_ID.test(value)) throw badInput(`Invalid ${what}: use letters, digits, '.', '_' or '-' (at most 255).`);
  return value;
}

/** Nova writes times without a zone (`2018-04-25T01:26:28.909887`); they are UTC. */
export function utcDate(value: unknown): Date | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** True when the configured microversion is at least `minimum` ('latest' is always). */
export function microversionAtLeast(configured: string, minimum: string): boolean {
  if (configured === 'latest') return true;
  const [aMajor, aMinor] = configured.split('.').map(Number);
  const [bMajor, bMinor] = minimum.split('.').map(Number);
  return aMajor! > bMajor! || (aMajor === bMajor && aMinor! >= bMinor!);
}

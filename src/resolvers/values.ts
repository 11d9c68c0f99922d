/**
 * values: small conversions between upstream values and GraphQL values, shared by resolvers.
 * Each tolerates the documented variants (numbers as strings, epoch ms or ISO strings).
 */
import type { ActivationStatus, Platform as GqlPlatform } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import type { Platform } from '../upstream/cloudfunctions/types';

export function platformOf(arg: GqlPlatform | null | undefined, ctx: GatewayContext): Platform {
  if (arg === 'VPC') return 'vpc';
  if (arg === 'CLASSIC') return 'classic';
  return ctx.defaultPlatform;
}

/** The GraphQL platform of an upstream one (never null for a platform the gateway resolved itself). */
export function toGqlPlatform(platform: Platform): GqlPlatform;
export function toGqlPlatform(platform: string | null | undefined): GqlPlatform | null;
export function toGqlPlatform(platform: string | null | undefined): GqlPlatform | null {
  const p = platform?.toLowerCase();
  if (p === 'vpc') return 'VPC';
  if (p === 'classic') return 'CLASSIC';
  return null;
}

/** An integer from a number or a numeric string; null otherwise. */
export function toInt(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value));
  return null;
}

/** A Date from epoch ms (number or numeric string) or an ISO string; null otherwise. */
export function toDate(value: unknown): Date | null {
  const ms = toInt(value);
  if (ms !== null) return new Date(ms);
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }
  return null;
}

const STATUS_BY_TEXT: Record<string, ActivationStatus> = {
  success: 'SUCCESS',
  'application error': 'APPLICATION_ERROR',
  'action developer error': 'ACTION_DEVELOPER_ERROR',
  'whisk internal error': 'INTERNAL_ERROR',
  'internal error': 'INTERNAL_ERROR',
};
const STATUS_BY_CODE: ActivationStatus[] = ['SUCCESS', 'APPLICATION_ERROR', 'ACTION_DEVELOPER_ERROR', 'INTERNAL_ERROR'];

/**
 * OpenWhisk status: the user-facing strings have spaces ("application error"); internal names
 * have underscores; brief records carry a numeric statusCode 0 to 3. All are accepted.
 */
export function toActivationStatus(value: unknown): ActivationStatus | null {
  if (typeof value === 'number') return STATUS_BY_CODE[value] ?? null;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase().replace(/[_-]+/g, ' ');
  if (/^\d$/.test(text)) return STATUS_BY_CODE[Number(text)] ?? null;
  return STATUS_BY_TEXT[text] ?? null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field from upstream data: strings as they are, numbers and booleans as text, anything else null. */
export function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

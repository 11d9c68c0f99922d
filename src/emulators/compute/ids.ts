// Identifiers. Directory ids (users, projects, roles, endpoints) and seed ids are derived from names with a
// hash, so they stay the same across restarts and demo links keep working; tokens and request ids are random.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** 32 lowercase hex characters, the shape Keystone uses for ids. */
export function hex32(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

/** A version-4-shaped UUID derived from `seed` (stable, unlike randomUUID()). */
export function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = (8 + (parseInt(h.charAt(16), 16) & 3)).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An OpenStack request id: `req-<uuid>`. */
export const newRequestId = (): string => `req-${randomUUID()}`;

/** Opaque, Fernet-looking token: 'gAAAAA' then 64 random base64url characters. */
export const newToken = (): string => `gAAAAA${randomBytes(48).toString('base64url')}`;

/** Keystone audit id: 16 random bytes as 22 base64url characters. */
export const newAuditId = (): string => randomBytes(16).toString('base64url');

/**
 * Who is calling, and what they may do. Scopes are coarse on purpose: read functions, invoke
 * functions, read compute. A field that needs a scope says so in the schema (`@scope`).
 */
export const SCOPES = ['functions:read', 'functions:invoke', 'compute:read'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** `anonymous`, an API key id, or a JWT subject. */
  id: string;
  kind: 'anonymous' | 'apikey' | 'jwt';
  scopes: ReadonlySet<string>;
  /** Epoch ms after which the credential is no longer valid (a JWT's `exp`); absent: no expiry. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  kind: 'anonymous',
  scopes: new Set<string>(SCOPES),
});

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

// Issued Keystone tokens. Each is valid until its expires_at on the emulator clock, or until revoked
// (one by one with DELETE /v3/auth/tokens, or all at once by revokeAll()).
import type { AppCredential, Project, Role, User } from './directory';
import { newAuditId, newToken } from './ids';
import { MICROS_PER_MS } from './time';

export interface IssuedToken {
  readonly id: string;
  readonly user: User;
  readonly project: Project;
  readonly roles: readonly Role[];
  readonly methods: readonly string[];
  /** Epoch microseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly auditId: string;
  readonly appCredential?: AppCredential;
}

/** Above this many live entries, issuing a token first drops the expired ones. */
const PRUNE_ABOVE = 10_000;

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private count = 0;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  /** Successful issues since start. */
  get issued(): number {
    return this.count;
  }

  issue(grant: { user: User; project: Project; methods: string[]; appCredential?: AppCredential }): IssuedToken {
    const nowUs = this.now() * MICROS_PER_MS;
    if (this.tokens.size > PRUNE_ABOVE) {
      for (const [id, t] of this.tokens) if (t.expiresAt <= nowUs) this.tokens.delete(id);
    }
    const token: IssuedToken = {
      id: newToken(),
      user: grant.user,
      project: grant.project,
      roles: grant.user.roles,
      methods: grant.methods,
      issuedAt: nowUs,
      expiresAt: nowUs + this.ttlMs * MICROS_PER_MS,
      auditId: newAuditId(),
      ...(grant.appCredential ? { appCredential: grant.appCredential } : {}),
    };
    this.tokens.set(token.id, token);
    this.count += 1;
    return token;
  }

  /** The token if it was issued here, is unexpired and not revoked. */
  validate(id: string | undefined): IssuedToken | undefined {
    if (id === undefined) return undefined;
    const token = this.tokens.get(id);
    if (token === undefined || token.expiresAt <= this.now() * MICROS_PER_MS) return undefined;
    return token;
  }

  revoke(id: string): void {
    this.tokens.delete(id);
  }

  revokeAll(): void {
    this.tokens.clear();
  }
}

export const isAdmin = (token: IssuedToken): boolean => token.roles.some((r) => r.name === 'admin');

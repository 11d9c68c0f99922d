// Keystone v3 under /identity: the version document, and /v3/auth/tokens (POST issue, GET/HEAD validate,
// DELETE revoke). Issuing supports the password method (user by id, or by name + domain) and the
// application_credential method (by id); tokens are scoped to the user's one project.
import { buildCatalog, type CatalogSettings } from './catalog';
import { Directory, matchesDomain, type DomainRef, type Project, type User } from './directory';
import { expecting, KeystoneError, unauthorized } from './faults';
import { header, type EmulatorRequest, type Reply } from './http-types';
import { keystoneTime } from './time';
import type { IssuedToken, TokenStore } from './tokens';

export const IDENTITY_PREFIX = '/identity';

export interface KeystoneDeps {
  directory: Directory;
  tokens: TokenStore;
  catalog: CatalogSettings;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, attribute: string, target: string): Json {
  if (!isObject(v)) throw expecting(attribute, target);
  return v;
}

function string(v: unknown, attribute: string, target: string): string {
  if (typeof v !== 'string') throw expecting(attribute, target);
  return v;
}

function domainRef(v: unknown, target: string): DomainRef {
  const d = object(v, 'domain', target);
  if (d.id !== undefined) return { id: string(d.id, 'id', 'domain') };
  if (d.name !== undefined) return { name: string(d.name, 'name', 'domain') };
  throw expecting('id or name', 'domain');
}

function versionDocument(authUrl: string): Json {
  return {
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${authUrl}/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  };
}

export class Keystone {
  constructor(private readonly deps: KeystoneDeps) {}

  /** `path` is the raw request path, starting with /identity. */
  handle(req: EmulatorRequest): Reply {
    const rest = req.path.slice(IDENTITY_PREFIX.length);
    if (rest === '/v3' || rest === '/v3/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw this.methodNotAllowed('GET, HEAD');
      return { status: 200, body: versionDocument(this.deps.catalog.authUrl) };
    }
    if (rest === '/v3/auth/tokens') {
      switch (req.method) {
        case 'POST':
          return this.issue(req);
        case 'GET':
        case 'HEAD':
          return this.check(req);
        case 'DELETE':
          return this.revoke(req);
        default:
          throw this.methodNotAllowed('GET, HEAD, POST, DELETE');
      }
    }
    throw new KeystoneError(404, 'The resource could not be found.');
  }

  private methodNotAllowed(allow: string): KeystoneError {
    return new KeystoneError(405, 'The method is not allowed for the requested URL.', { allow });
  }

  private unauthorized(): KeystoneError {
    return unauthorized({ 'www-authenticate': `Keystone uri="${this.deps.catalog.authUrl}"` });
  }

  private issue(req: EmulatorRequest): Reply {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw expecting('valid JSON', 'request body');
    }
    const auth = object(isObject(parsed) ? parsed.auth : undefined, 'auth', 'request body');
    const identity = object(auth.identity, 'identity', 'auth');
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m): m is string => typeof m === 'string')) {
      throw expecting('methods', 'identity');
    }
    for (const m of methods) object(identity[m], m, 'identity');
    // Keystone requires every listed method to succeed; the emulator supports exactly one at a time.
    if (methods.length !== 1) throw this.unauthorized();

    let token: IssuedToken;
    if (methods[0] === 'password') {
      const user = this.passwordUser(identity.password as Json);
      const project = this.scope(auth.scope, user);
      token = this.deps.tokens.issue({ user, project, methods: ['password'] });
    } else if (methods[0] === 'application_credential') {
      const ac = identity.application_credential as Json;
      if (ac.id === undefined) throw expecting('id', 'application_credential');
      const id = string(ac.id, 'id', 'application_credential');
      const secret = string(ac.secret, 'secret', 'application_credential');
      const cred = this.deps.directory.findAppCredential(id);
      if (cred === undefined || !Directory.secretMatches(secret, cred.secretDigest)) throw this.unauthorized();
      // An application credential carries its own scope; asking for one is refused.
      if (auth.scope !== undefined) throw this.unauthorized();
      token = this.deps.tokens.issue({
        user: cred.user,
        project: cred.user.project,
        methods: ['application_credential'],
        appCredential: cred,
      });
    } else {
      throw this.unauthorized();
    }
    return {
      status: 201,
      headers: { 'x-subject-token': token.id },
      body: this.tokenBody(token, !req.query.has('nocatalog')),
    };
  }

  private passwordUser(password: Json): User {
    const u = object(password.user, 'user', 'password');
    const presented = string(u.password, 'password', 'user');
    let user: User | undefined;
    if (u.id !== undefined) {
      user = this.deps.directory.findUserById(string(u.id, 'id', 'user'));
    } else if (u.name !== undefined) {
      const name = string(u.name, 'name', 'user');
      user = this.deps.directory.findUserByName(name, domainRef(u.domain, 'user'));
    } else {
      throw expecting('id or name', 'user');
    }
    if (user === undefined || !Directory.secretMatches(presented, user.passwordDigest)) throw this.unauthorized();
    return user;
  }

  /** The project the token is scoped to: the one asked for (which must be the user's), or the user's default. */
  private scope(scope: unknown, user: User): Project {
    if (scope === undefined) return user.project;
    const s = object(scope, 'scope', 'auth');
    if (s.project === undefined) {
      // Domain, system and trust scopes exist in Keystone; no emulated user holds a role on one.
      if (s.domain !== undefined || s.system !== undefined || s['OS-TRUST:trust'] !== undefined)
        throw this.unauthorized();
      throw expecting('project', 'scope');
    }
    const p = object(s.project, 'project', 'scope');
    let matches: boolean;
    if (p.id !== undefined) {
      matches = string(p.id, 'id', 'project') === user.project.id;
    } else if (p.name !== undefined) {
      const name = string(p.name, 'name', 'project');
      const d = domainRef(p.domain, 'project');
      matches = name === user.project.name && matchesDomain(user.project.domain, d);
    } else {
      throw expecting('id or name', 'project');
    }
    // An unknown project and a project the user has no role on look the same: 401.
    if (!matches) throw this.unauthorized();
    return user.project;
  }

  private check(req: EmulatorRequest): Reply {
    const subject = this.subjectToken(req);
    return {
      status: 200,
      headers: { 'x-subject-token': subject.id },
      body: req.method === 'HEAD' ? undefined : this.tokenBody(subject, !req.query.has('nocatalog')),
    };
  }

  private revoke(req: EmulatorRequest): Reply {
    this.deps.tokens.revoke(this.subjectToken(req).id);
    return { status: 204 };
  }

  /** Validation and revocation need a valid X-Auth-Token and act on X-Subject-Token. */
  private subjectToken(req: EmulatorRequest): IssuedToken {
    if (this.deps.tokens.validate(header(req.headers, 'x-auth-token')) === undefined) throw this.unauthorized();
    const id = header(req.headers, 'x-subject-token');
    const subject = this.deps.tokens.validate(id);
    if (subject === undefined) throw new KeystoneError(404, `Could not find token: ${id ?? ''}.`);
    return subject;
  }

  private tokenBody(t: IssuedToken, withCatalog: boolean): Json {
    const token: Json = {
      methods: [...t.methods],
      user: { domain: { ...t.user.domain }, id: t.user.id, name: t.user.name, password_expires_at: null },
      audit_ids: [t.auditId],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
      project: { domain: { ...t.project.domain }, id: t.project.id, name: t.project.name },
      is_domain: false,
      roles: t.roles.map((r) => ({ id: r.id, name: r.name })),
    };
    if (t.appCredential)
      token.application_credential = { id: t.appCredential.id, name: t.appCredential.id, restricted: true };
    if (withCatalog) token.catalog = buildCatalog(this.deps.catalog, t.project.id);
    return { token };
  }
}

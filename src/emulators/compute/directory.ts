// Keystone's identity data, built once from the emulator options: domains, projects, users with their role
// on their one project, and application credentials. Ids not given in the options are derived from names
// (ids.ts), so they are stable across restarts.
import { createHash, timingSafeEqual } from 'node:crypto';
import { hex32 } from './ids';

export interface ComputeEmulatorUser {
  name: string;
  password: string;
  /** Domain name or id; default 'Default' (id 'default'). */
  domain?: string;
  /** Name of the user's project; tokens are scoped to it. */
  project: string;
  /** Domain of the project; default: the user's domain. */
  projectDomain?: string;
  userId?: string;
  projectId?: string;
  /** Default ['member', 'reader']. 'admin' sees every project, event tracebacks, hosts and details. */
  roles?: string[];
}

export interface ComputeEmulatorAppCredential {
  id: string;
  secret: string;
  /** Name of the user (in opts.users) it belongs to; it is scoped to that user's project and roles. */
  user: string;
}

export interface Domain {
  readonly id: string;
  readonly name: string;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly domain: Domain;
}

export interface Role {
  readonly id: string;
  readonly name: string;
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly domain: Domain;
  readonly project: Project;
  readonly roles: readonly Role[];
  readonly passwordDigest: Buffer;
}

export interface AppCredential {
  readonly id: string;
  readonly user: User;
  readonly secretDigest: Buffer;
}

/** A domain reference in a request body: `{"id": ...}` or `{"name": ...}`. */
export interface DomainRef {
  id?: string;
  name?: string;
}

export const DEFAULT_ROLES: readonly string[] = ['member', 'reader'];

/**
 * 'Default' and 'default' both mean Keystone's default domain (id 'default', name 'Default'). Any other value
 * is used as both id and name, so a request may reference it either way.
 */
export function domainFor(value = 'Default'): Domain {
  return value.toLowerCase() === 'default' ? { id: 'default', name: 'Default' } : { id: value, name: value };
}

/** The id a project gets when the options don't give one. */
export const projectIdFor = (name: string, domain?: string): string => hex32(`project:${domainFor(domain).id}:${name}`);
/** The id a user gets when the options don't give one. */
export const userIdFor = (name: string, domain?: string): string => hex32(`user:${domainFor(domain).id}:${name}`);
export const roleFor = (name: string): Role => ({ id: hex32(`role:${name}`), name });

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export const matchesDomain = (domain: Domain, ref: DomainRef): boolean =>
  ref.id !== undefined ? ref.id === domain.id : ref.name === domain.name;

export class Directory {
  readonly users: readonly User[];
  private readonly appCredentials = new Map<string, AppCredential>();

  constructor(users: readonly ComputeEmulatorUser[], appCredentials: readonly ComputeEmulatorAppCredential[] = []) {
    const projects = new Map<string, Project>();
    const built: User[] = [];
    for (const u of users) {
      const domain = domainFor(u.domain);
      const projectDomain = u.projectDomain === undefined ? domain : domainFor(u.projectDomain);
      const projectKey = `${projectDomain.id}/${u.project}`;
      let project = projects.get(projectKey);
      if (project === undefined) {
        project = {
          id: u.projectId ?? projectIdFor(u.project, projectDomain.id),
          name: u.project,
          domain: projectDomain,
        };
        if ([...projects.values()].some((p) => p.id === project!.id))
          throw new Error(`project id ${project.id} is used twice`);
        projects.set(projectKey, project);
      } else if (u.projectId !== undefined && u.projectId !== project.id) {
        throw new Error(`project ${u.project} is given two ids: ${project.id} and ${u.projectId}`);
      }
      const user: User = {
        id: u.userId ?? userIdFor(u.name, domain.id),
        name: u.name,
        domain,
        project,
        roles: (u.roles ?? DEFAULT_ROLES).map(roleFor),
        passwordDigest: digest(u.password),
      };
      if (built.some((b) => b.id === user.id)) throw new Error(`user id ${user.id} is used twice`);
      if (built.some((b) => b.name === user.name && b.domain.id === domain.id)) {
        throw new Error(`user ${user.name} appears twice in domain ${domain.name}`);
      }
      built.push(user);
    }
    this.users = built;
    for (const c of appCredentials) {
      const owners = built.filter((b) => b.name === c.user);
      if (owners.length !== 1)
        throw new Error(`application credential ${c.id}: user ${c.user} is ${owners.length ? 'ambiguous' : 'unknown'}`);
      if (this.appCredentials.has(c.id)) throw new Error(`application credential ${c.id} appears twice`);
      this.appCredentials.set(c.id, { id: c.id, user: owners[0]!, secretDigest: digest(c.secret) });
    }
  }

  findUserById(id: string): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  findUserByName(name: string, domain: DomainRef): User | undefined {
    return this.users.find((u) => u.name === name && matchesDomain(u.domain, domain));
  }

  findAppCredential(id: string): AppCredential | undefined {
    return this.appCredentials.get(id);
  }

  /** Constant-time comparison of a presented password or secret against the stored digest. */
  static secretMatches(presented: string, stored: Buffer): boolean {
    return timingSafeEqual(digest(presented), stored);
  }
}

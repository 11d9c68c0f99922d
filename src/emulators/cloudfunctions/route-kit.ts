// What the route handlers of packages and actions (routes.ts) and of triggers (trigger-routes.ts) share:
// the request context, the dependencies, the reply builders, the lookups that answer NCP's not-found and
// platform-mismatch codes, the activation page, and the namespace-wide bounds every create checks.
import {
  actionNotFound,
  actionPlatformMismatch,
  methodNotAllowed,
  nameTaken,
  packageNotFound,
  packagePlatformMismatch,
  resourceLimitExceeded,
} from './errors';
import type { CronScheduler } from './cron';
import type { TriggerFirer } from './firing';
import type { Invoker } from './invoker';
import * as present from './presenters';
import { NO_PACKAGE, type ActivationFilter, type EmulatorStore } from './store';
import type { ActionEntity, Generation, PackageEntity, Platform } from './types';
import { parsePaging } from './validate';

export interface RouteContext {
  method: string;
  gen: Generation;
  /** Path segments after the generation prefix, percent-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: Buffer;
  /**
   * The namespace user the authenticated credential belongs to, recorded as the activation `subject`
   * ("who activated"). Never the access key: a record is data anyone with read access may see.
   */
  subject: string;
}

export interface RouteDeps {
  store: EmulatorStore;
  invoker: Invoker;
  now: () => number;
  pendingInvokeStatus: number;
  failedInvokeStatus: number;
  /** Fires triggers (POST /triggers/{t}); absent, the trigger routes are not served. */
  firer?: TriggerFirer;
  /** Told of every trigger write, so cron schedules follow them. */
  scheduler?: Pick<CronScheduler, 'sync'>;
  /** Status of a fire answer (NCP does not document it; OpenWhisk answers 202). Default 200. */
  fireTriggerStatus?: number;
}

export interface Reply {
  status: number;
  /** Serialized body; absent for 204. */
  body?: string;
  headers?: Record<string, string>;
}

/** Packages, actions and triggers: 500 of each per account, Classic included (documented). */
export const MAX_ENTITIES = 500;

export const content = (value: unknown, status = 200, headers?: Record<string, string>): Reply => {
  const reply: Reply = { status, body: JSON.stringify({ content: value }) };
  if (headers) reply.headers = headers;
  return reply;
};
export const noContent = (): Reply => ({ status: 204 });

export function allow(ctx: RouteContext, ...methods: string[]): void {
  if (!methods.includes(ctx.method)) throw methodNotAllowed(ctx.method);
}

export function findPackage(deps: RouteDeps, name: string, platform: Platform): PackageEntity {
  const p = deps.store.getPackage(name);
  if (!p) throw packageNotFound(name);
  if (p.platform !== platform) throw packagePlatformMismatch(name, platform);
  return p;
}

/**
 * An action's platform is its package's. So when the package lives on the other platform, every action
 * route answers ACTION_PLATFORM_MISMATCH (80302), the code the docs list for action endpoints.
 */
export function findPackageForAction(deps: RouteDeps, pkg: string, platform: Platform): PackageEntity | undefined {
  if (pkg === NO_PACKAGE) return undefined;
  const p = deps.store.getPackage(pkg);
  if (!p) throw packageNotFound(pkg);
  if (p.platform !== platform) throw actionPlatformMismatch(pkg, platform);
  return p;
}

export function findAction(
  deps: RouteDeps,
  pkg: string,
  name: string,
  platform: Platform,
): { pkg?: PackageEntity; action: ActionEntity } {
  const p = findPackageForAction(deps, pkg, platform);
  const action = deps.store.getAction(pkg, name);
  if (!action) throw actionNotFound(name);
  if (action.platform !== platform) throw actionPlatformMismatch(name, platform);
  return p ? { pkg: p, action } : { action };
}

/**
 * Before a create: the count limit of the kind, and, for a namespace-level name (a package, an action in no
 * package, a trigger), that no other kind holds it (the emulator's reading of the unique-name rule:
 * docs/upstream/triggers.md#names).
 */
export function checkCreate(
  deps: RouteDeps,
  kind: 'package' | 'action' | 'trigger',
  name: string,
  namespaceLevel: boolean,
): void {
  const counts = deps.store.counts;
  const count = kind === 'package' ? counts.packages : kind === 'action' ? counts.actions : counts.triggers;
  if (count >= MAX_ENTITIES) throw resourceLimitExceeded(`${kind}s`, MAX_ENTITIES);
  if (!namespaceLevel) return;
  const holder = deps.store.namespaceEntity(name);
  if (holder !== undefined && holder !== kind) throw nameTaken(kind, name, holder);
}

/** One page of the activations `filter` selects, with NCP's pageNo/pageSize and start/end. */
export function page(ctx: RouteContext, deps: RouteDeps, filter: ActivationFilter & { platform: Platform }): Reply {
  const paging = parsePaging(ctx.gen, ctx.query, deps.now());
  const all = deps.store.listActivations({ ...filter, since: paging.since, upto: paging.upto });
  const from = (paging.pageNo - 1) * paging.pageSize;
  const activations = all.slice(from, from + paging.pageSize).map((r) => present.activationListItem(ctx.gen, r));
  return content({ activations, totalCount: all.length });
}

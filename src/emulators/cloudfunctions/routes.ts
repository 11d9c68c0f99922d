// Route table and handlers of the Cloud Functions API, shared by both path generations: the generation
// only changes defaults (platform) and shapes (see presenters.ts), never the resource model.
import {
  actionNotFound,
  actionPlatformMismatch,
  activationNotFound,
  badRequest,
  methodNotAllowed,
  packageNotEmpty,
  packageNotFound,
  packagePlatformMismatch,
  routeNotFound,
} from './errors';
import type { Invoker } from './invoker';
import * as present from './presenters';
import { NO_PACKAGE, type EmulatorStore } from './store';
import type {
  ActionEntity,
  ActionType,
  ActivationRecord,
  Generation,
  JsonObject,
  PackageEntity,
  Platform,
} from './types';
import {
  checkName,
  isPlainObject,
  parseActionType,
  parseInvokeTimeout,
  parseJsonBody,
  parsePaging,
  parsePlatform,
  validateActionBody,
  validatePackageBody,
} from './validate';

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
}

export interface Reply {
  status: number;
  /** Serialized body; absent for 204. */
  body?: string;
  headers?: Record<string, string>;
}

const content = (value: unknown, status = 200, headers?: Record<string, string>): Reply => {
  const reply: Reply = { status, body: JSON.stringify({ content: value }) };
  if (headers) reply.headers = headers;
  return reply;
};
const noContent = (): Reply => ({ status: 204 });

function allow(ctx: RouteContext, ...methods: string[]): void {
  if (!methods.includes(ctx.method)) throw methodNotAllowed(ctx.method);
}

export async function route(ctx: RouteContext, deps: RouteDeps): Promise<Reply> {
  const s = ctx.segments;
  const n = s.length;
  if (n === 1 && s[0] === 'activations') {
    allow(ctx, 'GET');
    return listActivations(ctx, deps);
  }
  if (s[0] !== 'packages' || n > 6) throw routeNotFound();
  const pkg = s[1];
  const act = s[3];
  if (n === 1) {
    allow(ctx, 'GET');
    return listPackages(ctx, deps);
  }
  if (n === 2 && pkg !== undefined) {
    allow(ctx, 'GET', 'PUT', 'DELETE');
    checkName('package', pkg);
    if (ctx.method === 'GET') return getPackage(ctx, deps, pkg);
    if (ctx.method === 'PUT') return putPackage(ctx, deps, pkg);
    return deletePackage(ctx, deps, pkg);
  }
  if (s[2] !== 'actions' || pkg === undefined) throw routeNotFound();
  if (n === 3) {
    allow(ctx, 'GET');
    checkName('package', pkg, true);
    return listActions(ctx, deps, pkg);
  }
  if (act === undefined) throw routeNotFound();
  if (n === 4) {
    allow(ctx, 'GET', 'PUT', 'DELETE', 'POST');
    checkName('package', pkg, true);
    checkName('action', act);
    if (ctx.method === 'GET') return getAction(ctx, deps, pkg, act);
    if (ctx.method === 'PUT') return putAction(ctx, deps, pkg, act);
    if (ctx.method === 'DELETE') return deleteAction(ctx, deps, pkg, act);
    return invoke(ctx, deps, pkg, act);
  }
  if (s[4] !== 'activations') throw routeNotFound();
  allow(ctx, 'GET');
  checkName('package', pkg, true);
  checkName('action', act);
  if (n === 5) return listActionActivations(ctx, deps, pkg, act);
  return getActivation(ctx, deps, pkg, act, s[5] ?? '');
}

// ---- lookups ----

function findPackage(deps: RouteDeps, name: string, platform: Platform): PackageEntity {
  const p = deps.store.getPackage(name);
  if (!p) throw packageNotFound(name);
  if (p.platform !== platform) throw packagePlatformMismatch(name, platform);
  return p;
}

/**
 * An action's platform is its package's. So when the package lives on the other platform, every action
 * route answers ACTION_PLATFORM_MISMATCH (80302), the code the docs list for action endpoints.
 */
function findPackageForAction(deps: RouteDeps, pkg: string, platform: Platform): PackageEntity | undefined {
  if (pkg === NO_PACKAGE) return undefined;
  const p = deps.store.getPackage(pkg);
  if (!p) throw packageNotFound(pkg);
  if (p.platform !== platform) throw actionPlatformMismatch(pkg, platform);
  return p;
}

function findAction(
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

// ---- packages ----

function listPackages(ctx: RouteContext, deps: RouteDeps): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  return content(deps.store.listPackages(platform).map(present.packageListItem));
}

function getPackage(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  const p = findPackage(deps, name, parsePlatform(ctx.gen, ctx.query));
  return content(present.packageDetail(ctx.gen, p, deps.store.listActions(p.name)));
}

function putPackage(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const body = validatePackageBody(parseJsonBody(ctx.body));
  const existing = deps.store.getPackage(name);
  if (existing && existing.platform !== platform) throw packagePlatformMismatch(name, platform);
  const p = deps.store.putPackage({ name, platform, ...body });
  return content(present.packagePutResult(deps.store, p));
}

function deletePackage(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  const p = findPackage(deps, name, parsePlatform(ctx.gen, ctx.query));
  if (deps.store.listActions(p.name).length > 0) throw packageNotEmpty(name);
  deps.store.deletePackage(name);
  return noContent();
}

// ---- actions ----

function listActions(ctx: RouteContext, deps: RouteDeps, pkg: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  if (pkg !== NO_PACKAGE) findPackage(deps, pkg, platform);
  const actions = deps.store.listActions(pkg, platform).map((a) => present.actionListItem(ctx.gen, a));
  return content({ actions });
}

function getAction(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  const { action } = findAction(deps, pkg, name, parsePlatform(ctx.gen, ctx.query));
  return content(present.actionDetail(ctx.gen, deps.store, action));
}

function putAction(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const queryType = ctx.gen === 'v2.1' ? parseActionType(ctx.query) : undefined;
  findPackageForAction(deps, pkg, platform);
  const body = validateActionBody(ctx.gen, parseJsonBody(ctx.body));
  const existing = deps.store.getAction(pkg, name);
  if (existing && existing.platform !== platform) throw actionPlatformMismatch(name, platform);

  let type: ActionType = existing?.type ?? 'basic';
  if (ctx.gen === 'v2.1' && queryType !== undefined) {
    if (existing && existing.type !== queryType) {
      throw badRequest(`The type of action '${name}' is '${existing.type}' and can't be changed after creation.`);
    }
    type = queryType;
  } else if (ctx.gen === 'v2.0' && body.web !== undefined) {
    const sequence = type === 'sequence' || type === 'sequence-web';
    const wanted: ActionType = sequence ? (body.web ? 'sequence-web' : 'sequence') : body.web ? 'web' : 'basic';
    if (existing && existing.type !== wanted) {
      throw badRequest(`The type of action '${name}' is '${existing.type}' and can't be changed after creation.`);
    }
    type = wanted;
  }
  const action = deps.store.putAction({
    packageName: pkg,
    name,
    platform,
    type,
    description: body.description,
    parameters: body.parameters,
    limits: body.limits,
    exec: body.exec,
    vpc: body.vpc,
    rawHttp: body.rawHttp,
    customOptions: body.customOptions,
  });
  return content(present.actionDetail(ctx.gen, deps.store, action));
}

function deleteAction(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  findAction(deps, pkg, name, parsePlatform(ctx.gen, ctx.query));
  deps.store.deleteAction(pkg, name);
  return noContent();
}

/**
 * Resolves with the record if it is ready within `ms`, else with undefined; never holds the process open.
 * Rejects (to the route's caller, which answers 500) if the record could not be stored at all.
 */
function waitAtMost(done: Promise<ActivationRecord>, ms: number): Promise<ActivationRecord | undefined> {
  if (ms <= 0) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
    done.then(
      (record) => {
        clearTimeout(timer);
        resolve(record);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

async function invoke(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Promise<Reply> {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const { pkg: p, action } = findAction(deps, pkg, name, platform);
  const timeout = parseInvokeTimeout(ctx.query);
  const raw = parseJsonBody(ctx.body);
  if (raw !== undefined && !isPlainObject(raw)) throw badRequest('The request body must be a JSON object.');
  const params: JsonObject = raw ?? {};

  const started = deps.invoker.start(action, p, params, ctx.subject);
  const headers = { 'x-openwhisk-activation-id': started.activationId };
  const record = await waitAtMost(started.done, timeout);
  if (!record) return content({ activationId: started.activationId }, deps.pendingInvokeStatus, headers);
  const status = record.response.success ? 200 : deps.failedInvokeStatus;
  return content(present.activationDetail(ctx.gen, record), status, headers);
}

// ---- activations ----

function page(
  ctx: RouteContext,
  deps: RouteDeps,
  filter: { platform: Platform; packageName?: string; actionName?: string },
): Reply {
  const paging = parsePaging(ctx.gen, ctx.query, deps.now());
  const all = deps.store.listActivations({ ...filter, since: paging.since, upto: paging.upto });
  const from = (paging.pageNo - 1) * paging.pageSize;
  const activations = all.slice(from, from + paging.pageSize).map((r) => present.activationListItem(ctx.gen, r));
  return content({ activations, totalCount: all.length });
}

function listActivations(ctx: RouteContext, deps: RouteDeps): Reply {
  return page(ctx, deps, { platform: parsePlatform(ctx.gen, ctx.query) });
}

function listActionActivations(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  findAction(deps, pkg, name, platform);
  return page(ctx, deps, { platform, packageName: pkg, actionName: name });
}

/** Records outlive their action (as in OpenWhisk), so only the record itself is looked up here. */
function getActivation(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string, id: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const stored = deps.store.getStoredActivation(id);
  if (!stored || stored.platform !== platform || stored.packageName !== pkg || stored.actionName !== name) {
    throw activationNotFound(id);
  }
  return content(present.activationDetail(ctx.gen, stored.record));
}

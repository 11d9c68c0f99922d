// Route table and handlers of the Cloud Functions API, shared by both path generations: the generation
// only changes defaults (platform) and shapes (see presenters.ts), never the resource model. Packages and
// actions are here; triggers in trigger-routes.ts; what both use in route-kit.ts.
import {
  actionBodyMissingField,
  actionPlatformMismatch,
  activationNotFound,
  badRequest,
  codeStoreFull,
  packageNotEmpty,
  packagePlatformMismatch,
  routeNotFound,
  vpcFault,
} from './errors';
import * as present from './presenters';
import {
  allow,
  checkCreate,
  content,
  findAction,
  findPackage,
  findPackageForAction,
  noContent,
  page,
  type Reply,
  type RouteContext,
  type RouteDeps,
} from './route-kit';
import { NO_PACKAGE, parseRef, refText } from './store';
import { triggerRoute } from './trigger-routes';
import type { ActionEntity, ActionType, ActivationRecord, JsonObject, Platform } from './types';
import {
  checkName,
  isPlainObject,
  isSequenceBody,
  parseActionType,
  parseInvokeTimeout,
  parseJsonBody,
  parsePlatform,
  validateActionBody,
  validatePackageBody,
  validateSequenceBody,
} from './validate';

export type { Reply, RouteContext, RouteDeps } from './route-kit';

/** The emulator's own bound on the action code it holds in memory, all actions together (not NCP's). */
export const MAX_STORED_CODE_BYTES = 512 * 1024 * 1024;

export async function route(ctx: RouteContext, deps: RouteDeps): Promise<Reply> {
  const s = ctx.segments;
  const n = s.length;
  if (n === 1 && s[0] === 'activations') {
    allow(ctx, 'GET');
    return listActivations(ctx, deps);
  }
  if (s[0] === 'triggers' && deps.firer) return triggerRoute(ctx, deps, deps.firer);
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
  if (!existing) checkCreate(deps, 'package', name, true);
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

/**
 * The action's type after this PUT: v2.1 takes it from the `type` query, v2.0 from the body (`web`, and
 * exec.kind 'sequence'); either way it cannot change once the action exists.
 */
function actionTypeOf(ctx: RouteContext, name: string, raw: unknown, existing: ActionEntity | undefined): ActionType {
  const fixed = (wanted: ActionType): ActionType => {
    if (existing && existing.type !== wanted) {
      throw badRequest(`The type of action '${name}' is '${existing.type}' and can't be changed after creation.`);
    }
    return wanted;
  };
  if (ctx.gen === 'v2.1') return fixed(parseActionType(ctx.query) ?? existing?.type ?? 'basic');
  const body = isPlainObject(raw) ? raw : {};
  const sequence = existing ? existing.type.startsWith('sequence') : isSequenceBody(raw);
  if (existing && isSequenceBody(raw) !== sequence) return fixed(sequence ? 'basic' : 'sequence');
  const web = typeof body.web === 'boolean' ? body.web : existing ? existing.type.endsWith('web') : false;
  return fixed(sequence ? (web ? 'sequence-web' : 'sequence') : web ? 'web' : 'basic');
}

/** A sequence's components: existing actions of its platform, none of which leads back to it. */
function checkComponents(deps: RouteDeps, self: string, components: string[], platform: Platform): void {
  if (components.includes(self)) throw actionBodyMissingField('A sequence may not contain itself.');
  for (const text of components) {
    const ref = parseRef(text);
    const action = ref && deps.store.getAction(ref.packageName, ref.name);
    if (!action) throw actionBodyMissingField(`Sequence component '${text}' does not exist.`);
    if (action.platform !== platform) {
      throw actionBodyMissingField(`Sequence component '${text}' does not belong to platform '${platform}'.`);
    }
  }
  const seen = new Set<string>();
  const pending = [...components];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    if (text === self) throw actionBodyMissingField('A sequence may not contain itself.');
    if (seen.has(text)) continue;
    seen.add(text);
    const ref = parseRef(text);
    pending.push(...((ref && deps.store.getAction(ref.packageName, ref.name)?.exec.components) ?? []));
  }
}

function putAction(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  if (ctx.gen === 'v2.1') parseActionType(ctx.query);
  findPackageForAction(deps, pkg, platform);
  const raw = parseJsonBody(ctx.body);
  const existing = deps.store.getAction(pkg, name);
  if (existing && existing.platform !== platform) throw actionPlatformMismatch(name, platform);
  const type = actionTypeOf(ctx, name, raw, existing);
  if (!existing) checkCreate(deps, 'action', name, pkg === NO_PACKAGE);
  const common = { packageName: pkg, name, platform, type };
  if (type === 'sequence' || type === 'sequence-web') {
    const body = validateSequenceBody(ctx.gen, raw);
    checkComponents(deps, refText({ packageName: pkg, name }), body.components, platform);
    const action = deps.store.putAction({
      ...common,
      description: body.description,
      exec: { kind: 'sequence', code: '', main: '', components: body.components },
    });
    return content(present.actionDetail(ctx.gen, deps.store, action));
  }
  const body = validateActionBody(ctx.gen, raw);
  if (deps.store.codeBytes - (existing?.exec.code.length ?? 0) + body.exec.code.length > MAX_STORED_CODE_BYTES) {
    throw codeStoreFull(MAX_STORED_CODE_BYTES);
  }
  const action = deps.store.putAction({
    ...common,
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

/**
 * Deletes the action, which also unlinks it from its triggers and takes it out of its sequences (a
 * sequence left empty goes too). A VPC fault a test injected answers its 813xx error instead, once.
 */
function deleteAction(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  findAction(deps, pkg, name, parsePlatform(ctx.gen, ctx.query));
  const fault = deps.store.takeVpcFault(pkg, name);
  if (fault) throw vpcFault(fault);
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

function listActivations(ctx: RouteContext, deps: RouteDeps): Reply {
  return page(ctx, deps, { platform: parsePlatform(ctx.gen, ctx.query) });
}

function listActionActivations(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  findAction(deps, pkg, name, platform);
  return page(ctx, deps, { platform, kind: 'action', packageName: pkg, actionName: name });
}

/** Records outlive their action (as in OpenWhisk), so only the record itself is looked up here. */
function getActivation(ctx: RouteContext, deps: RouteDeps, pkg: string, name: string, id: string): Reply {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const stored = deps.store.getStoredActivation(id);
  if (
    !stored ||
    stored.kind !== 'action' ||
    stored.platform !== platform ||
    stored.packageName !== pkg ||
    stored.actionName !== name
  ) {
    throw activationNotFound(id);
  }
  return content(present.activationDetail(ctx.gen, stored.record));
}

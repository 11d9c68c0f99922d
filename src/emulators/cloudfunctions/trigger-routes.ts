// The trigger endpoints of both generations (docs/upstream/triggers.md#endpoints): list, get, upsert and
// delete a trigger, fire it, link and unlink actions, and its activations. Every write tells the cron
// scheduler, so a schedule follows its trigger from the next tick on.
import {
  activationNotFound,
  badRequest,
  routeNotFound,
  triggerInvokeFail,
  triggerNotFound,
  triggerPlatformMismatch,
} from './errors';
import type { TriggerFirer } from './firing';
import * as present from './presenters';
import {
  allow,
  checkCreate,
  content,
  findAction,
  noContent,
  page,
  type Reply,
  type RouteContext,
  type RouteDeps,
} from './route-kit';
import type { TriggerEntity, Platform } from './types';
import { parseFireBody, parseLinkBody, parseTriggerType, validateTriggerBody } from './trigger-validate';
import { checkName, parseJsonBody, parsePlatform } from './validate';

/** /triggers, /triggers/{t}, /triggers/{t}/link-action, /triggers/{t}/activations[/{id}]. */
export function triggerRoute(ctx: RouteContext, deps: RouteDeps, firer: TriggerFirer): Reply {
  const [, name, sub, id, ...rest] = ctx.segments;
  if (rest.length > 0) throw routeNotFound();
  if (name === undefined) {
    allow(ctx, 'GET');
    const platform = parsePlatform(ctx.gen, ctx.query);
    return content({ triggers: deps.store.listTriggers(platform).map((t) => present.triggerListItem(ctx.gen, t)) });
  }
  checkName('trigger', name);
  if (sub === undefined) {
    allow(ctx, 'GET', 'PUT', 'DELETE', 'POST');
    if (ctx.method === 'GET') return content(present.triggerDetail(ctx.gen, findTrigger(ctx, deps, name)));
    if (ctx.method === 'PUT') return putTrigger(ctx, deps, name);
    if (ctx.method === 'DELETE') return deleteTrigger(ctx, deps, name);
    return fire(ctx, deps, firer, name);
  }
  if (sub === 'link-action' && id === undefined) {
    allow(ctx, 'POST', 'DELETE');
    return link(ctx, deps, name);
  }
  if (sub !== 'activations') throw routeNotFound();
  allow(ctx, 'GET');
  const trigger = findTrigger(ctx, deps, name);
  if (id === undefined) return page(ctx, deps, { platform: trigger.platform, kind: 'trigger', triggerName: name });
  return triggerActivation(ctx, deps, trigger, id);
}

function findTrigger(ctx: RouteContext, deps: RouteDeps, name: string): TriggerEntity {
  const platform = parsePlatform(ctx.gen, ctx.query);
  const trigger = deps.store.getTrigger(name);
  if (!trigger) throw triggerNotFound(name);
  if (trigger.platform !== platform) throw triggerPlatformMismatch(name, platform);
  return trigger;
}

/** The upsert: type from the query, required and fixed once the trigger exists. */
function putTrigger(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  const platform: Platform = parsePlatform(ctx.gen, ctx.query);
  const type = parseTriggerType(ctx.gen, ctx.query);
  const existing = deps.store.getTrigger(name);
  if (existing && existing.platform !== platform) throw triggerPlatformMismatch(name, platform);
  if (existing && existing.type !== type) {
    throw badRequest(`The type of trigger '${name}' is '${existing.type}' and can't be changed after creation.`);
  }
  const body = validateTriggerBody(ctx.gen, type, parseJsonBody(ctx.body), !existing);
  if (!existing) checkCreate(deps, 'trigger', name, true);
  const trigger = deps.store.putTrigger({ name, platform, type, ...body });
  deps.scheduler?.sync();
  return content(present.triggerDetail(ctx.gen, trigger));
}

/** Deletes the trigger and its links; its activations stay readable, as an action's do. */
function deleteTrigger(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  findTrigger(ctx, deps, name);
  deps.store.deleteTrigger(name);
  deps.scheduler?.sync();
  return noContent();
}

/** Runs the linked actions with the body as runtime parameters; answers the trigger activation's id. */
function fire(ctx: RouteContext, deps: RouteDeps, firer: TriggerFirer, name: string): Reply {
  const trigger = findTrigger(ctx, deps, name);
  const params = parseFireBody(ctx.body);
  if (trigger.actions.length === 0) throw triggerInvokeFail(name);
  const fired = firer.fire(trigger, params, ctx.subject);
  return content({ activationId: fired.activationId }, deps.fireTriggerStatus ?? 200);
}

/** POST links, DELETE unlinks; both take the body {action, package?}. */
function link(ctx: RouteContext, deps: RouteDeps, name: string): Reply {
  const trigger = findTrigger(ctx, deps, name);
  const ref = parseLinkBody(ctx.gen, ctx.body);
  findAction(deps, ref.packageName, ref.name, trigger.platform);
  if (ctx.method === 'DELETE') {
    deps.store.unlinkAction(name, ref);
    return noContent();
  }
  const linked = deps.store.linkAction(name, ref);
  return content(present.linkRecord(deps.store, linked, ref));
}

function triggerActivation(ctx: RouteContext, deps: RouteDeps, trigger: TriggerEntity, id: string): Reply {
  const stored = deps.store.getStoredActivation(id);
  if (
    !stored ||
    stored.kind !== 'trigger' ||
    stored.triggerName !== trigger.name ||
    stored.platform !== trigger.platform
  ) {
    throw activationNotFound(id);
  }
  return content(present.activationDetail(ctx.gen, stored.record));
}

import type { ActionResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { NO_PACKAGE } from '../upstream/cloudfunctions/paths';
import type { ActionDetail, ActionSource, ActionSummary } from '../upstream/cloudfunctions/types';
import { actionRefText } from '../upstream/cloudfunctions/triggers';
import { activationQuery } from './paging';
import { isPlainObject, text, toInt } from './values';

async function detailOf(source: ActionSource, ctx: GatewayContext): Promise<ActionDetail | null> {
  return source.detail ?? ctx.loaders.functions.action.load(source);
}

/**
 * A field the list item may already carry: read it there when present (undefined means "not
 * carried"), otherwise from the detail, loaded once per action per request.
 */
async function carried<T>(
  source: ActionSource,
  ctx: GatewayContext,
  read: (data: ActionSummary | ActionDetail) => T | undefined,
): Promise<T | null> {
  if (source.detail) return read(source.detail) ?? null;
  const fromSummary = source.summary ? read(source.summary) : undefined;
  if (fromSummary !== undefined) return fromSummary;
  const detail = await detailOf(source, ctx);
  return detail ? (read(detail) ?? null) : null;
}

/** v2.1 lists carry `type`; v2.0 carries `web`. */
function typeOf(data: ActionSummary | ActionDetail): string | undefined {
  if (typeof data.type === 'string') return data.type;
  if (typeof data.web === 'boolean') return data.web ? 'web' : 'basic';
  return undefined;
}

export const Action: ActionResolvers = {
  name: (source) => source.action,

  package: (source) => (source.package === NO_PACKAGE ? null : { platform: source.platform, package: source.package }),

  description: (source, _args, ctx) =>
    carried(source, ctx, (d) => ('description' in d ? text(d.description) : undefined)),

  runtime: (source, _args, ctx) =>
    carried(source, ctx, (d) => text((d as ActionDetail).exec?.kind) ?? text(d.runtime) ?? undefined),

  async type(source, _args, ctx) {
    // A write knows the type it wrote (its answer's detail does not carry it).
    if (typeof source.summary?.type === 'string') return source.summary.type;
    const known = await carried(source, ctx, typeOf);
    if (known !== null || source.summary) return known;
    // A v2.1 detail does not carry the type; the package's action list does (one call, shared).
    const list = await ctx.loaders.functions.actions.load(source);
    const item = list?.find((a) => a.name === source.action);
    return item ? (typeOf(item) ?? null) : null;
  },

  async limits(source, _args, ctx) {
    const limits = (await detailOf(source, ctx))?.limits;
    return limits ? { timeoutMs: toInt(limits.timeout), memoryMb: toInt(limits.memory) } : null;
  },

  async parameters(source, _args, ctx) {
    const parameters = (await detailOf(source, ctx))?.parameters;
    return isPlainObject(parameters) ? parameters : null;
  },

  async resourceId(source, _args, ctx) {
    return text((await detailOf(source, ctx))?.resourceId);
  },

  async activations(source, args, ctx) {
    const query = activationQuery(args);
    const action = { platform: source.platform, package: source.package, action: source.action };
    const list = (await ctx.loaders.functions.activations.load({ action, query })) ?? {
      activations: [],
      totalCount: 0,
    };
    return { owner: { kind: 'action', key: action }, query, list };
  },

  /** OpenWhisk's `exec`, from the detail (scope functions:code:read, checked by @scope before any call). */
  async code(source, _args, ctx) {
    const exec = (await detailOf(source, ctx))?.exec;
    if (!exec || typeof exec !== 'object') return null;
    const components = Array.isArray(exec.components)
      ? exec.components.filter((c): c is string => typeof c === 'string')
      : null;
    return {
      kind: text(exec.kind) ?? (components ? 'sequence' : ''),
      main: text(exec.main),
      binary: exec.binary === true,
      source: text(exec.code),
      components,
      imageUri: text(exec.imageUri),
    };
  },

  /** From the operation's one trigger index (1 list + 1 detail per trigger), however many actions ask. */
  async triggers(source, _args, ctx) {
    const index = await ctx.loaders.functions.triggerIndex.load(source.platform);
    return index.get(actionRefText({ package: source.package, action: source.action })) ?? [];
  },
};

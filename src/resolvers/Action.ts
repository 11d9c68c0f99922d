import type { ActionResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { NO_PACKAGE } from '../upstream/cloudfunctions/paths';
import type { ActionDetail, ActionSource, ActionSummary } from '../upstream/cloudfunctions/types';
import { badInput } from '../errors';
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

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export const Action: ActionResolvers = {
  name: (source) => source.action,

  package: (source) => (source.package === NO_PACKAGE ? null : { platform: source.platform, package: source.package }),

  description: (source, _args, ctx) =>
    carried(source, ctx, (d) => ('description' in d ? text(d.description) : undefined)),

  runtime: (source, _args, ctx) =>
    carried(source, ctx, (d) => text((d as ActionDetail).exec?.kind) ?? text(d.runtime) ?? undefined),

  async type(source, _args, ctx) {
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
    const pageNo = args.page ?? 1;
    const pageSize = args.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageNo) || pageNo < 1) throw badInput('page must be 1 or more.');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw badInput(`pageSize must be from 1 to ${MAX_PAGE_SIZE}.`);
    }
    const since = args.since?.getTime();
    const until = args.until?.getTime();
    if (since !== undefined && until !== undefined && since > until) throw badInput('since must not be after until.');
    const action = { platform: source.platform, package: source.package, action: source.action };
    const query = {
      pageNo,
      pageSize,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    };
    const list = (await ctx.loaders.functions.activations.load({ action, query })) ?? {
      activations: [],
      totalCount: 0,
    };
    return { action, query, list };
  },
};

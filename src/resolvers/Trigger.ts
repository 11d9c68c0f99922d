/**
 * Trigger: a Cloud Functions trigger. On a list item `name` and `type` come with the list; every other
 * field reads the detail, once per trigger per operation (the `trigger` loader, shared with
 * Action.triggers' index). The detail's shapes are read defensively (../upstream/cloudfunctions/triggers).
 */
import type { TriggerResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { cronOf, linkedActions, triggerOptions, triggerTypeOf } from '../upstream/cloudfunctions/triggers';
import type { TriggerDetail, TriggerSource } from '../upstream/cloudfunctions/types';
import { activationQuery } from './paging';
import { isPlainObject, text } from './values';

async function detailOf(source: TriggerSource, ctx: GatewayContext): Promise<TriggerDetail | null> {
  return source.detail ?? ctx.loaders.functions.trigger.load(source);
}

export const Trigger: TriggerResolvers = {
  name: (source) => source.trigger,

  async type(source, _args, ctx) {
    if (source.summary?.type !== undefined || source.detail?.type !== undefined) {
      return triggerTypeOf(source.summary?.type ?? source.detail?.type);
    }
    return triggerTypeOf((await detailOf(source, ctx))?.type);
  },

  // The upstream keeps "" for no description; the schema says null then.
  description: async (source, _args, ctx) => text((await detailOf(source, ctx))?.description) || null,

  async parameters(source, _args, ctx) {
    const parameters = (await detailOf(source, ctx))?.parameters;
    return isPlainObject(parameters) ? parameters : null;
  },

  resourceId: async (source, _args, ctx) => text((await detailOf(source, ctx))?.resourceId),

  cron: async (source, _args, ctx) => cronOf((await detailOf(source, ctx))?.execOption),

  options: async (source, _args, ctx) => triggerOptions((await detailOf(source, ctx))?.execOption),

  async actions(source, _args, ctx) {
    const detail = await detailOf(source, ctx);
    return linkedActions(detail?.actions).map((ref) => ({ platform: source.platform, ...ref }));
  },

  async activations(source, args, ctx) {
    const query = activationQuery(args);
    const trigger = { platform: source.platform, trigger: source.trigger };
    const list = (await ctx.loaders.functions.triggerActivations.load({ trigger, query })) ?? {
      activations: [],
      totalCount: 0,
    };
    return { owner: { kind: 'trigger', key: trigger }, query, list };
  },
};

import type { QueryResolvers } from '../__generated__/resolvers-types';
import { checkActivationId, checkName, checkPackage } from '../upstream/cloudfunctions/paths';
import { activationQuery } from './paging';
import { platformOf } from './values';
import { checkComputeId } from './compute-values';
import { runStatus } from './run-status';
import { existenceQuery } from './server-existence';

export const Query: QueryResolvers = {
  async packages(_root, args, ctx) {
    const platform = platformOf(args.platform, ctx);
    const list = await ctx.loaders.functions.packages.load(platform);
    return list.map((summary) => ({ platform, package: summary.name, summary }));
  },

  async package(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), package: checkName('package', args.name) };
    const detail = await ctx.loaders.functions.package.load(key);
    return detail ? { ...key, detail } : null;
  },

  async actions(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), package: checkPackage(args.package) };
    const list = await ctx.loaders.functions.actions.load(key);
    return list ? list.map((summary) => ({ ...key, action: summary.name, summary })) : null;
  },

  async action(_root, args, ctx) {
    const key = {
      platform: platformOf(args.platform, ctx),
      package: checkPackage(args.package),
      action: checkName('action', args.name),
    };
    const detail = await ctx.loaders.functions.action.load(key);
    return detail ? { ...key, detail } : null;
  },

  async activation(_root, args, ctx) {
    const key = {
      platform: platformOf(args.platform, ctx),
      package: checkPackage(args.package),
      action: checkName('action', args.action),
      id: checkActivationId(args.id),
    };
    const record = await ctx.loaders.functions.activation.load(key);
    return record ? { ...key, record } : null;
  },

  async activationStatus(_root, args, ctx) {
    const key = {
      platform: platformOf(args.platform, ctx),
      package: checkPackage(args.package),
      action: checkName('action', args.action),
      id: checkActivationId(args.id),
    };
    return runStatus(key, ctx);
  },

  /** Every run of the platform's namespace: items name no action (docs/upstream/triggers.md#endpoints). */
  async activations(_root, args, ctx) {
    const query = activationQuery(args);
    const platform = platformOf(args.platform, ctx);
    const list = await ctx.loaders.functions.namespaceActivations.load({ platform, query });
    return { owner: { kind: 'namespace', platform }, query, list };
  },

  async triggers(_root, args, ctx) {
    const platform = platformOf(args.platform, ctx);
    const list = await ctx.loaders.functions.triggers.load(platform);
    return list.map((summary) => ({ platform, trigger: summary.name, summary }));
  },

  async trigger(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), trigger: checkName('trigger', args.name) };
    const detail = await ctx.loaders.functions.trigger.load(key);
    return detail ? { ...key, detail } : null;
  },

  /**
   * Nova has no existence check that also finds deleted servers (whose actions stay readable), so
   * a page of the server's actions is the check: a 404 means no such server. It is the page the
   * operation's own `instanceActions` field asks for, so the loader shares it and the check is free.
   */
  async server(_root, args, ctx, info) {
    const serverId = checkComputeId('server id', args.id);
    const query = existenceQuery(info, ctx.computeMicroversion);
    const page = await ctx.loaders.compute.instanceActions.load({ serverId, query });
    return page ? { id: serverId } : null;
  },
};

import type { ServerResolvers } from '../__generated__/resolvers-types';
import { badInput } from '../errors';
import type { InstanceActionQuery } from '../upstream/compute/types';
import { checkComputeId, microversionAtLeast } from './compute-values';
import { text } from './values';

export const MAX_ACTIONS_PAGE = 100;
export const DEFAULT_ACTIONS_PAGE = 20;
/** The page `instanceActions` reads when given no arguments. */
export const DEFAULT_ACTIONS_QUERY: InstanceActionQuery = { limit: DEFAULT_ACTIONS_PAGE };

/** Arguments of `Server.instanceActions`, as GraphQL coerced them. */
export interface InstanceActionArgs {
  first?: number | null;
  after?: string | null;
  changesSince?: Date | null;
  changesBefore?: Date | null;
}

/** Validates `instanceActions` arguments into the upstream query (BAD_USER_INPUT when invalid). */
export function instanceActionQuery(args: InstanceActionArgs, microversion: string): InstanceActionQuery {
  const limit = args.first ?? DEFAULT_ACTIONS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ACTIONS_PAGE)
    throw badInput(`first must be from 1 to ${MAX_ACTIONS_PAGE}.`);
  const marker = args.after ? checkComputeId('after', args.after) : undefined;
  const changesSince = args.changesSince?.getTime();
  const changesBefore = args.changesBefore?.getTime();
  if ((marker !== undefined || changesSince !== undefined) && !microversionAtLeast(microversion, '2.58')) {
    throw badInput('after and changesSince need compute microversion 2.58 or later (NOVA_MICROVERSION).');
  }
  if (changesBefore !== undefined && !microversionAtLeast(microversion, '2.66')) {
    throw badInput('changesBefore needs compute microversion 2.66 or later (NOVA_MICROVERSION).');
  }
  if (changesSince !== undefined && changesBefore !== undefined && changesSince > changesBefore) {
    throw badInput('changesSince must not be after changesBefore.');
  }
  return {
    limit,
    ...(marker !== undefined ? { marker } : {}),
    ...(changesSince !== undefined ? { changesSince } : {}),
    ...(changesBefore !== undefined ? { changesBefore } : {}),
  };
}

export const Server: ServerResolvers = {
  id: (source) => source.id,

  name: async (source, _args, ctx) => text((await ctx.loaders.compute.server.load(source.id))?.name),
  status: async (source, _args, ctx) => text((await ctx.loaders.compute.server.load(source.id))?.status),

  async instanceActions(source, args, ctx) {
    const query = instanceActionQuery(args, ctx.computeMicroversion);
    const page = (await ctx.loaders.compute.instanceActions.load({ serverId: source.id, query })) ?? {
      actions: [],
      hasNextPage: false,
    };
    return { serverId: source.id, query, page };
  },

  async instanceAction(source, args, ctx) {
    const requestId = checkComputeId('request id', args.requestId);
    const detail = await ctx.loaders.compute.instanceAction.load({ serverId: source.id, requestId });
    return detail ? { serverId: source.id, requestId, detail } : null;
  },
};

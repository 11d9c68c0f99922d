import type { InstanceActionResolvers } from '../__generated__/resolvers-types';
import type { InstanceActionSource, NovaInstanceAction } from '../upstream/compute/types';
import { utcDate } from './compute-values';

/** The list item and the detail carry the same action fields; only events need the detail. */
const data = (source: InstanceActionSource): NovaInstanceAction => (source.detail ?? source.summary)!;

export const InstanceAction: InstanceActionResolvers = {
  requestId: (source) => source.requestId,
  action: (source) => data(source).action,
  instanceUuid: (source) => data(source).instance_uuid ?? null,
  message: (source) => data(source).message ?? null,
  projectId: (source) => data(source).project_id ?? null,
  userId: (source) => data(source).user_id ?? null,
  startedAt: (source) => utcDate(data(source).start_time),
  updatedAt: (source) => utcDate(data(source).updated_at),

  async events(source, _args, ctx) {
    // Before microversion 2.51 Nova shows events to administrators only: absent means none shown.
    const detail = source.detail ?? (await ctx.loaders.compute.instanceAction.load({ serverId: source.serverId, requestId: source.requestId }));
    return detail?.events ?? [];
  },
};

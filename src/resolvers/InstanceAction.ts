import type { InstanceActionResolvers } from '../__generated__/resolvers-types';
import type { InstanceActionSource, NovaInstanceAction } from '../upstream/compute/types';
import { utcDate } from './compute-values';
import { text } from './values';

/** The list item and the detail carry the same action fields; only events need the detail. */
const data = (source: InstanceActionSource): NovaInstanceAction => (source.detail ?? source.summary)!;

export const InstanceAction: InstanceActionResolvers = {
  requestId: (source) => source.requestId,
  action: (source) => data(source).action,
  instanceUuid: (source) => text(data(source).instance_uuid),
  message: (source) => text(data(source).message),
  projectId: (source) => text(data(source).project_id),
  userId: (source) => text(data(source).user_id),
  startedAt: (source) => utcDate(data(source).start_time),
  updatedAt: (source) => utcDate(data(source).updated_at),

  async events(source, _args, ctx) {
    // Before microversion 2.51 Nova shows events to administrators only: absent means none shown.
    const detail =
      source.detail ??
      (await ctx.loaders.compute.instanceAction.load({ serverId: source.serverId, requestId: source.requestId }));
    return Array.isArray(detail?.events) ? detail.events.filter((e) => e && typeof e.event === 'string') : [];
  },
};

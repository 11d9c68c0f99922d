import type { InstanceActionConnectionResolvers } from '../__generated__/resolvers-types';

export const InstanceActionConnection: InstanceActionConnectionResolvers = {
  nodes: (conn) =>
    conn.page.actions.map((summary) => ({ serverId: conn.serverId, requestId: summary.request_id, summary })),
  pageInfo: (conn) => ({
    hasNextPage: conn.page.hasNextPage,
    endCursor: conn.page.actions.at(-1)?.request_id ?? null,
  }),
};

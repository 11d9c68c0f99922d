import type { ActivationPageResolvers } from '../__generated__/resolvers-types';

export const ActivationPage: ActivationPageResolvers = {
  nodes: (page) => page.list.activations.map((summary) => ({ ...page.action, id: summary.activationId, summary })),
  totalCount: (page) => page.list.totalCount,
  page: (page) => page.query.pageNo,
  pageSize: (page) => page.query.pageSize,
  hasNextPage: (page) => page.query.pageNo * page.query.pageSize < page.list.totalCount,
};

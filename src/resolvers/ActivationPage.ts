/**
 * ActivationPage: one page of runs, whoever's they are: an action's, a trigger's firings, or the
 * namespace's. Each node carries the address its detail is read at when there is one (the action, or
 * the trigger); a namespace item has none (NCP's items name no action).
 */
import type { ActivationPageResolvers } from '../__generated__/resolvers-types';
import type { ActivationOwner, ActivationSource, ActivationSummary } from '../upstream/cloudfunctions/types';

function nodeOf(owner: ActivationOwner, summary: ActivationSummary): ActivationSource {
  const id = summary.activationId;
  if (owner.kind === 'action') return { ...owner.key, id, summary };
  if (owner.kind === 'trigger') return { platform: owner.key.platform, trigger: owner.key.trigger, id, summary };
  return { platform: owner.platform, id, summary };
}

export const ActivationPage: ActivationPageResolvers = {
  nodes: (page) => page.list.activations.map((summary) => nodeOf(page.owner, summary)),
  totalCount: (page) => page.list.totalCount,
  page: (page) => page.query.pageNo,
  pageSize: (page) => page.query.pageSize,
  hasNextPage: (page) => page.query.pageNo * page.query.pageSize < page.list.totalCount,
};

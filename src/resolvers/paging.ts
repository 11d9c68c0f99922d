/**
 * paging: the page and time window of an activation list (an action's, a trigger's or the namespace's),
 * checked the same way wherever one is asked for.
 */
import { badInput } from '../errors';
import type { ActivationQuery } from '../upstream/cloudfunctions/types';

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export interface PagingArgs {
  page?: number | null;
  pageSize?: number | null;
  since?: Date | null;
  until?: Date | null;
}

export function activationQuery(args: PagingArgs): ActivationQuery {
  const pageNo = args.page ?? 1;
  const pageSize = args.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageNo) || pageNo < 1) throw badInput('page must be 1 or more.');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw badInput(`pageSize must be from 1 to ${MAX_PAGE_SIZE}.`);
  }
  const since = args.since?.getTime();
  const until = args.until?.getTime();
  if (since !== undefined && until !== undefined && since > until) throw badInput('since must not be after until.');
  return {
    pageNo,
    pageSize,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

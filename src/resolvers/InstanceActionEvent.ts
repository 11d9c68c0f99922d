import type { InstanceActionEventResolvers } from '../__generated__/resolvers-types';
import { utcDate } from './compute-values';

export const InstanceActionEvent: InstanceActionEventResolvers = {
  event: (e) => e.event,
  startedAt: (e) => utcDate(e.start_time),
  finishedAt: (e) => utcDate(e.finish_time),
  result: (e) => e.result ?? null,
  traceback: (e) => e.traceback ?? null,
  host: (e) => e.host ?? null,
  hostId: (e) => e.hostId ?? null,
  details: (e) => e.details ?? null,
};

import type { InstanceActionEventResolvers } from '../__generated__/resolvers-types';
import { utcDate } from './compute-values';
import { text } from './values';

export const InstanceActionEvent: InstanceActionEventResolvers = {
  event: (e) => e.event,
  startedAt: (e) => utcDate(e.start_time),
  finishedAt: (e) => utcDate(e.finish_time),
  result: (e) => text(e.result),
  traceback: (e) => text(e.traceback),
  host: (e) => text(e.host),
  hostId: (e) => text(e.hostId),
  details: (e) => text(e.details),
};

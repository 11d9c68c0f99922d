/**
 * Subscription.activationCompleted: the run once it has finished. A run this gateway started is
 * waited for up to GATEWAY_SUBSCRIPTION_MAX_WAIT_MS; any other id only as long as its action may run
 * (its time limit plus a margin, src/subscriptions/runs), then NOT_FOUND: a typo answers in
 * seconds, not minutes.
 */
import type { SubscriptionResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { refusals } from '../errors';
import { oneShot } from '../subscriptions/one-shot';
import { NOT_FOUND_MARGIN_MS } from '../subscriptions/runs';
import { systemClock } from '../time';
import type { ActivationKey, ActivationRecord } from '../upstream/cloudfunctions/types';
import { checkActivationId, checkName, checkPackage } from '../upstream/cloudfunctions/paths';
import { actionLabel, actionOf, timeLimitOf } from './run-status';
import { platformOf } from './values';

/** Waits for the run; for an id this gateway did not start, no longer than its action can run. */
async function finishedRun(key: ActivationKey, ctx: GatewayContext, signal: AbortSignal): Promise<ActivationRecord> {
  const mine = ctx.runs.startedAt(key) !== undefined;
  let bound: number | undefined;
  if (!mine) {
    // Finished already (one read), or its action says how long it may still run.
    const record = await ctx.loaders.functions.activation.load(key);
    if (record) return record;
    bound = timeLimitOf(await actionOf(key, ctx)) + NOT_FOUND_MARGIN_MS;
  }
  const stop = new AbortController();
  const stopAll = AbortSignal.any([signal, ctx.signal, stop.signal]);
  const waiting = ctx.watcher.wait(key, stopAll);
  if (bound === undefined) return waiting.finally(() => ctx.runs.forget(key));
  const gaveUp = systemClock.sleep(bound, stopAll).then((slept) => {
    if (!slept) return undefined;
    // The poller is let go in `finally`, once this has won the race.
    throw refusals.noSuchRun(key.id, actionLabel(key), Math.round((bound! - NOT_FOUND_MARGIN_MS) / 1000));
  });
  try {
    return await Promise.race([waiting, gaveUp as Promise<never>]);
  } finally {
    stop.abort();
  }
}

export const Subscription: SubscriptionResolvers = {
  activationCompleted: {
    subscribe(_root, args, ctx) {
      const key = {
        platform: platformOf(args.platform, ctx),
        package: checkPackage(args.package),
        action: checkName('action', args.action),
        id: checkActivationId(args.id),
      };
      return oneShot(async (signal) => {
        try {
          const record = await finishedRun(key, ctx, signal);
          return { activationCompleted: { ...key, record } };
        } catch (error) {
          // Delivered as this field's error in a result (then the subscription completes), like
          // any other field error, rather than as a failure of the whole subscription.
          return { activationCompleted: error as Error } as never;
        }
      });
    },
  },
};

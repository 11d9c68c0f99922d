import type { SubscriptionResolvers } from '../__generated__/resolvers-types';
import { checkActivationId, checkName, checkPackage } from '../upstream/cloudfunctions/paths';
import { oneShot } from '../subscriptions/one-shot';
import { platformOf } from './values';

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
          const record = await ctx.watcher.wait(key, AbortSignal.any([signal, ctx.signal]));
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

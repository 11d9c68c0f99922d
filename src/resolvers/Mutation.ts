import type { MutationResolvers } from '../__generated__/resolvers-types';
import { badInput } from '../errors';
import { exceedsDepth, tooDeep } from '../pipeline/input';
import { checkName, checkPackage } from '../upstream/cloudfunctions/paths';
import { consoleWrites } from './console-writes';
import { triggerWrites } from './trigger-writes';
import { isPlainObject, platformOf } from './values';

export const MAX_INVOKE_WAIT_MS = 60_000;

export const Mutation: MutationResolvers = {
  ...consoleWrites,
  ...triggerWrites,

  async invokeAction(_root, { input }, ctx) {
    const key = {
      platform: platformOf(input.platform, ctx),
      package: checkPackage(input.package),
      action: checkName('action', input.action),
    };
    const params = input.params ?? {};
    if (!isPlainObject(params)) throw badInput('params must be a JSON object.');
    // Also bounded when written inline in the document, not only as a variable (src/pipeline/input).
    if (exceedsDepth(params, ctx.maxInputDepth)) throw tooDeep('params', ctx.maxInputDepth);
    const wait = input.timeoutMs ?? undefined;
    if (wait !== undefined && (!Number.isInteger(wait) || wait < 0 || wait > MAX_INVOKE_WAIT_MS)) {
      throw badInput(`timeoutMs must be from 0 to ${MAX_INVOKE_WAIT_MS}.`);
    }

    const outcome = await ctx.functions.invoke(key, params, wait, {
      signal: ctx.signal,
      deadline: ctx.deadline,
      trace: ctx.trace,
      // Whose turn it is for an invoke slot (GATEWAY_INVOKE_CONCURRENCY).
      caller: ctx.caller,
    });
    if (!outcome.completed) {
      // Known to be pending: a subscription to it waits for it, and activationStatus says PENDING.
      ctx.runs.noteStarted({ ...key, id: outcome.activationId });
      return { activationId: outcome.activationId, completed: false, activation: null };
    }

    const activation = { ...key, id: outcome.activationId, record: outcome.record };
    // A later `activation(id:)` in the same request needs no call.
    ctx.loaders.functions.activation.prime(activation, outcome.record);
    return { activationId: outcome.activationId, completed: true, activation };
  },
};

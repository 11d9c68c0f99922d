/**
 * run-status: where a run is, from what can be known (src/subscriptions/runs): its record when it
 * has finished; pending when this gateway started it; otherwise not found (no such action, or no
 * such run of it). Shared by Query.activationStatus and Subscription.activationCompleted.
 */
import type { GatewayContext } from '../context';
import { ErrorCode, isGatewayError, refusals } from '../errors';
import { NOT_FOUND_MARGIN_MS } from '../subscriptions/runs';
import type { ActionDetail, ActivationKey } from '../upstream/cloudfunctions/types';
import { toInt } from './values';

/** OpenWhisk's default time limit, for an action that does not say its own. */
const DEFAULT_TIME_LIMIT_MS = 60_000;

/** `"pkg/action"`, or `"action"` for one in no package. */
export function actionLabel(key: ActivationKey): string {
  return key.package === '-' ? `"${key.action}"` : `"${key.package}/${key.action}"`;
}

/** The action's own time limit, in ms. */
export function timeLimitOf(action: ActionDetail): number {
  return toInt(action.limits?.timeout) ?? DEFAULT_TIME_LIMIT_MS;
}

/** The action of a run, or the NOT_FOUND refusal when there is none. */
export async function actionOf(key: ActivationKey, ctx: GatewayContext): Promise<ActionDetail> {
  const action = await ctx.loaders.functions.action.load({
    platform: key.platform,
    package: key.package,
    action: key.action,
  });
  if (!action) throw refusals.noSuchAction(actionLabel(key), key.platform);
  return action;
}

const NONE = { activation: null, startedAt: null, endsBy: null, reason: null };

export async function runStatus(key: ActivationKey, ctx: GatewayContext) {
  const record = await ctx.loaders.functions.activation.load(key);
  if (record) {
    ctx.runs.forget(key);
    return { ...NONE, state: 'FINISHED' as const, activation: { ...key, record } };
  }
  const startedAt = ctx.runs.startedAt(key);
  let action: ActionDetail;
  try {
    action = await actionOf(key, ctx);
  } catch (error) {
    if (!(isGatewayError(error) && error.code === ErrorCode.NOT_FOUND)) throw error;
    return { ...NONE, state: 'NOT_FOUND' as const, reason: error.message };
  }
  if (startedAt !== undefined) {
    const endsBy = new Date(startedAt + timeLimitOf(action) + NOT_FOUND_MARGIN_MS);
    return { ...NONE, state: 'PENDING' as const, startedAt: new Date(startedAt), endsBy };
  }
  return {
    ...NONE,
    state: 'NOT_FOUND' as const,
    reason: refusals.noSuchRun(key.id, actionLabel(key), Math.round(timeLimitOf(action) / 1000)).message,
  };
}

import type { ActivationResolvers } from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import type { ActivationRecord, ActivationSource } from '../upstream/cloudfunctions/types';
import { text, toActivationStatus, toDate, toInt } from './values';

/**
 * The full record: the one already read (detail or finished invoke), or one call per activation, at
 * its action's address or its trigger's. An item of the namespace-wide list names neither (NCP's items
 * carry only the id, duration and status): it has no address to be read at, so null.
 */
async function recordOf(source: ActivationSource, ctx: GatewayContext): Promise<ActivationRecord | null> {
  if (source.record) return source.record;
  const { platform, id } = source;
  if (source.package !== undefined && source.action !== undefined) {
    return ctx.loaders.functions.activation.load({ platform, package: source.package, action: source.action, id });
  }
  if (source.trigger !== undefined)
    return ctx.loaders.functions.triggerActivation.load({ ...source, trigger: source.trigger });
  return null;
}

/** The status a list item or a record carries, without any call. */
function statusCarried(source: ActivationSource) {
  const raw = source.record
    ? (source.record.response?.status ?? source.record.response?.statusCode)
    : source.summary?.status;
  return toActivationStatus(raw);
}

export const Activation: ActivationResolvers = {
  id: (source) => source.id,

  // The record's name is the action's (or the trigger's) name, which the address already holds; a
  // namespace item carries one only if the upstream adds OpenWhisk's `name` to it (not documented).
  name: (source) => text(source.record?.name) ?? source.action ?? source.trigger ?? text(source.summary?.name) ?? '',

  action: (source) =>
    source.package !== undefined && source.action !== undefined
      ? { platform: source.platform, package: source.package, action: source.action }
      : null,

  namespace: async (source, _args, ctx) => text((await recordOf(source, ctx))?.namespace),
  subject: async (source, _args, ctx) => text((await recordOf(source, ctx))?.subject),
  startedAt: async (source, _args, ctx) => toDate((await recordOf(source, ctx))?.start),
  endedAt: async (source, _args, ctx) => toDate((await recordOf(source, ctx))?.end),

  async durationMs(source, _args, ctx) {
    const carried = source.record?.duration ?? source.summary?.duration;
    if (carried !== undefined && carried !== null) return toInt(carried);
    return toInt((await recordOf(source, ctx))?.duration);
  },

  logs: async (source, _args, ctx) => {
    const logs = (await recordOf(source, ctx))?.logs;
    return Array.isArray(logs) ? logs.map((line) => text(line) ?? JSON.stringify(line)) : [];
  },

  async status(source, _args, ctx) {
    const carried = statusCarried(source);
    if (carried) return carried;
    const record = await recordOf(source, ctx);
    return toActivationStatus(record?.response?.status ?? record?.response?.statusCode);
  },

  async success(source, _args, ctx) {
    if (typeof source.record?.response?.success === 'boolean') return source.record.response.success;
    // A list item has no success flag, but its status says it.
    const carried = statusCarried(source);
    if (carried) return carried === 'SUCCESS';
    const record = await recordOf(source, ctx);
    if (typeof record?.response?.success === 'boolean') return record.response.success;
    const status = toActivationStatus(record?.response?.status);
    return status ? status === 'SUCCESS' : null;
  },

  result: async (source, _args, ctx) => (await recordOf(source, ctx))?.response?.result ?? null,
};

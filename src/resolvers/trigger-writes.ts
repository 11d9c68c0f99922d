/**
 * trigger-writes: the functions console's trigger writes (issue 15): create, update, delete, link and
 * unlink an action, fire. Same rules as ./console-writes.ts: every check of the input alone first (the
 * name, description, parameters, the type's own options, a cron expression parsed by croner), then fresh
 * reads (CONFLICT on create, NOT_FOUND on update, names, links), then the write; the client invalidates
 * what each write touched.
 *
 * Bodies (docs/upstream/triggers.md#bodies): v2.1 flat, v2.0 wrapped in `trigger` (the client does it).
 * A PUT on an existing trigger keeps `description`, `parameters` and the event-rule lists when absent,
 * but needs `cronOption` and the GitHub fields every time (the emulator's reading, inferred), so an
 * update sends the current ones again when the input leaves them out; the GitHub access token is read
 * back from the trigger's `execOption` for that (never answered to the client: Trigger.options redacts it).
 */
import { Cron } from 'croner';
import type {
  CreateTriggerInput,
  MutationResolvers,
  TriggerType,
  UpdateTriggerInput,
} from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { badInput, refusals } from '../errors';
import { exceedsDepth, tooDeep } from '../pipeline/input';
import type { FunctionsCall } from '../upstream/cloudfunctions/client';
import { checkName, checkPackage, NO_PACKAGE } from '../upstream/cloudfunctions/paths';
import { execOptionEntries, linkedActions, triggerTypeOf } from '../upstream/cloudfunctions/triggers';
import type { ActionKey, Platform, TriggerKey, UpstreamTriggerType } from '../upstream/cloudfunctions/types';
import { MAX_DESCRIPTION_BYTES, MAX_PARAMETERS_BYTES } from './console-writes';
import { isPlainObject, platformOf, toGqlPlatform } from './values';

const UPSTREAM_TYPES: Partial<Record<TriggerType, UpstreamTriggerType>> = {
  CRON: 'cron',
  GITHUB: 'github',
  INSIGHT: 'insight',
  OBJECT_STORAGE: 'object_storage',
  SOURCE_COMMIT: 'source_commit',
  SECRET_MANAGER: 'secret_manager',
};
/** Which input field holds each type's options. */
const OPTION_FIELDS = {
  CRON: 'cron',
  GITHUB: 'github',
  INSIGHT: 'insight',
  OBJECT_STORAGE: 'objectStorage',
  SOURCE_COMMIT: 'sourceCommit',
  SECRET_MANAGER: 'secretManager',
} as const;
const ALL_OPTION_FIELDS = Object.values(OPTION_FIELDS);

export const MAX_CRON_LENGTH = 100;
const MAX_LINKS = 20;
const MAX_EVENTS = 50;
const MAX_OPTION_LENGTH = 256;
const MAX_TOKEN_LENGTH = 1024;
/** The time zone NCP reads cron expressions in, per a third party (KST): only for parsing here. */
const CRON_TIME_ZONE = 'Asia/Seoul';
const NUMERIC_FIELD = /^[0-9*,/-]+$/;
const named = (names: string) => new RegExp(`^(?:[0-9*,/-]|${names})+$`, 'i');
const CRON_FIELDS: Array<[string, RegExp]> = [
  ['minute', NUMERIC_FIELD],
  ['hour', NUMERIC_FIELD],
  ['day of month', NUMERIC_FIELD],
  ['month', named('JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC')],
  ['day of week', named('SUN|MON|TUE|WED|THU|FRI|SAT')],
];

/**
 * A 5-field crontab expression in the classic syntax NCP documents (numbers, `*`, ranges, lists, steps,
 * month and weekday names), parsed by croner in its 5-part mode; croner's extensions (L, W, #, ?) and
 * nicknames (@daily) are refused, as NCP documents none of them.
 */
export function checkCron(expression: string): string {
  const refuse = (why: string) => badInput(`cron "${expression}" is not a 5-field crontab expression: ${why}.`);
  if (expression.length > MAX_CRON_LENGTH) throw refuse(`longer than ${MAX_CRON_LENGTH} characters`);
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw refuse('it needs minute, hour, day of month, month and day of week');
  fields.forEach((field, i) => {
    const [name, rule] = CRON_FIELDS[i]!;
    if (!rule.test(field)) throw refuse(`the ${name} field is not valid`);
  });
  try {
    new Cron(fields.join(' '), { paused: true, mode: '5-part', timezone: CRON_TIME_ZONE }).stop();
  } catch {
    throw refuse('a field is out of range or malformed');
  }
  return fields.join(' ');
}

function short(field: string, value: string, max = MAX_OPTION_LENGTH): string {
  if (value.length < 1 || value.length > max) throw badInput(`${field} must be 1 to ${max} characters.`);
  return value;
}

function list<T>(field: string, items: readonly T[]): readonly T[] {
  if (items.length > MAX_LINKS) throw badInput(`${field} takes at most ${MAX_LINKS} entries.`);
  return items;
}

type TriggerInput = CreateTriggerInput | UpdateTriggerInput;

/** The body fields of the type's options in the input, checked; {} when the input has none. */
function optionFields(type: TriggerType, input: TriggerInput): Record<string, unknown> {
  for (const field of ALL_OPTION_FIELDS) {
    const set = input[field] !== undefined && input[field] !== null;
    if (set && field !== OPTION_FIELDS[type as keyof typeof OPTION_FIELDS]) {
      throw badInput(`${field} does not apply to a trigger of type ${type}.`);
    }
  }
  if (input.cron) return { cronOption: checkCron(input.cron) };
  if (input.github) {
    const g = input.github;
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/.test(g.repository)) {
      throw badInput('github.repository must be repo or owner/repo.');
    }
    if (g.events.length < 1 || g.events.length > MAX_EVENTS) {
      throw badInput(`github.events must list 1 to ${MAX_EVENTS} events.`);
    }
    for (const e of g.events) if (!/^(\*|[a-z_]{1,64})$/.test(e)) throw badInput(`Invalid GitHub event "${e}".`);
    return {
      credential: {
        username: short('github.username', g.username),
        accessToken: short('github.accessToken', g.accessToken, MAX_TOKEN_LENGTH),
        repository: short('github.repository', g.repository),
      },
      events: [...new Set(g.events)],
    };
  }
  if (input.insight) {
    return {
      insightLink: list('insight', input.insight).map((l) => {
        const minutes = l.reminderTimeMinutes;
        if (minutes !== undefined && minutes !== null && (!Number.isInteger(minutes) || minutes < 5 || minutes > 720)) {
          throw badInput('insight.reminderTimeMinutes must be from 5 to 720.');
        }
        return {
          prodKey: short('insight.prodKey', l.prodKey),
          ruleGrpId: short('insight.ruleGroupId', l.ruleGroupId),
          ...(typeof minutes === 'number' ? { reminderTime: minutes } : {}),
          ...(typeof l.notifyOnClose === 'boolean' ? { enableNotiWhenEventClose: l.notifyOnClose } : {}),
        };
      }),
    };
  }
  if (input.objectStorage) {
    return {
      objectStorageLink: list('objectStorage', input.objectStorage).map((l) => ({
        bucketName: short('objectStorage.bucketName', l.bucketName),
        eventRuleName: short('objectStorage.eventRuleName', l.eventRuleName),
      })),
    };
  }
  if (input.sourceCommit) {
    return {
      sourceCommitLink: list('sourceCommit', input.sourceCommit).map((l) => ({
        repositoryName: short('sourceCommit.repositoryName', l.repositoryName),
        webhookName: short('sourceCommit.webhookName', l.webhookName),
        ...(typeof l.enabled === 'boolean' ? { enable: l.enabled } : {}),
      })),
    };
  }
  if (input.secretManager) {
    return {
      secretManagerLink: list('secretManager', input.secretManager).map((l) => ({
        secretName: short('secretManager.secretName', l.secretName),
      })),
    };
  }
  return {};
}

/** Everything about a trigger's input that needs no upstream call, as the body's fields (no type ones yet). */
function commonFields(input: TriggerInput, ctx: GatewayContext): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (typeof input.description === 'string') {
    if (Buffer.byteLength(input.description, 'utf8') > MAX_DESCRIPTION_BYTES) {
      throw badInput(`description must be at most ${MAX_DESCRIPTION_BYTES} bytes of UTF-8.`);
    }
    fields.description = input.description;
  } else if (input.description === null) {
    fields.description = '';
  }
  if (input.parameters !== undefined) {
    const p = input.parameters ?? {};
    if (!isPlainObject(p)) throw badInput('parameters must be a JSON object.');
    if (exceedsDepth(p, ctx.maxInputDepth)) throw tooDeep('parameters', ctx.maxInputDepth);
    if (Buffer.byteLength(JSON.stringify(p), 'utf8') > MAX_PARAMETERS_BYTES) {
      throw badInput('parameters must be at most 1 MB as JSON.');
    }
    fields.parameters = p;
  }
  if (input.apiGateway) {
    const a = input.apiGateway;
    if (!a.productName && !a.productId) throw badInput('apiGateway needs productName (or productId on v2.0).');
    fields.link = {
      ...(a.productName ? { productName: short('apiGateway.productName', a.productName) } : {}),
      ...(a.productId ? { productId: short('apiGateway.productId', a.productId) } : {}),
      apiName: short('apiGateway.apiName', a.apiName),
      stageName: short('apiGateway.stageName', a.stageName),
      ...(a.authentication ? { authentication: a.authentication } : {}),
    };
  }
  return fields;
}

/** `options`: other body fields, sent as written, never one the typed inputs set. */
function withOptions(fields: Record<string, unknown>, options: unknown, ctx: GatewayContext) {
  if (options === undefined || options === null) return fields;
  if (!isPlainObject(options)) throw badInput('options must be a JSON object.');
  if (exceedsDepth(options, ctx.maxInputDepth)) throw tooDeep('options', ctx.maxInputDepth);
  for (const key of Object.keys(options)) {
    if (key in fields || ['description', 'parameters', 'link', 'trigger'].includes(key)) {
      throw badInput(`options may not set "${key}": it has an input of its own.`);
    }
  }
  return { ...options, ...fields };
}

const callOf = (ctx: GatewayContext): FunctionsCall => ({
  signal: ctx.signal,
  deadline: ctx.deadline,
  trace: ctx.trace,
  fresh: true,
});

function forgetTrigger(ctx: GatewayContext, key: TriggerKey): void {
  ctx.loaders.functions.trigger.clear(key);
  ctx.loaders.functions.triggers.clear(key.platform);
  ctx.loaders.functions.triggerIndex.clear(key.platform);
}

async function createTrigger(input: CreateTriggerInput, ctx: GatewayContext) {
  const key = { platform: platformOf(input.platform, ctx), trigger: checkName('trigger', input.name) };
  const type = UPSTREAM_TYPES[input.type];
  if (!type) throw badInput(`A trigger of type ${input.type} cannot be created through the API.`);
  const options = optionFields(input.type, input);
  if (input.type === 'CRON' && !options.cronOption) throw badInput('cron is required for a CRON trigger.');
  if (input.type === 'GITHUB' && !options.credential) throw badInput('github is required for a GITHUB trigger.');
  if (input.type === 'GITHUB' && !input.apiGateway) {
    throw badInput('apiGateway is required for a GITHUB trigger (NCP takes its link on creation only).');
  }
  const fields = withOptions({ ...commonFields(input, ctx), ...options }, input.options, ctx);

  const call = callOf(ctx);
  if (await ctx.functions.getTrigger(key, call))
    throw refusals.alreadyExists(`The trigger "${key.trigger}"`, key.platform);
  if (await ctx.functions.getPackage({ platform: key.platform, package: key.trigger }, call)) {
    throw refusals.nameTaken(key.trigger, 'a package');
  }
  if (await ctx.functions.getAction({ platform: key.platform, package: NO_PACKAGE, action: key.trigger }, call)) {
    throw refusals.nameTaken(key.trigger, 'an action in no package');
  }
  const detail = await ctx.functions.putTrigger(key, { type, fields }, call);
  forgetTrigger(ctx, key);
  return detail ? { ...key, detail } : key;
}

async function updateTrigger(input: UpdateTriggerInput, ctx: GatewayContext) {
  const key = { platform: platformOf(input.platform, ctx), trigger: checkName('trigger', input.name) };
  if (input.type) optionFields(input.type, input);
  const common = commonFields(input, ctx);
  if (input.apiGateway) throw badInput('apiGateway is taken on creation only.');

  const current = await ctx.functions.getTrigger(key, callOf(ctx));
  if (!current) throw refusals.doesNotExist(`The trigger "${key.trigger}"`, key.platform);
  const type = triggerTypeOf(current.type);
  const upstreamType = UPSTREAM_TYPES[type];
  if (!upstreamType) throw badInput(`The trigger "${key.trigger}" is of type ${type}: it cannot be changed here.`);
  if (input.type && input.type !== type) {
    throw refusals.immutableType(`The trigger "${key.trigger}"`, type, input.type);
  }
  const options = optionFields(type, input);
  // What every PUT needs again (inferred): the schedule, or the GitHub repository, events and credential.
  const entries = execOptionEntries(current.execOption);
  if (type === 'CRON' && !options.cronOption) {
    const cron = entries.cron ?? entries.cronOption;
    if (typeof cron !== 'string') throw refusals.unusableCurrent(`The trigger "${key.trigger}"`, 'schedule');
    options.cronOption = cron;
  }
  if (type === 'GITHUB' && !options.credential) {
    const { username, accessToken, repository, events } = entries;
    if (typeof username !== 'string' || typeof accessToken !== 'string' || typeof repository !== 'string') {
      throw refusals.unusableCurrent(`The trigger "${key.trigger}"`, 'GitHub credential');
    }
    options.credential = { username, accessToken, repository };
    options.events = Array.isArray(events) ? events : String(events ?? '*').split(',');
  }
  const fields = withOptions({ ...common, ...options }, input.options, ctx);
  const detail = await ctx.functions.putTrigger(key, { type: upstreamType, fields }, callOf(ctx));
  forgetTrigger(ctx, key);
  return detail ? { ...key, detail } : key;
}

interface LinkArgs {
  trigger: string;
  package?: string | null;
  action: string;
  platform?: 'VPC' | 'CLASSIC' | null;
}

function linkKeys(args: LinkArgs, ctx: GatewayContext): { trigger: TriggerKey; action: ActionKey } {
  const platform: Platform = platformOf(args.platform, ctx);
  return {
    trigger: { platform, trigger: checkName('trigger', args.trigger) },
    action: { platform, package: checkPackage(args.package), action: checkName('action', args.action) },
  };
}

const actionLabel = (a: ActionKey) => (a.package === NO_PACKAGE ? `"${a.action}"` : `"${a.package}/${a.action}"`);
const isLinked = (links: ActionKey[] | Array<{ package: string; action: string }>, a: ActionKey) =>
  links.some((l) => l.package === a.package && l.action === a.action);

export const triggerWrites: Pick<
  MutationResolvers,
  'createTrigger' | 'updateTrigger' | 'deleteTrigger' | 'linkTrigger' | 'unlinkTrigger' | 'fireTrigger'
> = {
  createTrigger: (_root, { input }, ctx) => createTrigger(input, ctx),
  updateTrigger: (_root, { input }, ctx) => updateTrigger(input, ctx),

  /** One call: the upstream says NOT_FOUND (80501). */
  async deleteTrigger(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), trigger: checkName('trigger', args.name) };
    await ctx.functions.deleteTrigger(key, callOf(ctx));
    forgetTrigger(ctx, key);
    return { name: key.trigger, package: null, platform: toGqlPlatform(key.platform) };
  },

  async linkTrigger(_root, args, ctx) {
    const { trigger, action } = linkKeys(args, ctx);
    const current = await ctx.functions.getTrigger(trigger, callOf(ctx));
    if (!current) throw refusals.notFoundOn(`The trigger "${trigger.trigger}"`, trigger.platform);
    if (!(await ctx.functions.getAction(action, callOf(ctx)))) {
      throw refusals.notFoundOn(`The action ${actionLabel(action)}`, action.platform);
    }
    if (isLinked(linkedActions(current.actions), action)) {
      throw refusals.alreadyLinked(actionLabel(action), trigger.trigger);
    }
    await ctx.functions.linkAction(trigger, action, callOf(ctx));
    forgetTrigger(ctx, trigger);
    return trigger;
  },

  async unlinkTrigger(_root, args, ctx) {
    const { trigger, action } = linkKeys(args, ctx);
    const current = await ctx.functions.getTrigger(trigger, callOf(ctx));
    if (!current) throw refusals.notFoundOn(`The trigger "${trigger.trigger}"`, trigger.platform);
    if (!isLinked(linkedActions(current.actions), action)) {
      throw refusals.notLinked(actionLabel(action), trigger.trigger);
    }
    await ctx.functions.unlinkAction(trigger, action, callOf(ctx));
    forgetTrigger(ctx, trigger);
    return trigger;
  },

  async fireTrigger(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), trigger: checkName('trigger', args.name) };
    const params = args.params ?? {};
    if (!isPlainObject(params)) throw badInput('params must be a JSON object.');
    if (exceedsDepth(params, ctx.maxInputDepth)) throw tooDeep('params', ctx.maxInputDepth);
    const current = await ctx.functions.getTrigger(key, callOf(ctx));
    if (!current) throw refusals.notFoundOn(`The trigger "${key.trigger}"`, key.platform);
    const linked = linkedActions(current.actions).map((ref) => ({ platform: key.platform, ...ref }));
    if (linked.length === 0) throw refusals.nothingLinked(key.trigger);
    const activationId = await ctx.functions.fireTrigger(key, params, linked, {
      signal: ctx.signal,
      deadline: ctx.deadline,
      trace: ctx.trace,
    });
    forgetTrigger(ctx, key);
    return { activationId, trigger: key };
  },
};

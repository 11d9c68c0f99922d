// Validation of the trigger endpoints' input (docs/upstream/triggers.md): the `type` query of PUT trigger,
// the per-type PUT bodies (flat on v2.1, wrapped in `trigger` on v2.0), the link-action body and the fire
// body. Each function returns a clean value or throws the ApiError the emulator answers with. The trigger
// body codes (80505, 80506) are the emulator's choice; the rule codes (80520, 80521) and 80511 are NCP's.
import {
  badRequest,
  ruleBodyInvalidType,
  ruleBodyMissingField,
  triggerBodyInvalidType,
  triggerBodyMissingField,
  triggerInvalidRuntimeParams,
} from './errors';
import { parseCron } from './cron';
import { ApiError } from './errors';
import type { ActionRef, ApiGatewayLink, Generation, GithubOptions, JsonObject, TriggerType } from './types';
import { checkDescription, checkParameters, isPlainObject, NAME, parseJsonBody } from './validate';

const TYPES_V21: readonly TriggerType[] = [
  'cron',
  'github',
  'insight',
  'object_storage',
  'source_commit',
  'secret_manager',
];
/** v2.0 documents every type but secret_manager. */
const TYPES_V20: readonly TriggerType[] = TYPES_V21.filter((t) => t !== 'secret_manager');

/** The body field that holds each event-rule type's link list. */
export const EVENT_LINK_FIELD: Partial<Record<TriggerType, string>> = {
  insight: 'insightLink',
  object_storage: 'objectStorageLink',
  source_commit: 'sourceCommitLink',
  secret_manager: 'secretManagerLink',
};

/** Bounds of the emulator's own (NCP documents none): entries of a link list, GitHub events, string sizes. */
export const MAX_EVENT_LINKS = 20;
export const MAX_GITHUB_EVENTS = 50;
const MAX_OPTION_CHARS = 256;
const MAX_TOKEN_CHARS = 1024;
const GITHUB_EVENT = /^(\*|[a-z][a-z_]{0,63})$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9_.-]{1,100}(\/[A-Za-z0-9_.-]{1,100})?$/;

/** The `type` query of PUT trigger: required, one of the generation's types. */
export function parseTriggerType(gen: Generation, q: URLSearchParams): TriggerType {
  const v = q.get('type');
  const types = gen === 'v2.1' ? TYPES_V21 : TYPES_V20;
  if (v === null || v === '')
    throw badRequest(`The query parameter 'type' is required: use one of ${types.join(', ')}.`);
  if (!(types as readonly string[]).includes(v))
    throw badRequest(`Invalid type '${v}': use one of ${types.join(', ')}.`);
  return v as TriggerType;
}

export interface TriggerBody {
  description?: string;
  parameters?: JsonObject;
  cronOption?: string;
  github?: GithubOptions;
  eventLinks?: JsonObject[];
  link?: ApiGatewayLink;
}

function text(body: JsonObject, field: string, where: string, max = MAX_OPTION_CHARS): string {
  const v = body[field];
  if (v === undefined || v === null || v === '') throw triggerBodyMissingField(`${where}${field} is required`);
  if (typeof v !== 'string' || v.length > max) {
    throw triggerBodyInvalidType(`${where}${field} must be a string of at most ${max} characters`);
  }
  return v;
}

function object(body: JsonObject, field: string, where = ''): JsonObject {
  const v = body[field];
  if (v === undefined || v === null) throw triggerBodyMissingField(`${where}${field} is required`);
  if (!isPlainObject(v)) throw triggerBodyInvalidType(`${where}${field} must be an object`);
  return v;
}

function cronOption(body: JsonObject): string {
  const expression = text(body, 'cronOption', '', 100);
  const parsed = parseCron(expression);
  if (!parsed.ok) throw triggerBodyInvalidType(`cronOption is not a 5-field cron expression: ${parsed.reason}`);
  return expression.trim().split(/\s+/).join(' ');
}

function github(body: JsonObject): GithubOptions {
  const credential = object(body, 'credential');
  const repository = text(credential, 'repository', 'credential.');
  if (!GITHUB_REPOSITORY.test(repository)) {
    throw triggerBodyInvalidType("credential.repository must be 'repository' or 'organization/repository'");
  }
  const events = body.events;
  if (events === undefined || events === null) throw triggerBodyMissingField('events is required');
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_GITHUB_EVENTS) {
    throw triggerBodyInvalidType(`events must be an array of 1 to ${MAX_GITHUB_EVENTS} GitHub event names`);
  }
  if (!events.every((e) => typeof e === 'string' && GITHUB_EVENT.test(e))) {
    throw triggerBodyInvalidType("events must hold GitHub event names such as '*', 'push' or 'pull_request'");
  }
  return {
    username: text(credential, 'username', 'credential.'),
    accessToken: text(credential, 'accessToken', 'credential.', MAX_TOKEN_CHARS),
    repository,
    events: [...new Set(events as string[])],
  };
}

/** The API Gateway link block; v2.0 names the product by productId, v2.1 by productName. */
function apiGatewayLink(gen: Generation, body: JsonObject): ApiGatewayLink {
  const link = object(body, 'link');
  const out: ApiGatewayLink = {
    apiName: text(link, 'apiName', 'link.'),
    stageName: text(link, 'stageName', 'link.'),
    authentication: 'IAM',
  };
  if (gen === 'v2.0' && link.productId !== undefined) out.productId = text(link, 'productId', 'link.');
  else out.productName = text(link, 'productName', 'link.');
  const auth = link.authentication;
  if (auth !== undefined && auth !== null) {
    if (auth !== 'NONE' && auth !== 'IAM') throw triggerBodyInvalidType("link.authentication must be 'NONE' or 'IAM'");
    out.authentication = auth;
  }
  return out;
}

type FieldRule = { name: string; kind: 'text' | 'bool' | 'minutes'; required: boolean; fallback?: unknown };
const EVENT_LINK_RULES: Partial<Record<TriggerType, FieldRule[]>> = {
  insight: [
    { name: 'prodKey', kind: 'text', required: true },
    { name: 'ruleGrpId', kind: 'text', required: true },
    { name: 'reminderTime', kind: 'minutes', required: false },
    { name: 'enableNotiWhenEventClose', kind: 'bool', required: false, fallback: false },
  ],
  object_storage: [
    { name: 'bucketName', kind: 'text', required: true },
    { name: 'eventRuleName', kind: 'text', required: true },
  ],
  source_commit: [
    { name: 'repositoryName', kind: 'text', required: true },
    { name: 'webhookName', kind: 'text', required: true },
    { name: 'enable', kind: 'bool', required: false, fallback: true },
  ],
  secret_manager: [{ name: 'secretName', kind: 'text', required: true }],
};

function eventLinkEntry(rules: FieldRule[], entry: unknown, where: string): JsonObject {
  if (!isPlainObject(entry)) throw triggerBodyInvalidType(`${where} must be an object`);
  const out: JsonObject = {};
  for (const rule of rules) {
    const v = entry[rule.name];
    if (v === undefined || v === null) {
      if (rule.required) throw triggerBodyMissingField(`${where}.${rule.name} is required`);
      if (rule.fallback !== undefined) out[rule.name] = rule.fallback;
      continue;
    }
    if (rule.kind === 'text') out[rule.name] = text(entry, rule.name, `${where}.`);
    else if (rule.kind === 'bool' && typeof v === 'boolean') out[rule.name] = v;
    else if (rule.kind === 'minutes' && Number.isInteger(v) && (v as number) >= 5 && (v as number) <= 720) {
      out[rule.name] = v;
    } else {
      const wanted = rule.kind === 'bool' ? 'a boolean' : 'an integer between 5 and 720';
      throw triggerBodyInvalidType(`${where}.${rule.name} must be ${wanted}`);
    }
  }
  return out;
}

/** insightLink, objectStorageLink, ...: optional; absent keeps what an existing trigger has. */
function eventLinks(type: TriggerType, body: JsonObject): JsonObject[] | undefined {
  const field = EVENT_LINK_FIELD[type]!;
  const list = body[field];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list) || list.length > MAX_EVENT_LINKS) {
    throw triggerBodyInvalidType(`${field} must be an array of at most ${MAX_EVENT_LINKS} entries`);
  }
  return list.map((entry, i) => eventLinkEntry(EVENT_LINK_RULES[type]!, entry, `${field}[${i}]`));
}

/** The body's fields: v2.1 sends them flat, v2.0 inside `trigger` (documented for both). */
function unwrap(gen: Generation, raw: unknown): JsonObject {
  const body = raw === undefined ? {} : raw;
  if (!isPlainObject(body)) throw badRequest('The request body must be a JSON object.');
  if (gen === 'v2.1') return body;
  return object(body, 'trigger');
}

/**
 * The PUT trigger body for `type`. cron needs cronOption, github its credential and events and, when the
 * trigger is created, the API Gateway `link` (documented as valid only on create: an update keeps the
 * first one). Every other type may carry a `link` too; the event-rule types take their link lists.
 */
export function validateTriggerBody(gen: Generation, type: TriggerType, raw: unknown, creating: boolean): TriggerBody {
  const body = unwrap(gen, raw);
  const out: TriggerBody = {};
  const description = checkDescription(body.description, triggerBodyInvalidType);
  const parameters = checkParameters(body.parameters, triggerBodyInvalidType);
  if (description !== undefined) out.description = description;
  if (parameters !== undefined) out.parameters = parameters;
  if (type === 'cron') out.cronOption = cronOption(body);
  if (type === 'github') out.github = github(body);
  if (EVENT_LINK_FIELD[type] !== undefined) {
    const links = eventLinks(type, body);
    if (links !== undefined) out.eventLinks = links;
  }
  if (creating && (type === 'github' || (body.link !== undefined && body.link !== null))) {
    out.link = apiGatewayLink(gen, body);
  }
  return out;
}

/**
 * The link-action body `{action, package?}` (v2.0: package required). Both readings of the documented
 * example `{"action": "hsh/act-01", "package": "-"}` are taken: an action given as "package/action" names
 * that package when `package` is absent, '-' or the same name.
 */
export function parseLinkBody(gen: Generation, raw: unknown): ActionRef {
  let body: unknown;
  try {
    body = parseJsonBody(raw as Buffer);
  } catch (err) {
    if (err instanceof ApiError) throw ruleBodyInvalidType('The request body must be a JSON object.');
    throw err;
  }
  if (body === undefined) throw ruleBodyMissingField('action is required');
  if (!isPlainObject(body)) throw ruleBodyInvalidType('The request body must be a JSON object.');
  const action = body.action;
  const pkg = body.package;
  if (action === undefined || action === null || action === '') throw ruleBodyMissingField('action is required');
  if (typeof action !== 'string') throw ruleBodyInvalidType('action must be a string');
  if (gen === 'v2.0' && (pkg === undefined || pkg === null || pkg === '')) {
    throw ruleBodyMissingField('package is required');
  }
  if (pkg !== undefined && pkg !== null && typeof pkg !== 'string')
    throw ruleBodyInvalidType('package must be a string');
  const givenPackage = typeof pkg === 'string' && pkg !== '' ? pkg : '-';
  const slash = action.indexOf('/');
  const ref: ActionRef =
    slash > 0 && (givenPackage === '-' || givenPackage === action.slice(0, slash))
      ? { packageName: action.slice(0, slash), name: action.slice(slash + 1) }
      : { packageName: givenPackage, name: action };
  if (!(ref.packageName === '-' || NAME.test(ref.packageName)) || !NAME.test(ref.name)) {
    throw ruleBodyInvalidType(`'${action}' is not an action name (1-50 characters of [A-Za-z0-9_-])`);
  }
  return ref;
}

/** The fire body: runtime parameters, a JSON object or nothing; anything else is 80511. */
export function parseFireBody(raw: Buffer): JsonObject {
  let body: unknown;
  try {
    body = parseJsonBody(raw);
  } catch (err) {
    if (err instanceof ApiError) throw triggerInvalidRuntimeParams(err.details);
    throw err;
  }
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw triggerInvalidRuntimeParams('The runtime parameters must be a JSON object.');
  return body;
}
